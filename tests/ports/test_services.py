import datetime as dt
import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from cita.core.actors import system
from cita.ports.errors import CapacityBelowBooked, InvalidCapacity
from cita.ports.models import SlotCapacity
from cita.ports.services import (
    capacity_day_set,
    capacity_release,
    capacity_take,
    capacity_template_apply,
    capacity_template_set,
)
from tests.factories.ports import PortFactory, SlotCapacityFactory

ACTOR = system("test")
EIGHT, NINE = dt.time(8), dt.time(9)


@pytest.mark.django_db
def test_the_weekly_template_fills_the_days_it_is_applied_to():
    port = PortFactory.create()
    capacity_template_set(port=port, weekday=0, slots={EIGHT: 30, NINE: 20}, actor=ACTOR)  # Mondays
    changed = capacity_template_apply(
        port=port, start=dt.date(2026, 12, 7), end=dt.date(2026, 12, 13), actor=ACTOR
    )
    assert changed == 1
    monday = SlotCapacity.objects.filter(port=port, day=dt.date(2026, 12, 7)).order_by("slot")
    assert [(s.slot, s.seats, s.left) for s in monday] == [(EIGHT, 30, 30), (NINE, 20, 20)]
    assert not SlotCapacity.objects.filter(port=port, day=dt.date(2026, 12, 8)).exists()


@pytest.mark.django_db
def test_changing_a_day_keeps_what_is_booked():
    slot = SlotCapacityFactory.create(seats=40, left=40)
    assert capacity_take(port_id=slot.port_id, day=slot.day, slot=slot.slot, seats=15)
    capacity_day_set(port=slot.port, day=slot.day, slots={slot.slot: 30}, actor=ACTOR)
    slot.refresh_from_db()
    assert (slot.seats, slot.left) == (30, 15)
    with pytest.raises(CapacityBelowBooked, match="15 seats booked"):
        capacity_day_set(port=slot.port, day=slot.day, slots={slot.slot: 10}, actor=ACTOR)


@pytest.mark.django_db
def test_negative_seats_are_refused():
    port = PortFactory.create()
    with pytest.raises(InvalidCapacity):
        capacity_day_set(port=port, day=dt.date(2026, 12, 7), slots={EIGHT: -1}, actor=ACTOR)


@pytest.mark.django_db
def test_taking_more_seats_than_are_left_fails_and_changes_nothing():
    slot = SlotCapacityFactory.create(seats=5, left=5)
    assert not capacity_take(port_id=slot.port_id, day=slot.day, slot=slot.slot, seats=6)
    slot.refresh_from_db()
    assert slot.left == 5


@pytest.mark.django_db
def test_the_database_itself_refuses_a_negative_left():
    slot = SlotCapacityFactory.create(seats=5, left=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotCapacity.objects.filter(pk=slot.pk).update(left=-1)


@pytest.mark.django_db
def test_releasing_seats_gives_them_back():
    slot = SlotCapacityFactory.create(seats=5, left=2)
    capacity_release(port_id=slot.port_id, day=slot.day, slot=slot.slot, seats=3)
    slot.refresh_from_db()
    assert slot.left == 5


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_never_take_a_slot_below_zero():
    slot = SlotCapacityFactory.create(seats=37, left=37)
    barrier = threading.Barrier(50)
    results: list[bool] = []
    lock = threading.Lock()

    def book() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                took = capacity_take(port_id=slot.port_id, day=slot.day, slot=slot.slot, seats=1)
                # Hold the row lock a moment so the other transactions really queue behind it.
                connection.cursor().execute("SELECT pg_sleep(0.001)")
            with lock:
                results.append(took)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=book) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slot.refresh_from_db()
    assert results.count(True) == 37
    assert results.count(False) == 13
    assert slot.left == 0
