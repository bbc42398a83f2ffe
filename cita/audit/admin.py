"""The audit log in the admin (read-only), and `AuditedAdmin`: the admin of reference data an admin keeps
there (ports, shelters), every write of which is recorded in the audit log (issue 14, item 9)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from cita.audit.models import AuditEvent
from cita.audit.services import audit_record
from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.core.http import actor_of


class AuditedAdmin(admin.ModelAdmin):
    """Adds, changes and deletions in the admin, each in one transaction with its audit event
    (`admin.added`, `admin.changed`, `admin.deleted`; the names of the changed fields, never their values).
    Bulk deletion is off: each deletion is one event."""

    actions = None

    def _audit(self, request: HttpRequest, action: str, obj: models.Model, fields: list[str]) -> None:
        audit_record(
            actor=actor_of(request),
            action=f"admin.{action}",
            object_type=obj._meta.model_name or "",
            object_id=obj.pk,
            data={"fields": sorted(fields)},
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            self._audit(request, "changed" if change else "added", obj, list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            pk = obj.pk
            super().delete_model(request, obj)
            obj.pk = pk
            self._audit(request, "deleted", obj, [])

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("object_id", "actor")
