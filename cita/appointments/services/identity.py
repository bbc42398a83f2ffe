"""Who a request, offer or appointment is for (issue 14, "resale by swapping people").

From the moment a group asks in a draw, its people are fixed. Removing a person is allowed. Adding a
person, or changing anyone's names, date of birth, nationality or document, gives up the request, offer
or appointment the group holds: the applicant must confirm that first. The only exception is a change
made by an NGO worker of the group's shelter (or an officer), who vouches for it; that approval is
audited, and the officer still sees the difference against the people bound to the pass.

One owner above registrations (the people), draws (requests) and appointments (offers, appointments).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cita.appointments.errors import IdentityLocked
from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services import appointment_cancel, pass_issue
from cita.appointments.services.offers import offer_decline
from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.draws.models import Offer, OfferState, Request, RequestPeople, RequestState
from cita.draws.services.requests import request_withdraw
from cita.ports.services import capacity_release
from cita.registrations.identity import person_of
from cita.registrations.models import Applicant, Member
from cita.registrations.services import MemberInput, member_add, member_remove, member_update


@dataclass(frozen=True)
class Holdings:
    """What a group holds now that binds its people."""

    submitted: list[Request]
    entered: list[Request]
    offers: list[Offer]
    appointments: list[Appointment]
    checked_in: list[Appointment]

    def __bool__(self) -> bool:
        return bool(self.submitted or self.entered or self.offers or self.appointments or self.checked_in)


def group_holdings(*, applicant: Applicant) -> Holdings:
    """The group's live requests, open offers and active appointments."""
    live = Request.objects.filter(
        applicant=applicant,
        withdrawn_at__isnull=True,
        status__state__in=(RequestState.SUBMITTED, RequestState.ENTERED),
    ).select_related("draw", "status")
    active = Appointment.objects.filter(applicant=applicant).select_related("port")
    return Holdings(
        submitted=[r for r in live if r.status.state == RequestState.SUBMITTED],
        entered=[r for r in live if r.status.state == RequestState.ENTERED],
        offers=list(Offer.objects.filter(applicant=applicant, state=OfferState.OPEN)),
        appointments=list(active.filter(state=AppointmentState.SCHEDULED)),
        checked_in=list(active.filter(state=AppointmentState.CHECKED_IN)),
    )


def _approves(actor: Actor, applicant: Applicant) -> bool:
    """An NGO worker of the group's own shelter, or an officer, vouches for a change of identity."""
    if actor.mfa_pending:
        return False
    if actor.role is Role.NGO:
        return actor.shelter_id is not None and actor.shelter_id == applicant.shelter_id
    return actor.role is Role.OFFICER


def _identity_changed(*, actor: Actor, applicant: Applicant, member_id: int, confirmed: bool) -> None:
    """The group's people changed: give up what it holds, refuse, or record an approval."""
    held = group_holdings(applicant=applicant)
    if not held:
        return
    if held.checked_in:
        raise IdentityLocked(
            _("Your group is already checked in at the port. The people in it cannot be changed now."),
            field="confirm",
        )
    approver = _approves(actor, applicant)
    if held.entered and not approver:
        raise IdentityLocked(
            _(
                "Your group is in a draw that has closed. You cannot change who is in the group until "
                "the results are out."
            ),
            field="confirm",
        )
    if not confirmed:
        if approver:
            message = _(
                "This group has a request, an offer or an appointment for the people in it now. Tick the "
                "box to approve this change after you checked the person's identity."
            )
        else:
            message = _(
                "Your group has a request, an offer or an appointment for the people in it now. If you "
                "change who is in the group, it is cancelled. Tick the box to confirm, or ask a shelter "
                "worker for help."
            )
        raise IdentityLocked(message, field="confirm")
    if approver:
        _audit_holdings(
            actor,
            "group.identity_change_approved",
            applicant,
            member_id,
            held,
            requests=held.submitted + held.entered,
        )
        return
    for request in held.submitted:
        request_withdraw(request=request, actor=actor)
    for offer in held.offers:
        offer_decline(offer=offer, actor=actor)
    reason = "ngo" if actor.role is Role.NGO else "applicant"
    for appointment in held.appointments:
        appointment_cancel(appointment=appointment, reason=reason, actor=actor)
    _audit_holdings(actor, "group.identity_changed", applicant, member_id, held, requests=held.submitted)


