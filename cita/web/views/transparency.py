"""Public transparency pages: every draw with its commitment, status and bundle files, and how to check it.

Bundle files are served byte for byte as stored, so their SHA-256 is the one published in the manifest.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import quote_etag
from django.views.decorators.http import require_GET

from cita.audit.selectors import audit_daily_heads
from cita.core import clock
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.days import reference_today
from cita.core.replica import replica_reads
from cita.draws.models import DrawStatus
from cita.draws.selectors import draw_file_get
from cita.transparency.selectors import (
    FILES,
    backlog_latest,
    draws_public,
    figures_by_day,
    figures_by_port,
    figures_rows,
    outcome_month,
    outcomes_public,
    selection_by_group_size,
)

STATS_DAYS = 14
SIZE_DAYS = 30

CONTENT_TYPES = {
    "manifest.json": "application/json",
    "entries.csv": "text/csv; charset=utf-8",
    "results.csv": "text/csv; charset=utf-8",
}


@allow(Role.PUBLIC)
@require_GET
@replica_reads
def home(request: HttpRequest) -> HttpResponse:
    """The list of draws and how anyone can check them, counts of the last two weeks (no person in them),
    the backlog, and the daily heads of the audit chain."""
    today = reference_today()
    start = today - dt.timedelta(days=STATS_DAYS - 1)
    rows = figures_rows(start=start, end=today)
    size_start = today - dt.timedelta(days=SIZE_DAYS - 1)
    # Outcomes of people: one fixed calendar month, never a rolling window (issue 14, item 10).
    outcome_start, outcome_end = outcome_month(today=today)
    utc_today = clock.now().astimezone(dt.UTC).date()
    context = {
        "draws": draws_public(limit=60),
        "start": start,
        "end": today,
        "days": figures_by_day(rows=rows, start=start, end=today),
        "ports": figures_by_port(rows=rows),
        "has_figures": bool(rows),
        "outcomes": outcomes_public(rows=figures_rows(start=outcome_start, end=outcome_end)),
        "outcome_start": outcome_start,
        "outcome_end": outcome_end,
        "backlog": backlog_latest(),
        "sizes": selection_by_group_size(start=size_start, end=today),
        "heads": list(reversed(audit_daily_heads(start=utc_today - dt.timedelta(days=13), end=utc_today))),
    }
    response = render(request, "transparency/home.html", context)
    response["Cache-Control"] = "public, max-age=60"
    return response


@allow(Role.PUBLIC)
@require_GET
@replica_reads
def audit(request: HttpRequest) -> HttpResponse:
    """The daily heads of the audit chain (the last 31 UTC days); the signed ones are in heads.json."""
    utc_today = clock.now().astimezone(dt.UTC).date()
    heads = audit_daily_heads(start=utc_today - dt.timedelta(days=30), end=utc_today)
    response = render(request, "transparency/audit.html", {"heads": list(reversed(heads))})
    response["Cache-Control"] = "public, max-age=60"
    return response


@allow(Role.PUBLIC)
@require_GET
@replica_reads
def draws_json(request: HttpRequest) -> JsonResponse:
    """Every draw: id, appointment date, status, commitment, seed once revealed, file URLs."""
    response = JsonResponse(
        {"format": "cita-draws-v1", "generated_at": clock.now().isoformat(), "draws": draws_public()},
        json_dumps_params={"indent": 1},
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


@allow(Role.PUBLIC)
@require_GET
@replica_reads
def draw_file(request: HttpRequest, draw_id: str, name: str) -> HttpResponse:
    """One file of a draw bundle, exactly the bytes whose hash was published."""
    if name not in FILES:
        raise Http404
    row = draw_file_get(draw_id=draw_id, name=name)
    etag = quote_etag(row.sha256)
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304, headers={"ETag": etag})
    response = HttpResponse(bytes(row.content), content_type=CONTENT_TYPES[name])
    response["ETag"] = etag
    response["Content-Disposition"] = f'inline; filename="{name}"'
    # Files of a published draw never change; a frozen draw's manifest changes once, at the reveal.
    final = row.draw.status in (DrawStatus.PUBLISHED, DrawStatus.SKIPPED)
    response["Cache-Control"] = "public, max-age=31536000, immutable" if final else "public, max-age=30"
    return response
