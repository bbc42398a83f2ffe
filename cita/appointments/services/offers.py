"""Answering an offer: confirming issues the appointment and its pass, declining gives the seat back.
One owner for the flow that crosses draws (the offer) and appointments (what it becomes)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cita.appointments.models import Appointment
from cita.appointments.services import appointment_issue
from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.draws.errors import OfferNotOpen
from cita.draws.models import Offer, OfferState
from cita.draws.services.requests import priority_end_served
from cita.ports.services import capacity_release


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
