from django.contrib.auth.admin import UserAdmin

from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.staff.models import User


class StaffUserAdmin(ReadOnlyAdmin, UserAdmin):
    """Read-only: accounts change through the audited pages at /staff/accounts/ (cita.staff.services)."""

    list_display = ("username", "email", "role", "port", "shelter", "is_active", "locked_until")
    list_filter = ("role", "is_active", "port", "shelter")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Role", {"fields": ("role", "port", "shelter", "locked_until")}),
    )


admin_site.register(User, StaffUserAdmin)
