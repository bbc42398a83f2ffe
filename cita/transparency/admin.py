"""Read-only admin pages of the counts (they are recomputed by the job `transparency.figures`)."""

from __future__ import annotations

from django.contrib import admin

from cita.draws.admin import ReadOnly
from cita.staff.admin_site import admin_site
from cita.transparency.models import BacklogFigures, PortDayFigures


@admin.register(PortDayFigures, site=admin_site)
class PortDayFiguresAdmin(ReadOnly):
    list_display = (
        "day",
        "port",
        "requests",
        "seats",
        "selections",
        "confirmations",
        "check_ins",
        "no_shows",
    )
    list_filter = ("port",)
    date_hierarchy = "day"


@admin.register(BacklogFigures, site=admin_site)
class BacklogFiguresAdmin(ReadOnly):
    list_display = ("day", "waiting", "people", "median_days", "computed_at")
