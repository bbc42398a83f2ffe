"""The audit log in the browser (auditors and admins), and the daily chain heads as JSON (public)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from cita.audit.heads import PREFIX, head_keys, head_message, head_sign, public_keys
from cita.audit.selectors import (
    MAX_HEAD_DAYS,
    audit_daily_heads,
    audit_event_checks,
    audit_event_get,
    audit_event_page,
    audit_last_verification,
)
from cita.audit.services import audit_chain_verify_record
from cita.core import clock
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.http import actor_of
from cita.staff.forms.audit import EventFilterForm

READERS = (Role.AUDITOR, Role.ADMIN)
DEFAULT_HEAD_DAYS = 31


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@allow(*READERS)
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """Events, newest first, filtered and paged, with the status of the last chain verification."""
    form = EventFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else EventFilterForm().filters()
    page = audit_event_page(
        filters=filters, before=_int(request.GET.get("before")), after=_int(request.GET.get("after"))
    )
    kept: dict[str, str | int] = {
        k: v for k, v in request.GET.items() if k not in {"before", "after"} and isinstance(v, str) and v
    }
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "older_query": urlencode({**kept, "before": page.older}) if page.older else "",
            "newer_query": urlencode({**kept, "after": page.newer}) if page.newer else "",
            "verification": audit_last_verification(),
        },
    )


@allow(*READERS)
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole chain now; the outcome is recorded in the log and shown at its top."""
    audit_chain_verify_record(actor=actor_of(request))
    return HttpResponseRedirect(reverse("audit:log"))


@allow(*READERS)
@require_GET
def event(request: HttpRequest, event_id: int) -> HttpResponse:
    """One event in full: its data, its hash and the hash it links to."""
    row = audit_event_get(event_id=event_id)
    return render(request, "audit/event.html", {"event": row, "matches": audit_event_checks(event=row)})


@allow(Role.PUBLIC)
@require_GET
def heads(request: HttpRequest) -> JsonResponse:
    """The chain head (hash of the last row) of each UTC day: hashes only, never row content.

    `?from=YYYY-MM-DD&to=YYYY-MM-DD`, at most 366 days; by default the last 31 days.
    """
    today = clock.now().astimezone(dt.UTC).date()
    try:
        end = dt.date.fromisoformat(request.GET.get("to") or today.isoformat())
        start = dt.date.fromisoformat(
            request.GET.get("from") or (end - dt.timedelta(days=DEFAULT_HEAD_DAYS - 1)).isoformat()
        )
        rows = audit_daily_heads(start=start, end=end)
    except ValueError:
        return JsonResponse(
            {
                "type": "invalid_range",
                "title": f"Give from and to as YYYY-MM-DD, from not after to, at most {MAX_HEAD_DAYS} days.",
                "status": 400,
            },
            status=400,
            content_type="application/problem+json",
        )
    ring = head_keys()
    heads = []
    for h in rows:
        at = h.at.astimezone(dt.UTC).isoformat() if h.at else ""
        head: dict[str, object] = {"day": h.day.isoformat(), "last_id": h.last_id, "hash": h.hash, "at": at}
        if ring is not None:
            message = head_message(day=h.day, last_id=h.last_id, hash_=h.hash, at=at)
            head["key_id"], head["signature"] = head_sign(message, ring=ring)
        heads.append(head)
    response = JsonResponse(
        {
            "algorithm": "sha256",
            "signature_algorithm": "ed25519",
            "signed": f"{PREFIX}\\n<day>\\n<last_id>\\n<hash>\\n<at>\\n",
            "keys": public_keys(ring) if ring is not None else {},
            "from": start.isoformat(),
            "to": end.isoformat(),
            "heads": heads,
        }
    )
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
