"""Read-only admin pages of appointments (changes go through the services, audited)."""

from __future__ import annotations

from django.contrib import admin

from cita.appointments.models import Appointment, MemberOutcome, Rebooking
from cita.core.admin import ReadOnlyAdmin, admin_site


@admin.register(Appointment, site=admin_site)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "port", "day", "slot", "group_size", "state", "checked_in_at", "checked_in_by")
    list_filter = ("state", "port")
    date_hierarchy = "day"
    # The pass payload opens the appointment at the port; staff verify passes, they do not need copies.
    exclude = ("pass_payload", "document_indexes", "members")


@admin.register(MemberOutcome, site=admin_site)
class MemberOutcomeAdmin(ReadOnlyAdmin):
    list_display = ("appointment", "member_id", "outcome", "recorded_at", "recorded_by")
    list_filter = ("outcome",)


@admin.register(Rebooking, site=admin_site)
class RebookingAdmin(ReadOnlyAdmin):
    list_display = ("closure", "groups", "placed", "escalated", "finished_at", "plan_sha256")
