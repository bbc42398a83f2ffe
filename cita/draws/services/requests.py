"""Requests (submit, withdraw) and priority flags (urgent, displaced)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from cita.audit.services import audit_record
from cita.core import clock, crockford
from cita.core.actors import Actor, Role
from cita.core.crypto import blind_indexes
from cita.core.days import reference_today
from cita.core.errors import PermissionDenied
from cita.core.locks import advisory_lock
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
    DrawApplicant,
    DrawStatus,
    PriorityFlag,
    PriorityKind,
    Request,
    RequestPeople,
)
from cita.draws.selectors import draw_open_now, people_busy
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue
from cita.ports.models import Port
from cita.registrations.identity import identity_snapshot
from cita.registrations.models import Applicant

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


def _ports_clean(codes: Sequence[str]) -> list[str]:
    ranked = [code.strip().upper() for code in codes if code and code.strip()]
    if not ranked:
        raise InvalidPorts(_("Choose at least one port."), field="ports")
    if len(set(ranked)) != len(ranked):
        raise InvalidPorts(_("Choose each port only once."), field="ports")
    active = set(Port.objects.filter(active=True).values_list("code", flat=True))
    if not set(ranked) <= active:
        raise InvalidPorts(_("Choose ports from the list."), field="ports")
    return ranked


@transaction.atomic
def request_submit(
    *, applicant: Applicant, ports: Sequence[str], actor: Actor, draw: Draw | None = None
) -> Request:
    """Enter the travel group in the open draw with its ranked ports; gives the group its ticket."""
    _acting_for(actor, applicant)
    now = clock.now()
    draw = draw or draw_open_now(now=now)
    if draw is None or draw.round != 1:
        raise _window_closed()
    _lock_draw_shared(draw, now)
    today = reference_today(now=now)
    record = DrawApplicant.objects.select_for_update().filter(applicant=applicant).first()
    if record is None:
        try:
            with transaction.atomic():
                record = DrawApplicant.objects.create(
                    applicant=applicant, waiting_since=today, first_request_at=now
                )
        except IntegrityError:
            # The group's first request racing with another: the other created the row; queue behind it.
            record = DrawApplicant.objects.select_for_update().get(applicant=applicant)
    members = list(applicant.members.order_by("id").values_list("id", "document_index"))
    if not members:
        raise GroupNotRegistered(_("Register your group before you ask for an appointment."), field="ports")
    if len(members) > draw.group_size_limit:
        raise GroupTooLarge(
            _("A travel group can have at most %(limit)d people. Remove people from the group first.")
            % {"limit": draw.group_size_limit},
            field="ports",
        )
    ranked = _ports_clean(ports)
    if Request.objects.filter(draw=draw, applicant=applicant, withdrawn_at__isnull=True).exists():
        raise AlreadyRequested(_("Your group already asked in this draw."), field="ports")
    documents = sorted({doc for _id, doc in members if doc})
    for document in documents:
        # One person can be in one group only, but a person moved between groups keeps their old group's
        # request; the lock makes two groups asking for the same person at once queue up.
        advisory_lock("draws.person", document)
    # Matched under every key of the index ring: requests made before a rotation keep the older key's hashes.
    numbers = [m.document_number for m in applicant.members.only("document_number") if m.document_number]
    lookups = sorted({h for number in numbers for h in blind_indexes(number, purpose="document")})
    if people_busy(applicant=applicant, documents=lookups, draw=draw):
        raise MemberBusy(
            _(
                "Someone in your group already has a request or an appointment. "
                "One person can be in only one request or appointment at a time."
            ),
            field="ports",
        )
    request = _request_create(
        draw=draw,
        applicant=applicant,
        ports=ranked,
        members=[member_id for member_id, _doc in members],
        documents=documents,
        identities=identity_snapshot(applicant=applicant),
        waiting_since=record.waiting_since,
        now=now,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="request.submitted",
        object_type="request",
        object_id=request.pk,
        data={
            "draw": draw.draw_id,
            "applicant": applicant.pk,
            "group_size": request.group_size,
            "ports": ranked,
        },
    )
    notice_enqueue(
        kind=NoticeKind.REQUEST_RECEIVED,
        dedup_key=f"draw:{draw.draw_id}:request:{request.pk}:request_received",
        applicant=applicant,
        context={
            "ticket": request.ticket,
            "draw_id": draw.draw_id,
            "appointment_date": draw.appointment_date.isoformat(),
        },
    )
    return request


def _request_create(
    *,
    draw: Draw,
    applicant: Applicant,
    ports: list[str],
    members: list[int],
    documents: list[str],
    identities: str,
    waiting_since: dt.date,
    now: dt.datetime,
    actor: Actor,
) -> Request:
    """Insert the request with the group's ticket for this draw: the one it was issued before (a withdrawn
    request's), or a fresh one, trying another in the (rare) case of a clash.

    A (group, draw) keeps its first ticket for good (issue 14, item 7): whoever knows the seed while the
    window is open could otherwise withdraw and ask again until a ticket draws well. The caller holds the
    group's `DrawApplicant` row locked, so two requests of one group cannot be issued two tickets."""
    issued = (
        Request.objects.filter(draw=draw, applicant=applicant)
        .order_by("created_at", "pk")
        .values_list("ticket", flat=True)
        .first()
    )
    for _attempt in range(8):
        ticket = issued or ticket_new()
        if issued is None and Request.objects.filter(ticket=ticket).exists():
            continue  # a withdrawn request of another group holds it (the constraint covers live ones)
        try:
            with transaction.atomic():
                request = Request.objects.create(
                    draw=draw,
                    applicant=applicant,
                    ticket=ticket,
                    ports=ports,
                    group_size=len(members),
                    waiting_since=waiting_since,
                    created_at=now,
                    created_by=actor.label,
                )
                RequestPeople.objects.create(
                    request=request, members=members, document_indexes=documents, identities=identities
                )
                return request
        except IntegrityError as exc:
            if "request_one_per_draw" in str(exc):
                raise AlreadyRequested(_("Your group already asked in this draw."), field="ports") from exc
            if "ticket" not in str(exc):
                raise
    raise RuntimeError("no free ticket after 8 tries")  # pragma: no cover - 32^10 tickets


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
