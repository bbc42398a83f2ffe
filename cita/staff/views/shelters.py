"""Planners' view of the shelters: capacity, occupancy and registered residents."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cita.core.access import allow
from cita.core.actors import Role
from cita.core.http import actor_of
from cita.staff.selectors import shelter_occupancy_for_actor


@allow(Role.PLANNER, Role.ADMIN)
@require_GET
def shelters(request: HttpRequest) -> HttpResponse:
    """Occupancy across every shelter, with totals."""
    return render(
        request, "staff/shelters.html", {"table": shelter_occupancy_for_actor(actor=actor_of(request))}
    )
