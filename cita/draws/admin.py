"""Read-only admin pages of the draws domain. Every change goes through the services (audited); the
sealed seed, tickets and the reasons of priority flags are not shown here."""

from __future__ import annotations

from django.contrib import admin

from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.draws.models import Draw, Offer, PriorityFlag, Request


@admin.register(Draw, site=admin_site)
class DrawAdmin(ReadOnlyAdmin):
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
class RequestAdmin(ReadOnlyAdmin):
    # The ticket links a group to the public results: only the group sees it.
    list_display = ("id", "draw", "state", "group_size", "created_at")
    list_filter = ("status__state",)
    exclude = ("ticket",)


@admin.register(Offer, site=admin_site)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ("id", "draw", "port", "day", "slot", "group_size", "phase", "order", "state", "deadline")
    list_filter = ("state", "phase")


@admin.register(PriorityFlag, site=admin_site)
class PriorityFlagAdmin(ReadOnlyAdmin):
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
