"""What the transparency pages publish about draws: public facts only (never a sealed seed)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from cita.draws.models import Draw, DrawStatus
from cita.draws.selectors import draw_file_names, draw_list_public

FILES = ("manifest.json", "entries.csv", "results.csv")


def draw_public(draw: Draw, *, files: list[str] | None = None) -> dict[str, Any]:
    """One draw as published: commitment from the start, seed and results once revealed."""
    present = draw_file_names(draw=draw) if files is None else files
    revealed = draw.status in (DrawStatus.PUBLISHED, DrawStatus.SKIPPED)
    return {
        "draw_id": draw.draw_id,
        "round": draw.round,
        "appointment_date": draw.appointment_date.isoformat(),
        "status": draw.status,
        "opens_at": draw.opens_at.isoformat(),
        "closes_at": draw.closes_at.isoformat(),
        "commitment": draw.commitment,
        "server_seed": draw.server_seed if revealed else None,
        "beacon": (
            {
                "source": draw.beacon_source,
                "round": draw.beacon_round,
                "value": draw.beacon_value if revealed else None,
            }
            if draw.beacon_round is not None
            else None
        ),
        "reserve_percent": draw.reserve_percent,
        "entries_sha256": draw.entries_sha256,
        "results_sha256": draw.results_sha256 if revealed else None,
        "entries": draw.entries_count,
        "seats": draw.seats,
        "selected": draw.selected_count if revealed else None,
        "published_at": draw.published_at.isoformat() if draw.published_at and revealed else None,
        "files": {
            name: settings.CITA_BASE_URL + reverse("transparency:draw_file", args=[draw.draw_id, name])
            for name in FILES
            if name in present
        },
    }


def draws_public(*, limit: int | None = None) -> list[dict[str, Any]]:
    """Every draw, newest first, as published."""
    from cita.draws.models import DrawFile

    rows = list(draw_list_public()[:limit] if limit else draw_list_public())
    names: dict[int, list[str]] = {}
    for draw_pk, name in DrawFile.objects.filter(draw__in=rows).values_list("draw_id", "name"):
        names.setdefault(draw_pk, []).append(name)
    return [draw_public(draw, files=names.get(draw.pk, [])) for draw in rows]
