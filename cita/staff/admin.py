from django.contrib.auth.admin import UserAdmin

from cita.staff.admin_site import admin_site
from cita.staff.models import User


class StaffUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "port", "shelter", "is_active", "locked_until")
    list_filter = ("role", "is_active", "port", "shelter")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Role", {"fields": ("role", "port", "shelter", "locked_until")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "role", "port", "shelter", "password1", "password2"),
            },
        ),
    )


admin_site.register(User, StaffUserAdmin)
