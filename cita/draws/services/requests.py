"""Requests (submit, withdraw) and priority flags (urgent, displaced)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from cita.audit.services import audit_record
from cita.core import clock, crockford
from cita.core.actors import Actor, Role
from cita.core.crypto import blind_indexes
from cita.core.days import reference_today
from cita.core.errors import PermissionDenied
from cita.core.rows import json_of, row_of, sql_fill, sql_of, sql_once
from cita.draws.errors import (
    AlreadyRequested,
    GroupNotRegistered,
    GroupTooLarge,
    InvalidPorts,
    InvalidPriority,
    MemberBusy,
    RequestNotWithdrawable,
    WindowClosed,
)
from cita.draws.models import (
    Draw,
    DrawStatus,
    PriorityFlag,
    PriorityKind,
    Request,
    RequestPeople,
    RequestState,
    RequestStatus,
)
from cita.draws.selectors import draw_open_queryset, request_rules_sql
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue_many
from cita.registrations.identity import person_of
from cita.registrations.models import Applicant, Member, Relationship

# Crockford's base-32 alphabet: digits and capitals without I, L, O and U, so that a ticket read aloud or
# copied by hand has no O to take for 0 and no I or L to take for 1 (issue 15, item 9). draw-v1 allows any
# of A-Z0-9, so tickets issued before stay valid as they are.
TICKET_ALPHABET = crockford.ALPHABET
TICKET_LENGTH = 10
MAX_REASON = 500
FLAGGERS = (Role.OFFICER, Role.NGO, Role.PLANNER, Role.ADMIN)


def ticket_new() -> str:
    """A fresh public ticket: 10 characters of Crockford's base-32 alphabet from `secrets` (50 bits)."""
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def _window_closed() -> WindowClosed:
    return WindowClosed(
        _("Requests are closed now. You can ask when the next request window opens."), field="ports"
    )


