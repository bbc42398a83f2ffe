"""Read-only admin pages of the counts (they are recomputed by the job `transparency.figures`)."""

from __future__ import annotations

from django.contrib import admin

from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.transparency.models import BacklogFigures, PortDayFigures


@admin.register(PortDayFigures, site=admin_site)
class PortDayFiguresAdmin(ReadOnlyAdmin):
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
class BacklogFiguresAdmin(ReadOnlyAdmin):
    list_display = ("day", "waiting", "people", "median_days", "computed_at")
