"""Reading draws, policies, requests and offers; what an applicant sees is scoped to their own group."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Exists, Expression, ExpressionWrapper, Q, QuerySet, Subquery

from cita.appointments.models import ACTIVE as ACTIVE_APPOINTMENT
from cita.appointments.models import Appointment
from cita.core import clock
from cita.core.actors import Actor
from cita.core.days import reference_today
from cita.core.errors import NotFound
from cita.core.rows import sql_fill, sql_of, sql_once
from cita.draws.models import (
    UNCOUNTED_KINDS,
    Draw,
    DrawFile,
    DrawStatus,
    Offer,
    OfferState,
    PriorityFlag,
    Request,
    RequestPeople,
    RequestState,
)
from cita.policy.selectors import PolicyValues, policy_current
from cita.ports.models import Port
from cita.registrations.models import Applicant, Member, Relationship
from cita.registrations.selectors import applicant_get_for_actor

# Requests that still hold their people (a request not selected, or withdrawn, holds nobody).
ACTIVE_REQUEST = Q(status__state__in=[RequestState.SUBMITTED, RequestState.ENTERED]) | Q(
    status__state=RequestState.SELECTED, offer__state=OfferState.OPEN
)


def draw_open_queryset(*, now: dt.datetime) -> QuerySet[Draw]:
    """The round-1 draws whose request window is open at `now`, the earliest first."""
    return Draw.objects.filter(
        round=1, status=DrawStatus.OPEN, opens_at__lte=now, closes_at__gt=now
    ).order_by("opens_at")


def draw_open_now(*, now: dt.datetime | None = None) -> Draw | None:
    """The round-1 draw whose request window is open now, if any."""
    return draw_open_queryset(now=now or clock.now()).first()


def window_next(
    *, now: dt.datetime | None = None, values: PolicyValues | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """When the next request window opens and closes (UTC), by the policy in force now (`values`, when the
    caller has read it): the first window from today on that has not closed yet (it may have just opened,
    before the job opened its draw)."""
    now = now or clock.now()
    values = values or policy_current(at=now)
    today = reference_today(now=now)
    for days in range(3):
        opens, closes = values.window(today + dt.timedelta(days=days))
        if closes > now:
            return opens, closes
    return values.window(today + dt.timedelta(days=3))  # pragma: no cover - a window opens every day


def draw_rounds(*, draw: Draw) -> list[Draw]:
    """A day's round-1 draw and its second chances, in order (draws are public)."""
    first = draw.first or draw
    return list(Draw.objects.filter(Q(pk=first.pk) | Q(first=first)).order_by("round"))


def second_chance_queryset(*, first_id: int | Expression) -> QuerySet[Draw]:
    """The second chances of the day whose round-1 draw is `first_id` that have not drawn yet, in order."""
    return Draw.objects.filter(
        Q(first_id=first_id), status__in=[DrawStatus.OPEN, DrawStatus.FROZEN, DrawStatus.BEACON_WAIT]
    ).order_by("round")


def second_chance_pending(*, draw: Draw) -> Draw | None:
    """The next second chance of `draw`'s day that has not drawn yet (committed, not published), if any."""
    return second_chance_queryset(first_id=draw.first_id or draw.pk).first()


def draw_get(*, draw_id: str) -> Draw:
    """A draw by its public id (draws are public)."""
    draw = Draw.objects.filter(draw_id=draw_id).first()
    if draw is None:
        raise NotFound("no such draw")
    return draw


def draw_list_public() -> QuerySet[Draw]:
    """Every draw, newest first, as the transparency pages list them."""
    return Draw.objects.order_by("-opens_at", "-round")


def draw_file_get(*, draw_id: str, name: str) -> DrawFile:
    """One published file of a draw (published files are public)."""
    row = DrawFile.objects.filter(draw__draw_id=draw_id, name=name).select_related("draw").first()
    if row is None:
        raise NotFound("no such file")
    return row


def draw_file_names(*, draw: Draw) -> list[str]:
    """The names of the files a draw has published so far."""
    return list(DrawFile.objects.filter(draw=draw).values_list("name", flat=True))