def _lock_draw_shared(draw: Draw, now: dt.datetime) -> None:
    """Hold the draw row FOR SHARE: many requests at once, but never while it freezes (FOR UPDATE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, closes_at, opens_at FROM draws_draw WHERE id = %s FOR SHARE", [draw.pk]
        )
        row = cursor.fetchone()
    if row is None or row[0] != DrawStatus.OPEN or not row[2] <= now < row[1]:
        raise _window_closed()


def _acting_for(actor: Actor, applicant: Applicant) -> None:
    """Only the group itself (or an NGO worker helping it, or the system) acts on its requests."""
    if actor.role is Role.SYSTEM or actor.role is Role.ADMIN:
        return
    if actor.applicant_id != applicant.pk or actor.role not in (Role.APPLICANT, Role.NGO):
        raise PermissionDenied(_("You cannot act for this group."))


@transaction.atomic
def request_submit(
    *, applicant: Applicant, ports: Sequence[str], actor: Actor, draw: Draw | None = None
) -> Request:
    """Enter the travel group in the open draw with its ranked ports; gives the group its ticket.

    The crowd's write (issue 19), in three statements. 1. The locks, in the order every other writer takes
    them: the open draw FOR SHARE (never while it freezes), the group's `DrawApplicant` row (made on its
    first request; two requests of one group queue here), each person's document (two groups asking for
    the same person queue here); and the group's people. 2. In a new snapshot, after those locks: the rules
    (ports, one live request per draw, the group's ticket, one person in one booking) and, when they pass,
    the request, its people and its audit event. 3. The "request received" notice and its deliveries."""
    _acting_for(actor, applicant)
    now = clock.now()
    if draw is not None and draw.round != 1:
        raise _window_closed()
    held, members, waiting_since = _hold(
        applicant=applicant, now=now, pk=draw.pk if draw is not None else None
    )
    if held is None:
        raise _window_closed()
    draw = held
    if not members:
        raise GroupNotRegistered(_("Register your group before you ask for an appointment."), field="ports")
    if len(members) > draw.group_size_limit:
        raise GroupTooLarge(
            _("A travel group can have at most %(limit)d people. Remove people from the group first.")
            % {"limit": draw.group_size_limit},
            field="ports",
        )
    ranked = _ports_ranked(ports)
    people = sorted(members, key=lambda m: (m.relationship != Relationship.SELF, m.pk))
    numbers = [m.document_number for m in members if m.document_number]
    request = _request_create(
        draw=draw,
        applicant=applicant,
        ports=ranked,
        members=[m.pk for m in members],
        documents=sorted({m.document_index for m in members if m.document_index}),
        # Matched under every key of the index ring: requests made before a rotation keep the older
        # key's hashes.
        lookups=sorted({h for number in numbers for h in blind_indexes(number, purpose="document")}),
        identities=json.dumps([person_of(m).__dict__ for m in people], ensure_ascii=False),
        waiting_since=waiting_since or reference_today(now=now),
        now=now,
        actor=actor,
    )
    notice_enqueue_many(
        kind=NoticeKind.REQUEST_RECEIVED,
        applicant_ids=[applicant.pk],
        dedup_keys=[f"draw:{draw.draw_id}:request:{request.pk}:request_received"],
        context={
            "ticket": request.ticket,
            "draw_id": draw.draw_id,
            "appointment_date": draw.appointment_date.isoformat(),
        },
    )
    return request


# Statement 1 of a submission. Each lock waits for the one before it through what it reads: the group's row
# is made or locked only once the draw is held (`held` reads `open_draw`), the people's documents only once
# the group's row is (`EXISTS (SELECT FROM held)`), in the order of the documents' keyed hashes (the
# ordered subquery; the C collation is Python's order). `ON CONFLICT … DO UPDATE` locks an existing row.
_HOLD = """
WITH open_draw AS ({draw} FOR SHARE),
held AS (
    INSERT INTO draws_drawapplicant (applicant_id, waiting_since, first_request_at)
    SELECT %s, %s, %s WHERE EXISTS (SELECT FROM open_draw)
    ON CONFLICT (applicant_id) DO UPDATE SET waiting_since = draws_drawapplicant.waiting_since
    RETURNING waiting_since
), locked AS (
    SELECT count(pg_advisory_xact_lock(hashtext('draws.person'), hashtext(d.document_index))) AS n
    FROM (
        SELECT document_index FROM registrations_member
        WHERE applicant_id = %s AND document_index IS NOT NULL AND EXISTS (SELECT FROM held)
        ORDER BY document_index COLLATE "C"
    ) d
)
SELECT (SELECT to_jsonb(o) FROM open_draw o), (SELECT waiting_since FROM held), (SELECT n FROM locked),
    (SELECT jsonb_agg(to_jsonb(m) ORDER BY m.id) FROM registrations_member m WHERE m.applicant_id = %s)
"""


# Stand-ins for compiling the open draw's query once (`sql_once`).
_NOW, _DRAW = dt.datetime(1901, 1, 1, tzinfo=dt.UTC), -7_000_000_003


def _open_draw(*, by_pk: bool) -> QuerySet[Draw]:
    rows = draw_open_queryset(now=_NOW)
    return (rows.filter(pk=_DRAW) if by_pk else rows)[:1]


def _hold(
    *, applicant: Applicant, now: dt.datetime, pk: int | None
) -> tuple[Draw | None, list[Member], dt.date | None]:
    """Hold the round-1 draw open now (`pk`: the one the caller read) FOR SHARE, the group's row and its
    people's documents; returns the draw (None when no window is open), the group's members by id (as
    they are in this statement), and the day the group has waited since."""
    draw_sql, draw_params = sql_once(
        ("draws.open_draw", pk is None),
        lambda: sql_of(_open_draw(by_pk=pk is not None)),
        stand_ins=[_NOW] if pk is None else [_NOW, _DRAW],
    )
    draw_params = sql_fill(draw_params, {_NOW: now, _DRAW: pk})
    # Only the selector's compiled queryset is put into the text; every value is a parameter.
    statement = _HOLD.format(draw=draw_sql[1:-1])
    with connection.cursor() as cursor:
        cursor.execute(
            statement, (*draw_params, applicant.pk, reference_today(now=now), now, applicant.pk, applicant.pk)
        )
        draw_json, since, _locked, members_json = cursor.fetchone()
    draw = row_of(Draw, draw_json)
    if draw is None:
        return None, [], None
    members = [m for m in (row_of(Member, row) for row in json_of(members_json) or []) if m is not None]
    for member in members:
        Member.applicant.field.set_cached_value(member, applicant)
    return draw, members, since


def _ports_ranked(codes: Sequence[str]) -> list[str]:
    """The ports as ranked, checked for form (that they are active is checked with the other rules)."""
    ranked = [code.strip().upper() for code in codes if code and code.strip()]
    if not ranked:
        raise InvalidPorts(_("Choose at least one port."), field="ports")
    if len(set(ranked)) != len(ranked):
        raise InvalidPorts(_("Choose each port only once."), field="ports")
    return ranked


# Statement 2: the rules, read after statement 1's locks, and the request only when they pass (and its
# ticket is free: else nothing, and another ticket is tried); with the people it was made for and its audit
# event (appended as `audit_record` appends it; the sequencer chains it, decision 0012).
_REQUEST_INSERT = """
WITH rules AS ({rules}),
made AS (
    INSERT INTO draws_request (draw_id, applicant_id, ticket, ports, group_size, waiting_since, created_at,
        created_by, withdrawn_at)
    SELECT %(draw)s, %(applicant)s, coalesce(r.issued, %(ticket)s), %(ports)s::varchar(3)[], %(size)s,
        %(since)s, %(now)s, %(by)s, NULL
    FROM rules r
    WHERE NOT r.live AND NOT r.busy AND cardinality(r.active) = %(port_count)s
      -- A fresh ticket must not be one a withdrawn request of another group holds (the unique constraint
      -- covers the live ones); a ticket issued before is the group's own.
      AND (r.issued IS NOT NULL OR NOT EXISTS (SELECT FROM draws_request WHERE ticket = %(ticket)s))
    ON CONFLICT DO NOTHING
    RETURNING id, ticket
), people AS (
    INSERT INTO draws_requestpeople (request_id, members, document_indexes, identities)
    SELECT id, %(members)s::bigint[], %(documents)s::varchar(64)[], %(identities)s FROM made
), audited AS (
    INSERT INTO audit_auditevent (at, actor, action, object_type, object_id, data)
    SELECT %(now)s, %(by)s, 'request.submitted', 'request', id::text, %(data)s::jsonb FROM made
)
SELECT r.live, r.busy, r.active, r.issued, m.id, m.ticket FROM rules r LEFT JOIN made m ON true
"""


def _request_create(
    *,
    draw: Draw,
    applicant: Applicant,
    ports: list[str],
    members: list[int],
    documents: list[str],
    lookups: list[str],
    identities: str,
    waiting_since: dt.date,
    now: dt.datetime,
    actor: Actor,
) -> Request:
    """Check the rules and insert the request with the group's ticket for this draw: the one it was issued
    before (a withdrawn request's), or a fresh one, trying another in the (rare) case of a clash; with its
    people and its audit event.

    A (group, draw) keeps its first ticket for good (issue 14, item 7): whoever knows the seed while the
    window is open could otherwise withdraw and ask again until a ticket draws well. The caller holds the
    group's `DrawApplicant` row locked, so two requests of one group cannot be issued two tickets."""
    rules, rule_params = request_rules_sql(
        applicant_id=applicant.pk, draw=draw, ports=ports, documents=lookups
    )
    # The rules' positional parameters become named ones, so that both kinds live in one statement.
    names = {f"r{i}": value for i, value in enumerate(rule_params)}
    rules = rules.replace("%%", "%%%%") % tuple(f"%({name})s" for name in names)
    statement = _REQUEST_INSERT.format(rules=rules)
    params: dict[str, Any] = {
        **names,
        "draw": draw.pk,
        "applicant": applicant.pk,
        "ports": ports,
        "port_count": len(ports),
        "size": len(members),
        "since": waiting_since,
        "now": now,
        "by": actor.label,
        "members": members,
        "documents": documents,
        "identities": _IDENTITIES.get_prep_value(identities),
        "data": Jsonb(
            {"draw": draw.draw_id, "applicant": applicant.pk, "group_size": len(members), "ports": ports}
        ),
    }
    with connection.cursor() as cursor:
        for _attempt in range(8):
            params["ticket"] = ticket_new()
            cursor.execute(statement, params)
            live, busy, active, issued, pk, ticket = cursor.fetchone()
            if not set(ports) <= set(active):
                raise InvalidPorts(_("Choose ports from the list."), field="ports")
            if live:
                raise AlreadyRequested(_("Your group already asked in this draw."), field="ports")
            if busy:
                raise MemberBusy(
                    _(
                        "Someone in your group already has a request or an appointment. "
                        "One person can be in only one request or appointment at a time."
                    ),
                    field="ports",
                )
            if pk is not None:
                break
            if issued is not None:  # pragma: no cover - the group's own ticket, its row locked
                raise AlreadyRequested(_("Your group already asked in this draw."), field="ports")
        else:  # pragma: no cover - 32^10 tickets
            raise RuntimeError("no free ticket after 8 tries")
    request = Request(
        pk=pk,
        draw=draw,
        applicant=applicant,
        ticket=ticket,
        ports=ports,
        group_size=len(members),
        waiting_since=waiting_since,
        created_at=now,
        created_by=actor.label,
        withdrawn_at=None,
    )
    request._state.adding = False
    # Its state is `submitted` (its draw is open and held), as the view would say.
    Request.status.related.set_cached_value(
        request, RequestStatus(request=request, draw=draw, state=RequestState.SUBMITTED, decided_at=None)
    )
    return request


_IDENTITIES = RequestPeople._meta.get_field("identities")


@transaction.atomic
def request_withdraw(*, request: Request, actor: Actor) -> Request:
    """Take the group's request out of the draw while its window is still open."""
    _acting_for(actor, request.applicant)
    now = clock.now()
    _lock_draw_shared(request.draw, now)
    # Submitted → withdrawn: the draw is still open (its row is held shared above), and only once.
    updated = Request.objects.filter(pk=request.pk, withdrawn_at__isnull=True).update(withdrawn_at=now)
    if updated != 1:
        raise RequestNotWithdrawable(_("This request can no longer be withdrawn."))
    request = Request.objects.select_related("status", "draw").get(pk=request.pk)
    audit_record(
        actor=actor,
        action="request.withdrawn",
        object_type="request",
        object_id=request.pk,
        data={"draw": request.draw.draw_id, "applicant": request.applicant_id},
    )
    return request


def _may_flag(actor: Actor, applicant: Applicant) -> None:
    if actor.role is Role.SYSTEM:
        return
    if actor.role not in FLAGGERS or actor.mfa_pending:
        raise PermissionDenied("Only officers, NGO workers, planners and admins flag urgent cases.")
    if actor.role is Role.NGO and (actor.shelter_id is None or applicant.shelter_id != actor.shelter_id):
        raise PermissionDenied("NGO workers flag residents of their own shelter only.")


@transaction.atomic
def priority_flag(
    *, applicant: Applicant, reason: str, actor: Actor, kind: PriorityKind = PriorityKind.URGENT
) -> PriorityFlag:
    """Put a group in tier 0 (served first in the lottery phase) for an urgent humanitarian reason."""
    if kind != PriorityKind.URGENT:
        raise InvalidPriority("Use priority_grant_displaced for groups displaced by a closure.")
    _may_flag(actor, applicant)
    reason = reason.strip()
    if not reason:
        raise InvalidPriority("Write why this group is urgent.", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidPriority(f"The reason can have at most {MAX_REASON} characters.", field="reason")
    existing = PriorityFlag.objects.filter(
        applicant=applicant, kind=PriorityKind.URGENT, ended_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    flag = PriorityFlag.objects.create(
        applicant=applicant,
        kind=PriorityKind.URGENT,
        reason=reason,
        created_at=clock.now(),
        created_by=actor.label,
    )
    # The reason may describe a person's situation: it stays sealed in the flag, out of the audit log.
    audit_record(
        actor=actor,
        action="priority.flagged",
        object_type="applicant",
        object_id=applicant.pk,
        data={"flag": flag.pk, "kind": flag.kind},
    )
    return flag


@transaction.atomic
def priority_grant_displaced(
    *,
    applicant: Applicant,
    actor: Actor,
    draws: int = 3,
    reason: str = "Displaced by a port closure",
    from_day: dt.date | None = None,
) -> PriorityFlag:
    """Serve a group displaced by a port closure first in its next `draws` draws (rebooking calls this);
    with `from_day`, in its next draws for appointment days from that day on (it waits for the port)."""
    own = actor.role in (Role.APPLICANT, Role.NGO) and actor.applicant_id == applicant.pk
    if actor.role not in (Role.SYSTEM, Role.PLANNER, Role.ADMIN) and not (from_day is not None and own):
        # A group (or its NGO worker) may only choose to wait for its first port (appointments' services).
        raise PermissionDenied("Only the rebooking job, planners and admins grant displaced priority.")
    if not 1 <= draws <= 30:
        raise InvalidPriority("A displaced group gets priority for 1 to 30 draws.", field="draws")
    flag = PriorityFlag.objects.create(
        applicant=applicant,
        kind=PriorityKind.DISPLACED,
        reason=reason.strip() or "Displaced by a port closure",
        draws_remaining=draws,
        from_day=from_day,
        created_at=clock.now(),
        created_by=actor.label,
    )
    audit_record(
        actor=actor,
        action="priority.displaced_granted",
        object_type="applicant",
        object_id=applicant.pk,
        data={"flag": flag.pk, "draws": draws, **({"from_day": from_day} if from_day else {})},
    )
    return flag


@transaction.atomic
def priority_revoke(*, flag: PriorityFlag, actor: Actor) -> PriorityFlag:
    """End a priority flag before it would end by itself."""
    _may_flag(actor, flag.applicant)
    updated = PriorityFlag.objects.filter(pk=flag.pk, ended_at__isnull=True).update(
        ended_at=clock.now(), ended_reason="revoked"
    )
    flag.refresh_from_db()
    if updated:
        audit_record(
            actor=actor,
            action="priority.revoked",
            object_type="applicant",
            object_id=flag.applicant_id,
            data={"flag": flag.pk, "kind": flag.kind},
        )
    return flag


def priority_end_served(*, applicant: Applicant, actor: Actor) -> int:
    """End the group's flags once it has an appointment (inside the caller's transaction)."""
    flags = list(
        PriorityFlag.objects.filter(applicant=applicant, ended_at__isnull=True).values_list("pk", flat=True)
    )
    if flags:
        PriorityFlag.objects.filter(pk__in=flags).update(ended_at=clock.now(), ended_reason="served")
        audit_record(
            actor=actor,
            action="priority.served",
            object_type="applicant",
            object_id=applicant.pk,
            data={"flags": flags},
        )
    return len(flags)


__all__ = [
    "priority_end_served",
    "priority_flag",
    "priority_grant_displaced",
    "priority_revoke",
    "request_submit",
    "request_withdraw",
    "ticket_new",
]
