"""Rebooking the groups of a closed port (shared/DESIGN.md, "Closures and rebooking").

One transaction per closure, under an advisory lock, idempotent: the groups and the free seats are read
and locked, `cita.appointments.rebook_plan.plan_compute` makes the plan, and the plan is applied:

- an **appointment** becomes `rebooked`; when placed, a new appointment (`rebooked_from` the old one) with
  a new signed pass takes free seats (`capacity_take`); the group is told with a `rebooked` notice;
- an **open offer** (selected, not confirmed yet) moves to its new place with the same deadline and the
  group is told where it now is (`deadline_reminder`, which names the place and the deadline);
- a group with no place keeps nothing at the closed port, gets top tier in its next draws
  (`priority_grant_displaced`) and is told so (`rebooked`, not placed).

The old seats at the closed port vanish (the closure's days have no seats to give). The snapshot, the
plan, their SHA-256 and the counts are stored (`Rebooking`) and audited (`closure.rebooked`), with one
audit event per group, so the rebooking can be replayed and checked (`rebooking_replay`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cita.appointments.errors import AppointmentStateError, RebookingError, RebookingNotReady
from cita.appointments.models import Appointment, AppointmentState, Rebooking
from cita.appointments.rebook_plan import (
    Group,
    Placement,
    Snapshot,
    plan_compute,
    plan_from_json,
    plan_to_json,
    sha256_of,
    snapshot_from_json,
    snapshot_to_json,
)
from cita.appointments.selectors import (
    OfferWaitChoice,
    WaitChoice,
    offer_wait_choice_for,
    rebooking_input,
    wait_choice_for,
)
from cita.appointments.services import _place, pass_issue, pass_url
from cita.audit.models import AuditEvent
from cita.audit.services import Event, audit_record, audit_record_many
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.core.locks import advisory_lock
from cita.draws.errors import OfferNotOpen
from cita.draws.models import Draw, DrawStatus, Offer, OfferState
from cita.draws.services import priority_grant_displaced
from cita.draws.services.notices import offer_url
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue
from cita.ports.models import Port, PortClosure
from cita.ports.services import capacity_release, capacity_take, closure_capacity_clear

# Draws of priority a group that found no new place gets (draws/services/requests.py allows 1 to 30).
DISPLACED_DRAWS = 3


def _require_job(actor: Actor) -> None:
    if actor.role not in (Role.SYSTEM, Role.PLANNER, Role.ADMIN) or actor.mfa_pending:
        raise PermissionDenied("Only the rebooking job, planners and admins rebook a closure.")


def _draws_settled(closure: PortClosure) -> None:
    """A frozen draw of a closed day still holds seats it will hand out as offers at the closed port:
    the rebooking waits until it has published them (then they are open offers, which it moves)."""
    waiting = Draw.objects.filter(
        appointment_date__range=(closure.start, closure.end),
        status__in=(DrawStatus.FROZEN, DrawStatus.BEACON_WAIT),
    ).values_list("draw_id", flat=True)
    if waiting:
        raise RebookingNotReady(
            f"draw(s) {', '.join(waiting)} of the closed days have not published yet; rebooking waits"
        )


@transaction.atomic
def closure_rebook(*, closure_id: int, actor: Actor) -> Rebooking | None:
    """Rebook every group booked at a closed port on its closed days (the job `appointments.rebook`).

    Returns the rebooking (the one stored before, when run again), or None for a closure reopened before
    it ran (its groups keep their appointments).
    """
    _require_job(actor)
    advisory_lock("appointments.rebook", str(closure_id))
    closure = PortClosure.objects.select_for_update(of=("self",)).select_related("port").get(pk=closure_id)
    done = Rebooking.objects.filter(closure=closure).first()
    if done is not None:
        return done
    if closure.reopened_at is not None:
        return None
    _draws_settled(closure)
    started = clock.now()
    data = rebooking_input(closure=closure, now=started, for_update=True)
    plan = plan_compute(data.snapshot)
    ports = {p.code: p for p in Port.objects.all()}
    groups = {g.ref: g for g in data.snapshot.groups}
    events: list[Event] = []
    for placement in plan.placements:
        group = groups[placement.ref]
        if placement.ref in data.appointments:
            events.extend(
                _rebook_appointment(
                    closure=closure,
                    old=data.appointments[placement.ref],
                    group=group,
                    placement=placement,
                    ports=ports,
                    now=started,
                    actor=actor,
                )
            )
        else:
            events.extend(
                _move_offer(
                    closure=closure,
                    offer=data.offers[placement.ref],
                    placement=placement,
                    ports=ports,
                    now=started,
                    actor=actor,
                )
            )
    # Seats given back at the closed port since it closed (a cancellation) are taken away too.
    closure_capacity_clear(closure=closure)
    snapshot_doc, plan_doc = snapshot_to_json(data.snapshot), plan_to_json(plan)
    finished = clock.now()
    rebooking = Rebooking.objects.create(
        closure=closure,
        snapshot=snapshot_doc,
        plan=plan_doc,
        snapshot_sha256=sha256_of(snapshot_doc),
        plan_sha256=sha256_of(plan_doc),
        groups=len(plan.placements),
        placed=plan.placed,
        escalated=plan.escalated,
        started_at=started,
        finished_at=finished,
        actor=actor.label,
    )
    PortClosure.objects.filter(pk=closure.pk).update(rebooked_at=finished)
    events.append(
        Event(
            "closure.rebooked",
            "closure",
            str(closure.pk),
            {
                "port": closure.port.code,
                "groups": rebooking.groups,
                "placed": rebooking.placed,
                "escalated": rebooking.escalated,
                "snapshot_sha256": rebooking.snapshot_sha256,
                "plan_sha256": rebooking.plan_sha256,
                "first_day": data.snapshot.first_day,
                "last_day": data.snapshot.last_day,
            },
        )
    )
    audit_record_many(actor=actor, events=events)
    return rebooking


def wait_url(appointment: Appointment) -> str:
    """The page where a rebooked group may choose to wait for its first port."""
    return f"{settings.CITA_BASE_URL}/appointments/{appointment.pk}/wait"


def _choice_context(choice: WaitChoice) -> dict[str, object]:
    return {
        "first_port_name": choice.first_port.name,
        "wait_from": choice.from_day,
        "wait_url": wait_url(choice.appointment),
        "notice_days": settings.CITA_REBOOK_NOTICE_DAYS,
    }


def _old_place(closure: PortClosure, group: Group) -> dict[str, str]:
    return {"old_port_name": closure.port.name, "old_date": group.old_day}


def _rebook_appointment(
    *,
    closure: PortClosure,
    old: Appointment,
    group: Group,
    placement: Placement,
    ports: dict[str, Port],
    now: dt.datetime,
    actor: Actor,
) -> list[Event]:
    moved = Appointment.objects.filter(pk=old.pk, state=AppointmentState.SCHEDULED).update(
        state=AppointmentState.REBOOKED, ended_at=now, ended_reason="port_closed"
    )
    if moved != 1:
        raise RebookingError(f"appointment {old.pk} changed state under the rebooking's lock")
    old.state, old.ended_at, old.ended_reason = AppointmentState.REBOOKED, now, "port_closed"
    # The closure's days have no seats to give: these vanish (cita.ports.services.capacity_release).
    capacity_release(port_id=old.port_id, day=old.day, slot=old.slot, seats=old.group_size)
    if not placement.placed:
        priority_grant_displaced(
            applicant=old.applicant,
            actor=actor,
            draws=DISPLACED_DRAWS,
            reason=f"Displaced by the closure of {closure.port.code} ({closure.pk})",
        )
        notice_enqueue(
            kind=NoticeKind.REBOOKED,
            dedup_key=f"closure:{closure.pk}:appointment:{old.pk}:rebooked",
            applicant=old.applicant,
            context={"appointment_id": old.pk, "placed": False, **_old_place(closure, group)},
        )
        return [
            Event(
                "appointment.rebooked",
                "appointment",
                str(old.pk),
                {"closure": closure.pk, "placed": False, "priority_draws": DISPLACED_DRAWS},
            )
        ]
    port = ports[str(placement.port)]
    day, slot = dt.date.fromisoformat(str(placement.day)), dt.time.fromisoformat(str(placement.slot))
    if not capacity_take(port_id=port.pk, day=day, slot=slot, seats=old.group_size):
        raise RebookingError(f"{port.code} {day} {slot:%H:%M} has fewer seats than its locked snapshot")
    new = Appointment.objects.create(
        applicant_id=old.applicant_id,
        port=port,
        day=day,
        slot=slot,
        group_size=old.group_size,
        members=list(old.members),
        document_indexes=list(old.document_indexes),
        identities=old.identities,
        created_at=now,
        pass_payload="",
        pass_kid="",
        pass_issued_at=now,
        rebooked_from=old,
    )
    new.save(update_fields=pass_issue(new, issued_at=now))
    choice = wait_choice_for(appointment=new, now=now)
    notice_enqueue(
        kind=NoticeKind.REBOOKED,
        dedup_key=f"closure:{closure.pk}:appointment:{old.pk}:rebooked",
        applicant=old.applicant,
        context={
            "appointment_id": new.pk,
            "placed": True,
            **_old_place(closure, group),
            **_place(new),
            "pass_url": pass_url(new),
            **(_choice_context(choice) if choice is not None else {}),
        },
    )
    return [
        Event(
            "appointment.rebooked",
            "appointment",
            str(old.pk),
            {"closure": closure.pk, "placed": True, "to": new.pk, "via": placement.via},
        ),
        Event(
            "appointment.issued",
            "appointment",
            str(new.pk),
            {
                "rebooked_from": old.pk,
                "closure": closure.pk,
                "applicant": new.applicant_id,
                "port": port.code,
                "day": day,
                "slot": f"{slot:%H:%M}",
                "group_size": new.group_size,
                "pass_kid": new.pass_kid,
            },
        ),
    ]


def _offer_choice_context(closure: PortClosure, offer: Offer, port: Port) -> dict[str, object]:
    """The choice to wait of an offer moved away from the group's first port (`offer_wait_choice_for`
    finds it later by the `offer.moved` event written with the rebooking)."""
    first = offer.request.ports[0]
    first_port = Port.objects.filter(code=first).first()
    if first == port.code or first_port is None:
        return {}
    return {"first_port_name": first_port.name, "wait_from": closure.end + dt.timedelta(days=1)}


def _move_offer(
    *,
    closure: PortClosure,
    offer: Offer,
    placement: Placement,
    ports: dict[str, Port],
    now: dt.datetime,
    actor: Actor,
) -> list[Event]:
    old = (offer.port_id, offer.day, offer.slot)
    if not placement.placed:
        updated = Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN).update(
            state=OfferState.DECLINED, settled_at=now, settled_reason="port closed"
        )
        if updated != 1:
            raise RebookingError(f"offer {offer.pk} changed state under the rebooking's lock")
        capacity_release(port_id=old[0], day=old[1], slot=old[2], seats=offer.group_size)
        priority_grant_displaced(
            applicant=offer.applicant,
            actor=actor,
            draws=DISPLACED_DRAWS,
            reason=f"Displaced by the closure of {closure.port.code} ({closure.pk})",
        )
        # No appointment exists yet: the notice names the offer ("offer-<id>") in its appointment_id.
        notice_enqueue(
            kind=NoticeKind.REBOOKED,
            dedup_key=f"closure:{closure.pk}:offer:{offer.pk}:rebooked",
            applicant=offer.applicant,
            context={
                "appointment_id": f"offer-{offer.pk}",
                "placed": False,
                "old_port_name": closure.port.name,
                "old_date": offer.day.isoformat(),
            },
        )
        return [
            Event(
                "offer.declined",
                "offer",
                str(offer.pk),
                {"closure": closure.pk, "reason": "port closed", "priority_draws": DISPLACED_DRAWS},
            )
        ]
    port = ports[str(placement.port)]
    day, slot = dt.date.fromisoformat(str(placement.day)), dt.time.fromisoformat(str(placement.slot))
    updated = Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN).update(port=port, day=day, slot=slot)
    if updated != 1:
        raise RebookingError(f"offer {offer.pk} changed state under the rebooking's lock")
    capacity_release(port_id=old[0], day=old[1], slot=old[2], seats=offer.group_size)
    if not capacity_take(port_id=port.pk, day=day, slot=slot, seats=offer.group_size):
        raise RebookingError(f"{port.code} {day} {slot:%H:%M} has fewer seats than its locked snapshot")
    notice_enqueue(
        kind=NoticeKind.DEADLINE_REMINDER,
        dedup_key=f"closure:{closure.pk}:offer:{offer.pk}:moved",
        applicant=offer.applicant,
        context={
            "offer_id": offer.pk,
            "deadline": offer.deadline.astimezone(dt.UTC).isoformat(),
            "port_name": port.name,
            "date": day.isoformat(),
            "slot": f"{slot:%H:%M}",
            "time_zone": port.time_zone,
            # The offer page: confirm there, or (moved away from the first port) choose to wait.
            "url": offer_url(offer),
            "old_port_name": closure.port.name,
            "old_date": old[1].isoformat(),
            **_offer_choice_context(closure, offer, port),
        },
    )
    return [
        Event(
            "offer.moved",
            "offer",
            str(offer.pk),
            {
                "closure": closure.pk,
                "port": port.code,
                "day": day,
                "slot": f"{slot:%H:%M}",
                "via": placement.via,
            },
        )
    ]


WAIT_REASON = "waits_for_first_port"


@transaction.atomic
def appointment_wait_for_first_port(*, appointment: Appointment, actor: Actor) -> Appointment:
    """ "I prefer to wait for my first port": a group a closure moved elsewhere gives its new appointment
    back (the seats go back to the slot) and gets tier 0 in its next draws for days after the closure,
    as a displaced group does; it keeps its place in the queue (its waiting_since does not change)."""
    own = actor.role in (Role.APPLICANT, Role.NGO) and actor.applicant_id == appointment.applicant_id
    if not own or actor.mfa_pending:
        raise PermissionDenied(_("You cannot change this appointment."))
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("port", "rebooked_from", "applicant")
        .get(pk=appointment.pk)
    )
    now = clock.now()
    choice = wait_choice_for(appointment=appointment, now=now)
    if choice is None:
        raise AppointmentStateError(_("This appointment can no longer be changed."))
    moved = Appointment.objects.filter(pk=appointment.pk, state=AppointmentState.SCHEDULED).update(
        state=AppointmentState.CANCELLED, ended_at=now, ended_reason=WAIT_REASON
    )
    if moved != 1:
        raise AppointmentStateError(_("This appointment can no longer be changed."))
    capacity_release(
        port_id=appointment.port_id, day=appointment.day, slot=appointment.slot, seats=appointment.group_size
    )
    _waits_for_first_port(actor=actor, holding=appointment, choice=choice)
    appointment.refresh_from_db()
    return appointment


def _waits_for_first_port(
    *, actor: Actor, holding: Appointment | Offer, choice: WaitChoice | OfferWaitChoice
) -> None:
    """The group of a given-back appointment or offer is first in line for its first port's next draws
    (tier 0 for days from the day after the closure, keeping its place); audited on what it gave back."""
    flag = priority_grant_displaced(
        applicant=holding.applicant,
        actor=actor,
        draws=DISPLACED_DRAWS,
        reason=f"Waits for {choice.first_port.code} after the closure {choice.closure.pk}",
        from_day=choice.from_day,
    )
    kind = "offer" if isinstance(holding, Offer) else "appointment"
    audit_record(
        actor=actor,
        action=f"{kind}.waits_for_first_port",
        object_type=kind,
        object_id=holding.pk,
        data={
            "closure": choice.closure.pk,
            "first_port": choice.first_port.code,
            "from_day": choice.from_day,
            "flag": flag.pk,
            "priority_draws": DISPLACED_DRAWS,
        },
    )


@transaction.atomic
def offer_wait_for_first_port(*, offer: Offer, actor: Actor) -> Offer:
    """ "I prefer to wait for my first port" for an open offer a closure moved elsewhere: the same as for a
    rebooked appointment (`appointment_wait_for_first_port`): the offer is declined, its seats go back to
    the slot, the group gets tier 0 in its next draws for days after the closure and keeps its place."""
    own = actor.role in (Role.APPLICANT, Role.NGO) and actor.applicant_id == offer.applicant_id
    if not own or actor.mfa_pending:
        raise PermissionDenied(_("You cannot act for this group."))
    # Lock the row alone, then read it with its relations (as offer_confirm does).
    Offer.objects.select_for_update().filter(pk=offer.pk).values_list("pk", flat=True).first()
    offer = Offer.objects.select_related("port", "request", "draw", "applicant").get(pk=offer.pk)
    now = clock.now()
    choice = offer_wait_choice_for(offer=offer, now=now)
    if choice is None:
        raise OfferNotOpen(_("This offer can no longer be changed."), offer=offer)
    updated = Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN).update(
        state=OfferState.DECLINED, settled_at=now, settled_reason=WAIT_REASON
    )
    if updated != 1:
        raise OfferNotOpen(_("This offer can no longer be changed."), offer=offer)
    capacity_release(port_id=offer.port_id, day=offer.day, slot=offer.slot, seats=offer.group_size)
    _waits_for_first_port(actor=actor, holding=offer, choice=choice)
    offer.refresh_from_db()
    return offer


@dataclass(frozen=True)
class Replay:
    """A rebooking computed again from its stored snapshot: the same plan, or not."""

    same: bool
    stored_sha256: str
    replayed_sha256: str
    snapshot_intact: bool


def rebooking_replay(*, rebooking: Rebooking) -> Replay:
    """Compute the plan again from the stored snapshot and compare it with the stored plan (and both
    documents with the hashes written to the audit log when it ran)."""
    snapshot: Snapshot = snapshot_from_json(rebooking.snapshot)
    replayed = plan_to_json(plan_compute(snapshot))
    replayed_sha = sha256_of(replayed)
    stored = plan_to_json(plan_from_json(rebooking.plan))
    return Replay(
        same=replayed_sha == rebooking.plan_sha256 and sha256_of(stored) == rebooking.plan_sha256,
        stored_sha256=rebooking.plan_sha256,
        replayed_sha256=replayed_sha,
        snapshot_intact=sha256_of(rebooking.snapshot) == rebooking.snapshot_sha256,
    )


def rebooking_audit_hashes(*, closure: PortClosure) -> dict[str, str] | None:
    """The hashes the audit log recorded for the closure's rebooking (to check the stored row against)."""
    row = (
        AuditEvent.objects.filter(action="closure.rebooked", object_type="closure", object_id=str(closure.pk))
        .values_list("data", flat=True)
        .first()
    )
    if row is None:
        return None
    return {"snapshot_sha256": row["snapshot_sha256"], "plan_sha256": row["plan_sha256"]}