def request_current_for_actor(*, actor: Actor, draw: Draw) -> Request | None:
    """The actor's group's live request in `draw`, if any."""
    applicant = applicant_get_for_actor(actor=actor)
    return (
        Request.objects.filter(draw=draw, applicant=applicant, withdrawn_at__isnull=True)
        .select_related("status")
        .first()
    )


def request_get_for_actor(*, actor: Actor, request_id: int) -> Request:
    """One request of the actor's own group."""
    applicant = applicant_get_for_actor(actor=actor)
    row = (
        Request.objects.filter(pk=request_id, applicant=applicant)
        .select_related("draw", "status", "offer", "offer__port", "offer__draw", "offer__appointment")
        .first()
    )
    if row is None:
        raise NotFound("no such request")
    return row


def request_list_for_actor(*, actor: Actor, limit: int = 10) -> list[Request]:
    """The actor's group's latest requests, newest first."""
    applicant = applicant_get_for_actor(actor=actor)
    rows = Request.objects.filter(applicant=applicant).select_related("draw", "status")
    return list(rows.order_by("-created_at")[:limit])


def request_history_for_actor(*, actor: Actor, limit: int = 60) -> list[Request]:
    """The actor's group's requests, newest first, each with its draw, state, and offer (with its port,
    draw and appointment) when it has one."""
    applicant = applicant_get_for_actor(actor=actor)
    rows = Request.objects.filter(applicant=applicant).select_related(
        "draw", "status", "offer", "offer__port", "offer__draw", "offer__appointment"
    )
    return list(rows.order_by("-created_at", "-id")[:limit])


def request_member_list(*, request: Request) -> list[Member]:
    """The people a request was made for who are still in the group, principal first."""
    ids = RequestPeople.objects.filter(request_id=request.pk).values_list("members", flat=True).first() or []
    members = Member.objects.filter(applicant_id=request.applicant_id, pk__in=ids)
    return sorted(members, key=lambda m: (m.relationship != Relationship.SELF, m.pk))


def offer_get_for_actor(*, actor: Actor, offer_id: int) -> Offer:
    """One offer made to the actor's own group."""
    applicant = applicant_get_for_actor(actor=actor)
    row = (
        Offer.objects.filter(pk=offer_id, applicant=applicant)
        .select_related("port", "draw", "request")
        .first()
    )
    if row is None:
        raise NotFound("no such offer")
    return row


def offer_list_for_actor(*, actor: Actor, limit: int = 10) -> list[Offer]:
    """The offers made to the actor's group, newest first."""
    applicant = applicant_get_for_actor(actor=actor)
    return list(
        Offer.objects.filter(applicant=applicant)
        .select_related("port", "draw")
        .order_by("-created_at")[:limit]
    )


def applicant_has_active_request(*, applicant: Applicant, exclude_draw: Draw | None = None) -> bool:
    """True when the group has a request that still holds its people."""
    rows = Request.objects.filter(ACTIVE_REQUEST, applicant=applicant)
    if exclude_draw is not None:
        rows = rows.exclude(draw=exclude_draw)
    return rows.exists()


# Priority flags still in force: not ended, and urgent or with displaced draws left.
ACTIVE_PRIORITY = Q(ended_at__isnull=True) & (Q(kind__in=UNCOUNTED_KINDS) | Q(draws_remaining__gt=0))


def priority_tier(*, applicant: Applicant) -> int:
    """The tier the group would have if a draw froze now: 0 with an active priority flag, else 1."""
    active = PriorityFlag.objects.filter(ACTIVE_PRIORITY, applicant=applicant)
    return 0 if active.exists() else 1


def _busy_querysets(*, applicant_id: int, documents: list[str], draw: Draw) -> list[QuerySet[Any]]:
    """What makes a group busy: another active request or appointment of its own, or one of another group
    holding one of its people (by document)."""
    rows: list[QuerySet[Any]] = [
        Request.objects.filter(ACTIVE_REQUEST, applicant_id=applicant_id).exclude(draw=draw),
        Appointment.objects.filter(applicant_id=applicant_id, state__in=ACTIVE_APPOINTMENT),
    ]
    if documents:
        rows += [
            Request.objects.filter(ACTIVE_REQUEST, people__document_indexes__overlap=documents).exclude(
                applicant_id=applicant_id
            ),
            Appointment.objects.filter(
                state__in=ACTIVE_APPOINTMENT, document_indexes__overlap=documents
            ).exclude(applicant_id=applicant_id),
        ]
    return rows


