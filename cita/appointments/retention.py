"""What the appointments domain holds of a person, for the retention purge (cita.registrations.retention).

A case is open here while an appointment is scheduled or checked in. What is removed: the people of each
appointment (member ids and the keyed hashes of their documents, which would stop the person from asking
again, and the sealed snapshot of who they were). What stays: the appointment itself (port, day, slot,
group size, state, times) and its pass, which carries no personal data: counts and outcomes, not people.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q, Subquery

from cita.appointments.models import ACTIVE, Appointment


def _latest(column: str) -> Subquery:
    rows = Appointment.objects.filter(applicant=OuterRef("pk")).order_by().values("applicant")
    return Subquery(rows.annotate(latest=Max(column)).values("latest")[:1])


def cases_open(*, now: dt.datetime) -> Q:
    """Applicants with an appointment still to happen or under way."""
    return Q(Exists(Appointment.objects.filter(applicant=OuterRef("pk"), state__in=ACTIVE)))


def case_activity() -> list[Subquery]:
    """The latest moments of the applicant's appointments (issued, checked in, ended)."""
    return [_latest("created_at"), _latest("checked_in_at"), _latest("ended_at")]


def case_lock(*, applicant_id: int) -> None:
    """Nothing to lock: appointments are made from offers, which the draws domain's lock covers."""


def applicant_data_purge(*, applicant_id: int) -> dict[str, int]:
    """Unlink the people from the applicant's appointments (inside the caller's transaction); counts."""
    unlinked = Appointment.objects.filter(applicant_id=applicant_id).update(
        members=[], document_indexes=[], identities=None
    )
    return {"appointments_unlinked": unlinked}