def _audit_holdings(
    actor: Actor,
    action: str,
    applicant: Applicant,
    member_id: int,
    held: Holdings,
    *,
    requests: list[Request],
) -> None:
    """Audit a change to the group's people with what it held then (the event's name says what happened)."""
    audit_record(
        actor=actor,
        action=action,
        object_type="applicant",
        object_id=applicant.pk,
        data={
            "member": member_id,
            "requests": [r.pk for r in requests],
            "offers": [o.pk for o in held.offers],
            "appointments": [a.pk for a in held.appointments],
        },
    )


@transaction.atomic
def member_change(*, actor: Actor, member: Member, data: MemberInput, confirmed: bool = False) -> Member:
    """Change a person's details; a change of identity gives up what the group holds (see the module)."""
    applicant = Applicant.objects.select_for_update().get(pk=member.applicant_id)
    before = person_of(member).identity()
    member = member_update(actor=actor, member=member, data=data)
    if person_of(member).identity() != before:
        _identity_changed(actor=actor, applicant=applicant, member_id=member.pk, confirmed=confirmed)
    return member


@transaction.atomic
def member_join(*, actor: Actor, applicant: Applicant, data: MemberInput, confirmed: bool = False) -> Member:
    """Add a person to the group; this gives up what the group holds (see the module)."""
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    member = member_add(actor=actor, applicant=applicant, member=data)
    _identity_changed(actor=actor, applicant=applicant, member_id=member.pk, confirmed=confirmed)
    return member


@transaction.atomic
def member_leave(*, actor: Actor, member: Member) -> None:
    """Take a person out of the group (never the principal). Allowed at any time before check-in: the
    seat goes back. A submitted request, an open offer and a scheduled appointment shrink by one (the
    appointment gets a new signed pass for its new size); a request in a closed draw keeps its size."""
    applicant = Applicant.objects.select_for_update().get(pk=member.applicant_id)
    held = group_holdings(applicant=applicant)
    member_id = member.pk
    member_remove(actor=actor, member=member)
    now = clock.now()
    for request in held.submitted:
        people = RequestPeople.objects.select_for_update().get(request=request)
        if member_id in people.members:
            people.members = [m for m in people.members if m != member_id]
            people.save(update_fields=["members"])
            Request.objects.filter(pk=request.pk).update(group_size=len(people.members))
    for offer in held.offers:
        people = RequestPeople.objects.select_for_update().get(request_id=offer.request_id)
        if member_id in people.members and offer.group_size > 1:
            people.members = [m for m in people.members if m != member_id]
            people.save(update_fields=["members"])
            Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN).update(group_size=F("group_size") - 1)
            capacity_release(port_id=offer.port_id, day=offer.day, slot=offer.slot, seats=1)
    for appointment in held.appointments:
        if member_id in appointment.members and appointment.group_size > 1:
            appointment = (
                Appointment.objects.select_for_update().select_related("port").get(pk=appointment.pk)
            )
            appointment.members = [m for m in appointment.members if m != member_id]
            appointment.group_size -= 1
            signed = pass_issue(appointment, issued_at=now)
            appointment.pass_issued_at = now
            appointment.save(update_fields=["members", "group_size", *signed, "pass_issued_at"])
            capacity_release(port_id=appointment.port_id, day=appointment.day, slot=appointment.slot, seats=1)
    _audit_holdings(actor, "group.member_left", applicant, member_id, held, requests=held.submitted)