def people_busy(*, applicant: Applicant, documents: list[str], draw: Draw) -> bool:
    """True when the group, or any of its people (by document), holds another active request or
    appointment. People without documents are matched within their group only (the group check).

    One person, one booking: the rule spans requests and appointments, so this selector reads the
    appointments table (a listed exception to the layer order, tests/core/test_layers.py)."""
    rows = _busy_querysets(applicant_id=applicant.pk, documents=documents, draw=draw)
    return any(row.exists() for row in rows)


# Stand-ins for compiling a submission's rules once per shape (`sql_once`): no row has these values.
_GROUP, _DRAW = -7_000_000_001, -7_000_000_002


def _port_stand_in(rank: int) -> str:
    return f"~port{rank}~"


def _document_stand_in(number: int) -> str:
    return f"~document{number}~"


def _rules_build(*, ports: int, documents: int) -> QuerySet[Any]:
    """The rules' statement (see `request_rules_sql`) with stand-ins, as a queryset of no rows' own: each
    rule is a compiled subquery annotated onto one row."""
    draw = Draw(pk=_DRAW)
    live = Request.objects.filter(draw=draw, applicant_id=_GROUP, withdrawn_at__isnull=True)
    issued = (
        Request.objects.filter(draw=draw, applicant_id=_GROUP)
        .order_by("created_at", "pk")
        .values("ticket")[:1]
    )
    codes = [_port_stand_in(rank) for rank in range(ports)]
    active = Port.objects.filter(active=True, code__in=codes).values("code")
    stand_ins = [_document_stand_in(number) for number in range(documents)]
    busy = _busy_querysets(applicant_id=_GROUP, documents=stand_ins, draw=draw)
    checks = Q()
    for rows in busy:
        checks |= Q(Exists(rows))
    return (
        Draw.objects.filter(pk=_DRAW)
        .annotate(
            live=Exists(live),
            issued=Subquery(issued),
            active=ArraySubquery(active),
            busy=ExpressionWrapper(checks, output_field=BooleanField()),
        )
        .values("live", "issued", "active", "busy")
    )


def request_rules_sql(
    *, applicant_id: int, draw: Draw, ports: list[str], documents: list[str]
) -> tuple[str, tuple[Any, ...]]:
    """One row, as SQL to put into a submission's statement (and its parameters): `live` (the group has a
    live request in `draw`), `issued` (the ticket it was first issued there, or NULL), `active` (which of
    `ports` are active) and `busy` (`people_busy` for its `documents`). Compiled once per shape."""
    sql, params = sql_once(
        # The text has a placeholder per port and per document (`IN (…)`, `&& ARRAY[…]`).
        ("draws.request_rules", len(ports), len(documents)),
        lambda: sql_of(_rules_build(ports=len(ports), documents=len(documents))),
        stand_ins=[
            _GROUP,
            _DRAW,
            *map(_port_stand_in, range(len(ports))),
            *map(_document_stand_in, range(len(documents))),
        ],
    )
    values: dict[Any, Any] = {_GROUP: applicant_id, _DRAW: draw.pk}
    values.update({_port_stand_in(rank): code for rank, code in enumerate(ports)})
    values.update({_document_stand_in(number): index for number, index in enumerate(documents)})
    return sql, sql_fill(params, values)


def draw_last_step_seconds() -> dict[str, float]:
    """How long the steps of the last published draw took: `freeze` (window close to frozen entries) and
    `publish` (frozen to published: reveal, compute, publish). Empty before the first published draw."""
    draw = Draw.objects.filter(published_at__isnull=False).order_by("-published_at").first()
    if draw is None or draw.frozen_at is None or draw.published_at is None:
        return {}
    return {
        "freeze": max(0.0, (draw.frozen_at - draw.closes_at).total_seconds()),
        "publish": max(0.0, (draw.published_at - draw.frozen_at).total_seconds()),
    }
