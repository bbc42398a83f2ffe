"""Offers: confirm (which issues the appointment and its pass), decline, expire, remind."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from cita.appointments.models import Appointment
from cita.appointments.services import appointment_issue
from cita.audit.services import Event, audit_record, audit_record_many
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.core.locks import advisory_lock
from cita.draws.errors import OfferNotOpen
from cita.draws.models import Offer, OfferState
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue
from cita.ports.services import capacity_release

# The reminder goes out this long before the deadline (or halfway, for deadlines shorter than twice this).
REMIND_BEFORE = dt.timedelta(hours=6)


def _acting_for(actor: Actor, offer: Offer) -> None:
    if actor.role in (Role.SYSTEM, Role.ADMIN):
        return
    if actor.applicant_id != offer.applicant_id or actor.role not in (Role.APPLICANT, Role.NGO):
        raise PermissionDenied(_("You cannot act for this group."))


def _not_open(offer: Offer) -> OfferNotOpen:
    if offer.state == OfferState.CONFIRMED:
        return OfferNotOpen(_("You already confirmed this offer."), offer=offer)
    if offer.state == OfferState.DECLINED:
        return OfferNotOpen(_("This offer was declined."), offer=offer)
    return OfferNotOpen(_("The time to confirm this offer is over."), offer=offer)


@transaction.atomic
def offer_confirm(*, offer: Offer, actor: Actor) -> Appointment:
    """Accept the offered seat before the deadline: issues the appointment and its signed pass."""
    _acting_for(actor, offer)
    now = clock.now()
    # Lock the row alone, then read it with its relations: a locking read with joins skips a row whose
    # port a rebooking changed meanwhile (PostgreSQL re-checks the join against the old port row).
    Offer.objects.select_for_update().filter(pk=offer.pk).values_list("pk", flat=True).first()
    offer = Offer.objects.select_related("port", "request", "draw", "applicant").get(pk=offer.pk)
    if offer.state != OfferState.OPEN:
        raise _not_open(offer)
    updated = Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN, deadline__gt=now).update(
        state=OfferState.CONFIRMED, settled_at=now, settled_reason="confirmed"
    )
    if updated != 1:
        raise OfferNotOpen(_("The time to confirm this offer is over."), offer=offer)
    offer.state, offer.settled_at = OfferState.CONFIRMED, now
    appointment = appointment_issue(offer=offer, actor=actor)
    from cita.draws.services.requests import priority_end_served

    priority_end_served(applicant=offer.applicant, actor=actor)
    audit_record(
        actor=actor,
        action="offer.confirmed",
        object_type="offer",
        object_id=offer.pk,
        data={"draw": offer.draw.draw_id, "appointment": appointment.pk},
    )
    return appointment


@transaction.atomic
def offer_decline(*, offer: Offer, actor: Actor) -> Offer:
    """Give the offered seat back (it goes to the next second-chance draw)."""
    _acting_for(actor, offer)
    now = clock.now()
    offer = Offer.objects.select_for_update(of=("self",)).select_related("draw").get(pk=offer.pk)
    updated = Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN).update(
        state=OfferState.DECLINED, settled_at=now, settled_reason="declined"
    )
    if updated != 1:
        raise _not_open(offer)
    capacity_release(port_id=offer.port_id, day=offer.day, slot=offer.slot, seats=offer.group_size)
    offer.refresh_from_db()
    audit_record(
        actor=actor,
        action="offer.declined",
        object_type="offer",
        object_id=offer.pk,
        data={"draw": offer.draw.draw_id, "reason": "declined"},
    )
    return offer


@transaction.atomic
def offers_expire_due(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Expire every open offer past its deadline and give its seats back; returns how many expired."""
    now = now or clock.now()
    advisory_lock("draws.expire", "offers")
    # Row locks: a confirmation in flight finishes first, and then this sees it confirmed.
    due = list(
        Offer.objects.select_for_update(of=("self",))
        .filter(state=OfferState.OPEN, deadline__lte=now)
        .select_related("draw")
        .order_by("deadline", "id")
    )
    events = []
    for offer in due:
        updated = Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN, deadline__lte=now).update(
            state=OfferState.EXPIRED, settled_at=now, settled_reason="deadline"
        )
        if updated != 1:
            continue
        capacity_release(port_id=offer.port_id, day=offer.day, slot=offer.slot, seats=offer.group_size)
        events.append(Event("offer.expired", "offer", str(offer.pk), {"draw": offer.draw.draw_id}))
    if events:
        audit_record_many(actor=actor, events=events)
    return len(events)


@transaction.atomic
def offers_remind_due(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Remind once each group whose offer's deadline is near and who has not confirmed yet."""
    now = now or clock.now()
    advisory_lock("draws.remind", "offers")
    due = (
        Offer.objects.select_for_update(of=("self",))
        .filter(state=OfferState.OPEN, reminded_at__isnull=True, deadline__gt=now)
        .select_related("port", "applicant", "draw")
    )
    sent = 0
    for offer in due:
        window = min(REMIND_BEFORE, (offer.deadline - offer.created_at) / 2)
        if now < offer.deadline - window:
            continue
        notice_enqueue(
            kind=NoticeKind.DEADLINE_REMINDER,
            dedup_key=f"draw:{offer.draw.draw_id}:request:{offer.request_id}:deadline_reminder",
            applicant=offer.applicant,
            context={
                "offer_id": offer.pk,
                "deadline": offer.deadline.astimezone(dt.UTC).isoformat(),
                "port_name": offer.port.name,
                "date": offer.day.isoformat(),
                "slot": f"{offer.slot:%H:%M}",
                "time_zone": offer.port.time_zone,
            },
        )
        Offer.objects.filter(pk=offer.pk).update(reminded_at=now)
        sent += 1
    return sent
