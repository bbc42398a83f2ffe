"""Read-only admin pages of the draws domain. Every change goes through the services (audited); the
sealed seed, tickets and the reasons of priority flags are not shown here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cita.draws.models import Draw, DrawPolicy, Offer, PriorityFlag, Request
from cita.staff.admin_site import admin_site


class ReadOnly(admin.ModelAdmin):
    """Lists and details only: writes belong to the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DrawPolicy, site=admin_site)
class DrawPolicyAdmin(ReadOnly):
    list_display = (
        "effective_from",
        "window_opens",
        "window_closes",
        "horizon_days",
        "reserve_percent",
        "confirm_hours",
        "group_size_limit",
        "created_by",
    )


@admin.register(Draw, site=admin_site)
class DrawAdmin(ReadOnly):
    list_display = (
        "draw_id",
        "round",
        "appointment_date",
        "status",
        "entries_count",
        "selected_count",
        "seats",
        "published_at",
    )
    list_filter = ("status", "round")
    search_fields = ("draw_id",)
    exclude = ("seed_sealed",)


@admin.register(Request, site=admin_site)
class RequestAdmin(ReadOnly):
    # The ticket links a group to the public results: only the group sees it.
    list_display = ("id", "draw", "state", "group_size", "created_at")
    list_filter = ("status__state",)
    exclude = ("ticket",)


@admin.register(Offer, site=admin_site)
class OfferAdmin(ReadOnly):
    list_display = ("id", "draw", "port", "day", "slot", "group_size", "phase", "order", "state", "deadline")
    list_filter = ("state", "phase")


@admin.register(PriorityFlag, site=admin_site)
class PriorityFlagAdmin(ReadOnly):
    list_display = (
        "id",
        "applicant",
        "kind",
        "draws_remaining",
        "created_by",
        "created_at",
        "ended_at",
        "ended_reason",
    )
    list_filter = ("kind",)
    exclude = ("reason",)
