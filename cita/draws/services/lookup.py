"""Checking one's own draw result (issue 15, item 9): anyone gives a day's draw and a ticket and learns
what the published files say of it, and nothing else: not in the draw, entered, selected (in which round
and which part of the draw) or not selected. Limited per network address like the pass check; every
lookup is audited with its answer and never the ticket (it ties a group to its result)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cita.audit.services import audit_record, audit_source_limit
from cita.core import crockford
from cita.core.actors import Actor, Role
from cita.draws.models import Draw, DrawStatus, Offer, Request
from cita.draws.selectors import second_chance_pending


@dataclass(frozen=True)
class TicketLookup:
    """What the public files say of a ticket in a day's draws."""

    status: str  # not_yet | not_found | entered | selected | not_selected
    round: int | None = None
    phase: str = ""  # reserve | lottery, when selected
    more_rounds: bool = False  # not selected yet, and a second chance of the day is still to draw


def ticket_normal(ticket: str) -> str:
    """The ticket as written in entries.csv: capitals, without spaces or dashes."""
    return crockford.typed(ticket)


def _answer(*, first: Draw, ticket: str) -> TicketLookup:
    if first.status == DrawStatus.OPEN:
        return TicketLookup("not_yet")
    # Tickets issued before Crockford's alphabet may hold any of A-Z0-9: the ticket as typed goes first.
    candidates = list(dict.fromkeys([ticket, ticket.translate(crockford.LOOK_ALIKES)]))
    found = {
        r.ticket: r
        for r in Request.objects.filter(draw=first, ticket__in=candidates, withdrawn_at__isnull=True)
    }
    request = next((found[c] for c in candidates if c in found), None)
    if request is None:
        return TicketLookup("not_found")
    if first.status != DrawStatus.PUBLISHED and first.status != DrawStatus.SKIPPED:
        return TicketLookup("entered")
    offer = (
        Offer.objects.filter(request=request, draw__status=DrawStatus.PUBLISHED)
        .select_related("draw")
        .only("phase", "draw__round")
        .first()
    )
    if offer is not None:
        return TicketLookup("selected", round=offer.draw.round, phase=offer.phase)
    return TicketLookup("not_selected", more_rounds=second_chance_pending(draw=first) is not None)


@transaction.atomic
def ticket_public_lookup(*, draw: Draw, ticket: str, ip: str) -> TicketLookup:
    """Look a ticket up in the day of `draw` (see the module); `TooManyChecks` past the limit for the
    address."""
    source = audit_source_limit(
        action="draw.ticket_lookup",
        ip=ip,
        purpose="ticket_lookup_ip",
        limit=int(settings.CITA_TICKET_LOOKUP_LIMIT),
        message=_("You looked up many tickets in a short time. Wait 15 minutes and try again."),
        field="ticket",
    )
    first = draw.first or draw
    result = _answer(first=first, ticket=ticket_normal(ticket))
    audit_record(
        actor=Actor(role=Role.PUBLIC),
        action="draw.ticket_lookup",
        object_type="draw",
        object_id=first.draw_id,
        data={"source": source, "result": result.status},
    )
    return result
