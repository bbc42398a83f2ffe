from django.contrib import admin

from cita.core.admin import admin_site
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
class NoticeAdmin(admin.ModelAdmin):
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
