"""Races against real PostgreSQL: threads, each with its own connection, committing for real."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from cita.appointments.models import Appointment
from cita.appointments.services.offers import offer_confirm
from cita.draws.errors import AlreadyRequested
from cita.draws.models import Draw, Offer, OfferState, Request
from cita.draws.services import draw_close, offers_expire_due, request_submit
from cita.ports.models import SlotCapacity
from cita.ports.services import capacity_take
from tests.factories.draws import (
    APPOINTMENT_DAY,
    JOB,
    WINDOW_CLOSES,
    open_draw,
    port_with_slots,
)
from tests.factories.registrations import actor_for, registered_group

# The PostgreSQL servers here allow 100 connections (shared with other test runs): at most this many
# threads race at once, each running its share of the jobs back to back.
MAX_THREADS = 40


def race(jobs: list[Callable[[], Any]], *, max_threads: int = MAX_THREADS) -> list[Any]:
    """Run the jobs from up to MAX_THREADS threads (own connection each), all released at once, jobs dealt
    round-robin so that every kind of job runs against every other; each result or the exception raised."""
    workers = min(len(jobs), max_threads)
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * len(jobs)

    def run(worker: int) -> None:
        try:
            barrier.wait()
            for index in range(worker, len(jobs), workers):
                try:
                    results[index] = jobs[index]()
                except Exception as exc:  # the race's losers: kept to be counted
                    results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_of_one_request_create_one(frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 10)])
    draw = open_draw(frozen_clock)
    applicant = registered_group(size=2)
    actor = actor_for(applicant)

    results = race(
        [lambda: request_submit(applicant=applicant, ports=["SYS"], actor=actor, draw=draw)] * 50,
        max_threads=50,
    )

    created = [r for r in results if isinstance(r, Request)]
    refused = [r for r in results if isinstance(r, AlreadyRequested)]
    assert len(created) == 1, Counter(type(r).__name__ for r in results)
    assert len(refused) == 49
    assert Request.objects.filter(applicant=applicant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_hundred_confirmations_racing_the_deadline_and_other_bookings_never_oversell(frozen_clock):
    """200 groups hold every seat of one slot. At the deadline they confirm while the expiry job runs and
    fifty other bookings try to grab any seat that comes free: every seat ends with exactly one holder."""
    slot = port_with_slots("SYS", slots=[("08:00", 200)])
    draw = open_draw(frozen_clock)
    for _ in range(200):
        applicant = registered_group()
        request_submit(applicant=applicant, ports=["SYS"], actor=actor_for(applicant), draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw = draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offers = list(Offer.objects.filter(draw=draw).select_related("applicant"))
    assert len(offers) == 200
    capacity = SlotCapacity.objects.get(port=slot, day=APPOINTMENT_DAY)
    assert capacity.left == 0

    deadline = offers[0].deadline
    frozen_clock.set(deadline - dt.timedelta(seconds=1))  # confirmers are just in time...

    def confirm(offer: Offer) -> Callable[[], Any]:
        return lambda: offer_confirm(offer=offer, actor=actor_for(offer.applicant))

    confirms = [confirm(offer) for offer in offers]
    takes: list[Callable[[], Any]] = [
        lambda: capacity_take(port_id=slot.pk, day=APPOINTMENT_DAY, slot=dt.time(8), seats=1)
        for _ in range(50)
    ]
    # ...while the deadline job runs (placed among the first wave) and other bookings try for seats.
    jobs = [*confirms[:20], lambda: offers_expire_due(actor=JOB, now=deadline), *takes, *confirms[20:]]
    results = race(jobs)

    confirmed = [r for r in results if isinstance(r, Appointment)]
    states = Counter(Offer.objects.filter(draw=draw).values_list("state", flat=True))
    taken_by_others = sum(1 for r in results if r is True)
    capacity.refresh_from_db()
    assert states[OfferState.CONFIRMED] == len(confirmed) == Appointment.objects.count()
    assert states[OfferState.CONFIRMED] + states[OfferState.EXPIRED] == 200, _debug(results)
    assert Appointment.objects.filter(offer__state=OfferState.EXPIRED).count() == 0
    # Every seat has exactly one holder: a confirmed group, another booking, or nobody (still free).
    assert len(confirmed) + taken_by_others + capacity.left == 200
    assert capacity.left >= 0
    assert taken_by_others <= states[OfferState.EXPIRED]
    print(
        f"confirmed {len(confirmed)}, expired {states[OfferState.EXPIRED]}, taken by others {taken_by_others}"
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_offer_confirmed_forty_times_at_once_gives_one_appointment(frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 5)])
    draw = open_draw(frozen_clock)
    applicant = registered_group(size=3)
    request_submit(applicant=applicant, ports=["SYS"], actor=actor_for(applicant), draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get()

    results = race([lambda: offer_confirm(offer=offer, actor=actor_for(applicant))] * 40)

    assert sum(isinstance(r, Appointment) for r in results) == 1
    assert Appointment.objects.count() == 1
    assert SlotCapacity.objects.get().left == 2


def _debug(results):
    return Counter(type(r).__name__ + (str(r)[:80] if isinstance(r, Exception) else "") for r in results)
