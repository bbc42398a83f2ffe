from django.contrib import admin

from cita.notifications.models import Notice
from cita.staff.admin_site import admin_site


@admin.register(Notice, site=admin_site)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "applicant", "language", "created_at", "read_at")
    list_filter = ("kind", "language")
    exclude = ("context", "address")
    readonly_fields = (
        "dedup_key",
        "kind",
        "applicant",
        "address_kind",
        "language",
        "priority",
        "created_at",
        "read_at",
    )
