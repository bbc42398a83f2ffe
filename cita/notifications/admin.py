from django.contrib import admin

from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.notifications.models import Delivery, Notice


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = (
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "provider_message_id",
        "last_error",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Notice, site=admin_site)
class NoticeAdmin(ReadOnlyAdmin):
    """Read-only (issue 14, item 9): notices are the applicant's record of what cita told them; retrying a
    delivery is `/staff/notifications/` (audited)."""

    list_display = ("id", "kind", "applicant", "language", "created_at", "read_at")
    list_filter = ("kind", "language")
    exclude = ("context", "address")
    inlines = [DeliveryInline]
    readonly_fields = (
        "dedup_key",
        "kind",
        "applicant",
        "address_kind",
        "language",
        "priority",
        "created_at",
        "expires_at",
        "read_at",
    )
