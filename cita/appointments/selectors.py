"""Reading appointments, scoped to the caller: the group's own, an officer's port's, or any for staff
who oversee every port."""

from __future__ import annotations

from cita.appointments.models import ACTIVE, Appointment
from cita.core.actors import Actor, Role
from cita.core.errors import NotFound
from cita.registrations.models import Member, Relationship
from cita.registrations.selectors import applicant_get_for_actor


def appointment_get_for_actor(*, actor: Actor, appointment_id: int) -> Appointment:
    """One appointment the actor may see: their group's (applicant, or NGO helping them), their port's
    (officer), any (planner, admin, auditor)."""
    rows = Appointment.objects.select_related("port", "applicant")
    if actor.role in (Role.APPLICANT, Role.NGO) and not actor.mfa_pending:
        rows = rows.filter(applicant=applicant_get_for_actor(actor=actor))
    elif actor.role is Role.OFFICER and not actor.mfa_pending and actor.port_id is not None:
        rows = rows.filter(port_id=actor.port_id)
    elif actor.role not in (Role.PLANNER, Role.ADMIN, Role.AUDITOR) or actor.mfa_pending:
        raise NotFound("no such appointment")
    appointment = rows.filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound("no such appointment")
    return appointment


def appointment_list_for_actor(*, actor: Actor, active_only: bool = True) -> list[Appointment]:
    """The actor's group's appointments, soonest first."""
    rows = Appointment.objects.filter(applicant=applicant_get_for_actor(actor=actor)).select_related("port")
    if active_only:
        rows = rows.filter(state__in=ACTIVE)
    return list(rows.order_by("day", "slot"))


def appointment_member_list(*, appointment: Appointment) -> list[Member]:
    """The people an appointment was made for who are still in the group, principal first."""
    members = Member.objects.filter(applicant_id=appointment.applicant_id, pk__in=appointment.members)
    return sorted(members, key=lambda m: (m.relationship != Relationship.SELF, m.pk))
