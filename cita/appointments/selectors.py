"""Reading appointments, scoped to the caller: the group's own, an officer's port's, or any for staff
who oversee every port."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum

from cita.appointments.models import ACTIVE, Appointment, AppointmentState
from cita.core.actors import Actor, Role
from cita.core.errors import NotFound
from cita.ports.selectors import port_for_actor
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


@dataclass(frozen=True)
class ManifestCounts:
    """How many appointments and people a port has on one day, by state."""

    port_code: str
    day: dt.date
    appointments: int
    people: int
    by_state: dict[str, int]
    people_by_state: dict[str, int]


def manifest_counts_for_actor(*, actor: Actor, day: dt.date) -> ManifestCounts:
    """Counts of the officer's own port's manifest for `day` (every state, zero where none)."""
    port = port_for_actor(actor=actor)
    rows = (
        Appointment.objects.filter(port=port, day=day)
        .values("state")
        .annotate(n=Count("id"), people=Sum("group_size"))
    )
    by_state = dict.fromkeys(AppointmentState.values, 0)
    people_by_state = dict.fromkeys(AppointmentState.values, 0)
    for row in rows:
        by_state[row["state"]] = row["n"]
        people_by_state[row["state"]] = row["people"] or 0
    return ManifestCounts(
        port_code=port.code,
        day=day,
        appointments=sum(by_state.values()),
        people=sum(people_by_state.values()),
        by_state=by_state,
        people_by_state=people_by_state,
    )
