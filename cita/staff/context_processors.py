"""Template context for every page: whether an NGO worker is acting for a resident (the banner)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from cita.core.actors import Role


def acting(request: HttpRequest) -> dict[str, Any]:
    """`acting_for`: the resident an NGO worker acts for (id, name, stop and resident URLs), else None."""
    actor = getattr(request, "actor", None)
    if actor is None or actor.role is not Role.NGO or actor.applicant_id is None:
        return {"acting_for": None}
    from cita.staff.selectors import acting_for_label

    name = acting_for_label(actor=actor)
    if name is None:
        return {"acting_for": None}
    return {
        "acting_for": {
            "applicant_id": actor.applicant_id,
            "name": name,
            "stop_url": reverse("staff:ngo_acting_stop"),
            "resident_url": reverse("staff:ngo_resident", args=[actor.applicant_id]),
        }
    }
