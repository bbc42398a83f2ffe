"""What the draws domain holds of a person, for the retention purge (cita.registrations.retention).

A group's case is open here while it has a request still in play (submitted, entered, selected with an open
offer, or not selected in a draw whose second chances may still select it), an open offer, or a priority
flag in force. What is removed: the people of each request (member ids and the keyed hashes of their
documents), priority flags (their reasons may describe a person), and the group's waiting record. What
stays: requests with their tickets (published in the draw bundles), ports, group sizes and dates, and
offers: counts, not people.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q, Subquery

from cita.core.days import reference_today
from cita.draws.models import (
    DrawApplicant,
    Offer,
    OfferState,
    PriorityFlag,
    Request,
    RequestPeople,
    RequestState,
)
from cita.draws.selectors import ACTIVE_PRIORITY, ACTIVE_REQUEST


def _latest(queryset: object, column: str) -> Subquery:
    """The latest `column` of the applicant's rows in `queryset` (NULL when none)."""
    rows = queryset.filter(applicant=OuterRef("pk")).order_by().values("applicant")  # type: ignore[attr-defined]
    return Subquery(rows.annotate(latest=Max(column)).values("latest")[:1])


def cases_open(*, now: dt.datetime) -> Q:
    """Applicants (rows of `Applicant`) whose case the draws domain still holds open at `now`."""
    # A not-selected entry may be drawn by a second chance until its appointment day begins: no round's
    # deadline reaches past the first moment of that day in the reference zone (or at any port).
    second_chance_possible = Request.objects.filter(
        applicant=OuterRef("pk"),
        status__state=RequestState.NOT_SELECTED,
        draw__appointment_date__gt=reference_today(now=now),
    )
    return (
        Q(Exists(Request.objects.filter(ACTIVE_REQUEST, applicant=OuterRef("pk"))))
        | Q(Exists(second_chance_possible))
        | Q(Exists(Offer.objects.filter(applicant=OuterRef("pk"), state=OfferState.OPEN)))
        | Q(Exists(PriorityFlag.objects.filter(ACTIVE_PRIORITY, applicant=OuterRef("pk"))))
    )


def case_activity() -> list[Subquery]:
    """The latest moments the draws domain recorded for an applicant (asked, withdrew, decided, settled,
    flagged)."""
    return [
        _latest(Request.objects, "created_at"),
        _latest(Request.objects, "withdrawn_at"),
        _latest(Request.objects, "status__decided_at"),
        _latest(Offer.objects, "created_at"),
        _latest(Offer.objects, "settled_at"),
        _latest(PriorityFlag.objects, "created_at"),
        _latest(PriorityFlag.objects, "ended_at"),
    ]


def case_lock(*, applicant_id: int) -> None:
    """Lock the group's draw record, which every request of the group locks first: a request in flight
    finishes before the purge looks, and one that comes after finds the group emptied."""
    list(DrawApplicant.objects.select_for_update().filter(applicant_id=applicant_id))


def applicant_data_purge(*, applicant_id: int) -> dict[str, int]:
    """Remove what the draws domain holds of the person (inside the caller's transaction); counts."""
    people = RequestPeople.objects.filter(request__applicant_id=applicant_id).update(
        members=[], document_indexes=[], identities=None
    )
    flags, _ = PriorityFlag.objects.filter(applicant_id=applicant_id).delete()
    records, _ = DrawApplicant.objects.filter(applicant_id=applicant_id).delete()
    return {"requests_unlinked": people, "priority_flags": flags, "waiting_records": records}
