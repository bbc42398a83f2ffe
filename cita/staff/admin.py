from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from cita.staff.admin_site import admin_site
from cita.staff.models import User


class StaffUserAdmin(UserAdmin):
    """Read-only: accounts change through the audited pages at /staff/accounts/ (cita.staff.services)."""

    list_display = ("username", "email", "role", "port", "shelter", "is_active", "locked_until")
    list_filter = ("role", "is_active", "port", "shelter")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Role", {"fields": ("role", "port", "shelter", "locked_until")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


admin_site.register(User, StaffUserAdmin)
