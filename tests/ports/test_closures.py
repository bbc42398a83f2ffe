"""Closing and reopening a port: the dates it accepts, the seats it takes away at once, what a closed day
refuses, the job it queues, and the seats reopening gives back to days whose draw has not run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from cita.appointments.services.closures import port_reopen
from cita.audit.models import AuditEvent
from cita.core.errors import PermissionDenied
from cita.draws.models import Draw
from cita.ports.errors import ClosureOverlap, ClosureStateError, InvalidCapacity, InvalidClosure
from cita.ports.models import PortClosure, SlotCapacity, WeeklySlot
from cita.ports.services import capacity_day_set, capacity_take, capacity_template_apply
from tests.factories.closures import closed
from tests.factories.draws import staff_actor
from tests.factories.ports import PortFactory
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)  # the frozen clock's day at a Los Angeles port (12:00 UTC = 04:00 there)


@pytest.fixture
def planner():
    return staff_actor(StaffFactory.create(role="planner"))


@pytest.fixture
def port(frozen_clock):
    """A port with a weekly template of 08:00 × 10 and 10:00 × 5 every day, applied for two weeks."""
    port = PortFactory.create(code="SYS")
    for weekday in range(7):
        WeeklySlot.objects.create(port=port, weekday=weekday, slot=dt.time(8), seats=10)
        WeeklySlot.objects.create(port=port, weekday=weekday, slot=dt.time(10), seats=5)
    capacity_template_apply(
        port=port, start=TODAY, end=TODAY + dt.timedelta(days=14), actor=staff_actor(StaffFactory.create())
    )
    return port


def seats(port, day):
    return {f"{r.slot:%H:%M}": (r.seats, r.left) for r in SlotCapacity.objects.filter(port=port, day=day)}


def test_closing_takes_every_free_seat_of_the_closed_days_and_keeps_booked_ones(port, planner):
    day = TODAY + dt.timedelta(days=3)
    with transaction.atomic():
        assert capacity_take(port_id=port.pk, day=day, slot=dt.time(8), seats=4)
    closure = closed(port, start=day, end=day + dt.timedelta(days=1), actor=planner)
    assert seats(port, day) == {"08:00": (4, 0)}  # the 10:00 slot had nobody: removed
    assert seats(port, day + dt.timedelta(days=1)) == {}
    assert closure.seats_withdrawn == 6 + 5 + 15
    event = AuditEvent.objects.get(action="port.closed")
    assert event.data == {
        "port": "SYS",
        "start": day.isoformat(),
        "end": (day + dt.timedelta(days=1)).isoformat(),
        "reason": "Flooding on the bridge",
        "horizon_days": 7,
        "any_port": False,
        "seats_withdrawn": 26,
    }
    assert seats(port, day + dt.timedelta(days=2)) == {"08:00": (10, 10), "10:00": (5, 5)}  # untouched


@pytest.mark.parametrize(
    ("start", "end", "reason", "horizon", "field"),
    [
        (TODAY - dt.timedelta(days=1), TODAY, "Storm", 7, "start"),
        (TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=2), "Storm", 7, "end"),
        (TODAY, TODAY + dt.timedelta(days=92), "Storm", 7, "end"),
        (TODAY, TODAY, "   ", 7, "reason"),
        (TODAY, TODAY, "Storm", 0, "horizon_days"),
        (TODAY, TODAY, "Storm", 61, "horizon_days"),
    ],
)
def test_a_closure_that_cannot_be_is_refused_on_its_field(port, planner, start, end, reason, horizon, field):
    with pytest.raises(InvalidClosure) as refused:
        closed(port, start=start, end=end, reason=reason, horizon_days=horizon, actor=planner)
    assert refused.value.field == field
    assert not PortClosure.objects.exists()


def test_days_already_closed_cannot_be_closed_again_and_only_planners_close(port, planner):
    closed(port, start=TODAY + dt.timedelta(days=2), end=TODAY + dt.timedelta(days=4), actor=planner)
    with pytest.raises(ClosureOverlap):
        closed(port, start=TODAY + dt.timedelta(days=4), end=TODAY + dt.timedelta(days=6), actor=planner)
    officer = staff_actor(StaffFactory.create(role="officer", port=port))
    with pytest.raises(PermissionDenied):
        closed(port, start=TODAY + dt.timedelta(days=8), actor=officer)


def test_a_closed_day_gets_no_seats_by_hand_nor_from_the_weekly_template(port, planner):
    day = TODAY + dt.timedelta(days=2)
    closed(port, start=day, actor=planner)
    with pytest.raises(InvalidCapacity):
        capacity_day_set(port=port, day=day, slots={dt.time(8): 10}, actor=planner)
    capacity_template_apply(port=port, start=day, end=day, actor=planner)
    assert seats(port, day) == {}


def test_closing_queues_the_rebooking_job_when_it_commits(port, planner, django_capture_on_commit_callbacks):
    from procrastinate.contrib.django.models import ProcrastinateJob

    with django_capture_on_commit_callbacks(execute=True):
        closure = closed(port, start=TODAY + dt.timedelta(days=2), actor=planner)
    job = ProcrastinateJob.objects.get(task_name="appointments.rebook")
    assert job.args == {"closure_id": closure.pk}


def test_reopening_gives_back_the_template_seats_of_days_whose_draw_has_not_run(port, planner, frozen_clock):
    first = TODAY + dt.timedelta(days=2)
    closure = closed(port, start=first, end=first + dt.timedelta(days=2), actor=planner)
    # The draw of the middle day froze already: its capacity is fixed, reopening leaves it.
    Draw.objects.create(
        draw_id="x",
        appointment_date=first + dt.timedelta(days=1),
        status="frozen",
        reserve_percent=10,
        confirm_hours=23,
        group_size_limit=8,
        time_zone="America/Tijuana",
        opens_at=frozen_clock.now() - dt.timedelta(days=1),
        closes_at=frozen_clock.now(),
        commitment="0" * 64,
        seed_sealed="x",
        entries_sha256="1" * 64,
        frozen_at=frozen_clock.now(),
        created_at=frozen_clock.now(),
    )
    port_reopen(closure=closure, actor=planner)
    assert seats(port, first) == {"08:00": (10, 10), "10:00": (5, 5)}
    assert seats(port, first + dt.timedelta(days=1)) == {}
    assert seats(port, first + dt.timedelta(days=2)) == {"08:00": (10, 10), "10:00": (5, 5)}
    event = AuditEvent.objects.get(action="port.reopened")
    assert event.data["days_restored"] == [first.isoformat(), (first + dt.timedelta(days=2)).isoformat()]
    with pytest.raises(ClosureStateError):
        port_reopen(closure=closure, actor=planner)
    # Open again: the day takes seats by hand as before.
    capacity_day_set(port=port, day=first, slots={dt.time(8): 12}, actor=planner)
