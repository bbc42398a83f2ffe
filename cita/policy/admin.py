"""Read-only admin page of the draw policies (planners set them on their console, audited)."""

from __future__ import annotations

from django.contrib import admin

from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.policy.models import DrawPolicy


@admin.register(DrawPolicy, site=admin_site)
class DrawPolicyAdmin(ReadOnlyAdmin):
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
