"""The planner's draw policy: versions by effective time, ranges, who may set it, what draws record."""

from __future__ import annotations

import datetime as dt

import pytest

from cita.audit.models import AuditEvent
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.draws.models import Draw
from cita.draws.services import draw_open
from cita.policy.errors import InvalidPolicy
from cita.policy.selectors import policy_current
from cita.policy.services import policy_set
from cita.registrations.selectors import group_size_limit
from tests.factories.draws import JOB, WINDOW_OPENS
from tests.factories.ports import PortFactory

PLANNER = Actor(role=Role.PLANNER, user_id=7)


def values(**overrides):
    base = {
        "window_opens": dt.time(9, 0),
        "window_closes": dt.time(20, 0),
        "horizon_days": 10,
        "reserve_percent": 20,
        "confirm_hours": 12,
        "group_size_limit": 6,
    }
    return base | overrides


@pytest.mark.django_db
def test_without_a_stored_policy_the_defaults_hold(frozen_clock, settings):
    current = policy_current()
    assert (current.window_opens, current.window_closes) == (dt.time(12), dt.time(11))
    assert (current.horizon_days, current.reserve_percent, current.confirm_hours) == (14, 10, 23)
    assert current.group_size_limit == settings.CITA_GROUP_SIZE_LIMIT == group_size_limit()


@pytest.mark.django_db
def test_a_policy_takes_effect_at_its_time_and_draws_record_the_values_they_used(frozen_clock):
    start = WINDOW_OPENS + dt.timedelta(days=1) - dt.timedelta(hours=8)  # 2026-12-02 04:00 Tijuana
    frozen_clock.set(WINDOW_OPENS - dt.timedelta(hours=1))
    row = policy_set(effective_from=start, actor=PLANNER, **values())
    event = AuditEvent.objects.get(action="draw_policy.set")
    assert event.actor == "planner:7"
    assert event.data["group_size_limit"] == 6
    frozen_clock.set(WINDOW_OPENS)
    assert policy_current().policy is None
    assert group_size_limit() == 8
    today = draw_open(day=dt.date(2026, 12, 1), actor=JOB)
    assert (today.reserve_percent, today.appointment_date) == (10, dt.date(2026, 12, 15))
    # The new policy: window 09:00 to 20:00 the same day, 10 days ahead.
    frozen_clock.set(dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC))  # 09:00 in Tijuana
    assert policy_current().policy == row
    assert group_size_limit() == 6
    tomorrow = draw_open(day=dt.date(2026, 12, 2), actor=JOB)
    assert tomorrow.policy == row
    assert (tomorrow.reserve_percent, tomorrow.confirm_hours, tomorrow.group_size_limit) == (20, 12, 6)
    assert tomorrow.appointment_date == dt.date(2026, 12, 12)
    assert tomorrow.closes_at == dt.datetime(2026, 12, 3, 4, 0, tzinfo=dt.UTC)  # 20:00 Tijuana
    # The draw opened before keeps what it opened with.
    today.refresh_from_db()
    assert today.reserve_percent == 10
    assert Draw.objects.count() == 2


@pytest.mark.django_db
def test_a_policy_cannot_start_in_the_past(frozen_clock):
    with pytest.raises(InvalidPolicy, match="from now on"):
        policy_set(effective_from=frozen_clock.now() - dt.timedelta(seconds=1), actor=PLANNER, **values())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        {"reserve_percent": 101},
        {"horizon_days": 0},
        {"confirm_hours": 0},
        {"group_size_limit": 0},
        {"horizon_days": 1, "confirm_hours": 23},
        {"window_opens": dt.time(9, 0, 30)},
    ],
)
def test_values_out_of_range_are_refused(frozen_clock, bad):
    with pytest.raises(InvalidPolicy):
        policy_set(effective_from=frozen_clock.now(), actor=PLANNER, **values(**bad))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.NGO, Role.AUDITOR, Role.APPLICANT])
def test_only_planners_and_admins_set_the_policy(frozen_clock, role):
    with pytest.raises(PermissionDenied):
        policy_set(effective_from=frozen_clock.now(), actor=Actor(role=role, user_id=1), **values())


@pytest.mark.django_db
def test_a_window_with_equal_times_lasts_a_day(frozen_clock):
    policy_set(
        effective_from=frozen_clock.now(),
        actor=PLANNER,
        **values(window_opens=dt.time(12), window_closes=dt.time(12)),
    )
    opens, closes = policy_current(at=WINDOW_OPENS).window(dt.date(2026, 12, 1))
    assert closes - opens == dt.timedelta(days=1)


@pytest.mark.django_db
def test_a_deadline_that_would_end_on_the_appointment_day_is_refused(frozen_clock):
    """Window 12:00 to 11:00 the next day, 23 hours to confirm: the offers of day D run until D+2 at 10:00,
    so appointments two days ahead would be offered on their own day (the hours alone looked fine)."""
    late = values(window_opens=dt.time(12), window_closes=dt.time(11), horizon_days=2, confirm_hours=23)
    with pytest.raises(InvalidPolicy, match="appointment day"):
        policy_set(effective_from=frozen_clock.now(), actor=PLANNER, **late)
    # A day more leaves the deadline (D+2 10:00 in Tijuana) before the day begins at every port.
    policy_set(effective_from=frozen_clock.now(), actor=PLANNER, **(late | {"horizon_days": 3}))


@pytest.mark.django_db
def test_the_deadline_must_end_before_the_day_begins_at_the_ports_east_of_the_reference_zone(frozen_clock):
    """Laredo's day begins two hours before Tijuana's: a deadline at 23:00 Tijuana time is already the
    appointment day there."""
    PortFactory.create(code="LAR", time_zone="America/Chicago")
    late = values(window_opens=dt.time(8), window_closes=dt.time(22), horizon_days=2, confirm_hours=25)
    with pytest.raises(InvalidPolicy, match="appointment day"):
        policy_set(effective_from=frozen_clock.now(), actor=PLANNER, **late)
    # 24 hours would end at Laredo's midnight exactly, but an hour later on the day clocks go forward.
    policy_set(effective_from=frozen_clock.now(), actor=PLANNER, **(late | {"confirm_hours": 23}))
