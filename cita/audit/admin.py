from django.contrib import admin

from cita.audit.models import AuditEvent
from cita.core.admin import ReadOnlyAdmin, admin_site


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("object_id", "actor")
