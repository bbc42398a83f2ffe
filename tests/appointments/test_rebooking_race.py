"""The rebooking job racing the groups of the closed port confirming their offers at the same moment
(threads, each its own PostgreSQL connection, committing for real): no group is left at the closed port,
none is lost, no seat is oversold."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db.models import Sum

from cita.appointments.models import Appointment, Rebooking
from cita.appointments.services.offers import offer_confirm
from cita.appointments.services.rebooking import closure_rebook
from cita.draws.models import Offer
from cita.ports.models import SlotCapacity
from tests.draws.test_concurrency import race
from tests.factories.closures import Ask, booked, closed, slots
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import JOB, port_with_slots, staff_actor
from tests.factories.registrations import actor_for
from tests.factories.staff import StaffFactory

GROUPS = 30


@pytest.mark.django_db(transaction=True)
def test_confirmations_racing_the_rebooking_leave_nobody_at_the_closed_port(frozen_clock):
    sys_ = port_with_slots("SYS", slots=[("08:00", 100)], position=1)
    tij = port_with_slots("TIJ", slots=[], position=2)
    slots(tij, day=D + dt.timedelta(days=1), seats=[("08:00", 100)])
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "TIJ"]) for _ in range(GROUPS)], confirm=False)
    closure = closed(sys_, start=D, actor=staff_actor(StaffFactory.create(role="planner")))

    def confirm(offer: Offer, delay: float) -> Callable[[], Appointment]:
        def run() -> Appointment:
            time.sleep(delay)  # spread over the job's run: some confirm before it, some during, some after
            return offer_confirm(offer=offer, actor=actor_for(offer.applicant))

        return run

    # A third confirmed before the closure's job starts (appointments to rebook), the rest racing it.
    early = GROUPS // 3
    for offer in offers[:early]:
        offer_confirm(offer=offer, actor=actor_for(offer.applicant))
    jobs: list[Callable[[], object]] = [confirm(o, 0.03 * n) for n, o in enumerate(offers[early:])]
    jobs.insert(len(jobs) // 2, lambda: closure_rebook(closure_id=closure.pk, actor=JOB))
    results = race(jobs, max_threads=len(jobs))

    unexpected = [r for r in results if isinstance(r, Exception) and "deadlock" in str(r).lower()]
    assert not unexpected, unexpected
    assert not Appointment.objects.filter(port=sys_, state="scheduled").exists()
    assert not Offer.objects.filter(port=sys_, state="open").exists()
    # Every group ends with one scheduled appointment at TIJ: confirmed before the rebooking (and moved
    # by it), or confirmed after (its offer already moved there).
    held = Counter(Appointment.objects.filter(state="scheduled").values_list("applicant_id", flat=True))
    assert held == Counter(o.applicant_id for o in offers)
    assert set(Appointment.objects.filter(state="scheduled").values_list("port__code", flat=True)) == {"TIJ"}
    row = SlotCapacity.objects.get(port=tij)
    booked_seats = Appointment.objects.filter(port=tij, state="scheduled").aggregate(n=Sum("group_size"))["n"]
    assert row.seats - row.left == booked_seats == 2 * GROUPS
    moved = Rebooking.objects.get(closure=closure).snapshot["groups"]
    print(
        f"\n{GROUPS} confirmations racing the rebooking: "
        f"{early} confirmed before, {sum(1 for r in results if isinstance(r, Appointment))} during, "
        f"{sum(1 for r in results if isinstance(r, Exception))} refused; the job found "
        f"{sum(1 for g in moved if g['ref'].startswith('appointment:'))} appointments and "
        f"{sum(1 for g in moved if g['ref'].startswith('offer:'))} open offers; all {GROUPS} groups at TIJ"
    )
