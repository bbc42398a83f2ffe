"""The daily cycle is right whatever the instant: a group that comes at any hour of the day (and at both
daylight-saving changes, midnight UTC, the end of a month and of a year) asks in the right window, hears
its result, is reminded before its deadline, is drawn again by a second chance, and has its appointment
on the right day at each port: the officer's manifest, check-in, the reminder of the day before, no-shows
and retention all turn over at that port's own midnight.

Every step runs through `cycle_run_due` (what the periodic jobs run) or the service a person calls.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import hypothesis.strategies as st
import pytest
from django.db.models import Q
from hypothesis import given

from cita.appointments.errors import WrongPortOrDay
from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.selectors import officer_manifest
from cita.appointments.services import (
    appointment_check_in,
    appointments_mark_no_shows,
    appointments_remind_day_before,
)
from cita.appointments.services.offers import offer_confirm, offer_decline
from cita.appointments.services.run import cycle_run_due
from cita.core.days import day_start, reference_time_zone, reference_today, today_in
from cita.draws.errors import WindowClosed
from cita.draws.models import Draw, Offer, OfferState, RequestState
from cita.draws.selectors import draw_open_now, window_next
from cita.draws.services import request_submit
from cita.notifications.models import Notice, NoticeKind
from cita.policy.selectors import PolicyValues, policy_defaults
from cita.registrations.retention import cases_closed
from tests.conftest import sign_in_applicant
from tests.factories.clock import INSTANTS, tijuana
from tests.factories.draws import JOB, port_with_slots
from tests.factories.registrations import actor_for, registered_group
from tests.factories.staff import StaffFactory, actor_of

# One port in each of three zones: Pacific (the reference zone's clock), Mountain and Central.
PORTS = {"SYS": "America/Los_Angeles", "ELP": "America/Denver", "LAR": "America/Chicago"}
GROUPS = 6


def windows_around(now: dt.datetime, values: PolicyValues) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """Every window of the days around `now` (reference zone), by brute force: (day, opens, closes)."""
    today = reference_today(now=now)
    return [(day, *values.window(day)) for day in (today + dt.timedelta(days=n) for n in range(-3, 3))]


def window_at(now: dt.datetime) -> tuple[dt.date, dt.datetime, dt.datetime] | None:
    """The window of the default policy open at `now`, if any."""
    found = [w for w in windows_around(now, policy_defaults()) if w[1] <= now < w[2]]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.django_db
@pytest.mark.parametrize("at", INSTANTS.values(), ids=INSTANTS.keys())
def test_a_group_arriving_at_any_instant_goes_through_the_whole_cycle_on_the_right_days(
    frozen_clock, client, at
):
    frozen_clock.set(at)
    window = window_at(at)
    # 1. The window: the job opens it if its hours say so now, otherwise the next one, which pages announce.
    assert cycle_run_due(actor=JOB) == ([f"opened {window[0]}"] if window else [])
    first = registered_group(language="fr")
    sign_in_applicant(client, first)
    assert client.get("/draw/").status_code == 200
    if window is None:
        assert draw_open_now() is None
        with pytest.raises(WindowClosed):
            request_submit(applicant=first, ports=list(PORTS), actor=actor_for(first))
        opens, closes = window_next()
        assert opens > at
        assert opens - at < dt.timedelta(hours=24)
        window = (reference_today(now=opens), opens, closes)
        assert window == (opens.astimezone(reference_time_zone()).date(), *window[1:])
        frozen_clock.set(opens)
        assert cycle_run_due(actor=JOB) == [f"opened {window[0]}"]
    day, opens, closes = window
    draw = draw_open_now()
    assert draw is not None
    assert (draw.draw_id, draw.opens_at, draw.closes_at) == (day.isoformat(), opens, closes)
    appointment_day = day + dt.timedelta(days=14)
    assert draw.appointment_date == appointment_day
    for position, (code, zone) in enumerate(PORTS.items()):
        port_with_slots(code, slots=[("08:00", 1)], day=appointment_day, position=position, time_zone=zone)

    # 2. Requests: each group waits from the reference zone's today, whatever the UTC date says.
    groups = [first] + [registered_group() for _ in range(GROUPS - 1)]
    codes = list(PORTS)
    for n, group in enumerate(groups):
        request = request_submit(
            applicant=group, ports=codes[n % 3 :] + codes[: n % 3], actor=actor_for(group)
        )
        assert request.waiting_since == reference_today()
    assert client.get("/draw/").status_code == 200

    # 3. The draw runs at the close, not a minute before.
    frozen_clock.set(closes - dt.timedelta(minutes=1))
    assert cycle_run_due(actor=JOB) == []
    frozen_clock.set(closes)
    assert f"{day}: published" in cycle_run_due(actor=JOB)
    offers = list(Offer.objects.filter(draw__draw_id=day.isoformat()).order_by("order"))
    assert len(offers) == 3
    deadline = closes + dt.timedelta(hours=23)
    assert {o.deadline for o in offers} == {deadline}
    assert client.get("/draw/").status_code == 200

    # 4. The reminder goes out six hours before the deadline, once.
    frozen_clock.set(deadline - dt.timedelta(hours=6, minutes=1))
    cycle_run_due(actor=JOB)
    assert not Notice.objects.filter(kind=NoticeKind.DEADLINE_REMINDER).exists()
    frozen_clock.set(deadline - dt.timedelta(hours=6))
    cycle_run_due(actor=JOB)
    assert Notice.objects.filter(kind=NoticeKind.DEADLINE_REMINDER).count() == 3

    # 5. One confirms, one declines, one lets the deadline pass: the second chance draws their seats then.
    offer_confirm(offer=offers[0], actor=actor_for(offers[0].applicant))
    offer_decline(offer=offers[1], actor=actor_for(offers[1].applicant))
    frozen_clock.set(deadline - dt.timedelta(minutes=1))
    cycle_run_due(actor=JOB)
    assert Offer.objects.get(pk=offers[2].pk).state == OfferState.OPEN
    frozen_clock.set(deadline)
    done = cycle_run_due(actor=JOB)
    assert "expired 1 offers" in done
    assert f"{day}-2: published" in done
    second = list(Offer.objects.filter(draw__draw_id=f"{day}-2"))
    assert len(second) == 2
    for offer in second:
        offer_confirm(offer=offer, actor=actor_for(offer.applicant))
    never = [g for g in groups if not Offer.objects.filter(applicant=g).exists()]
    assert len(never) == 1
    assert never[0].requests.get().state == RequestState.NOT_SELECTED

    # 6. Every appointment is on the draw's appointment day, one at each port.
    appointments = list(Appointment.objects.select_related("port").order_by("id"))
    assert {a.port.code for a in appointments} == set(PORTS)
    assert {a.day for a in appointments} == {appointment_day}
    # No round's offers can be confirmed once the day has begun at any port (Laredo's begins first).
    rounds = Draw.objects.filter(Q(draw_id=day.isoformat()) | Q(first__draw_id=day.isoformat()))
    laredo_day = day_start(appointment_day, zoneinfo.ZoneInfo(PORTS["LAR"]))
    for row in rounds:
        assert (row.deadline or row.closes_at + dt.timedelta(hours=23)) <= laredo_day

    # 7. Retention: the group never drawn keeps its case open until the appointment day begins.
    frozen_clock.set(day_start(appointment_day, reference_time_zone()) - dt.timedelta(minutes=1))
    assert not cases_closed(now=frozen_clock.now()).filter(pk=never[0].pk).exists()
    frozen_clock.set(day_start(appointment_day, reference_time_zone()))
    assert cases_closed(now=frozen_clock.now()).filter(pk=never[0].pk).exists()

    # 8. At each port, the day turns over at the port's own midnight (the ports east of Tijuana first: the
    # jobs serve every port at once).
    for appointment in sorted(appointments, key=lambda a: day_start(appointment_day, a.port.tz)):
        port, tz = appointment.port, appointment.port.tz
        officer = actor_of(StaffFactory.create(role="officer", port=port))
        eve, begins = day_start(appointment_day - dt.timedelta(days=1), tz), day_start(appointment_day, tz)
        ends = day_start(appointment_day + dt.timedelta(days=1), tz)
        # The reminder of the day before: on that day at the port, not before.
        appointments_remind_day_before(actor=JOB, now=eve - dt.timedelta(minutes=1))
        appointment.refresh_from_db()
        assert appointment.day_before_sent_at is None
        appointments_remind_day_before(actor=JOB, now=eve)
        appointment.refresh_from_db()
        assert appointment.day_before_sent_at == eve
        # The manifest and check-in: today at the port, not yet a minute before its midnight.
        frozen_clock.set(begins - dt.timedelta(minutes=1))
        manifest = officer_manifest(actor=officer)
        assert manifest.day == appointment_day - dt.timedelta(days=1)
        assert appointment.pk not in {row.appointment.pk for row in manifest.rows}
        with pytest.raises(WrongPortOrDay):
            appointment_check_in(appointment=appointment, actor=officer)
        frozen_clock.set(begins)
        manifest = officer_manifest(actor=officer)
        assert manifest.day == today_in(tz) == appointment_day
        assert appointment.pk in {row.appointment.pk for row in manifest.rows}
        # No-show: once the day has ended at the port, not a minute before.
        appointments_mark_no_shows(actor=JOB, now=ends - dt.timedelta(minutes=1))
        appointment.refresh_from_db()
        assert appointment.state == AppointmentState.SCHEDULED
        appointments_mark_no_shows(actor=JOB, now=ends)
        appointment.refresh_from_db()
        assert appointment.state == AppointmentState.NO_SHOW
    sign_in_applicant(client, first)
    assert client.get("/draw/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "at", [tijuana(2026, 12, 15, 0), tijuana(2026, 12, 15, 20), tijuana(2026, 12, 15, 23, 59)], ids=str
)
def test_checking_in_works_all_day_at_the_port_and_only_that_day(frozen_clock, at):
    """A group checked in at any hour of its day at the port (20:00 in Tijuana is already tomorrow in UTC)."""
    from tests.factories.draws import appointment_made

    appointment = appointment_made(frozen_clock)
    officer = actor_of(StaffFactory.create(role="officer", port=appointment.port))
    frozen_clock.set(at)
    assert appointment_check_in(appointment=appointment, actor=officer).state == AppointmentState.CHECKED_IN


instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(dt.UTC)
)
wall_times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(now=instants, opens=wall_times, closes=wall_times)
def test_the_window_of_the_moment_is_found_among_yesterday_and_today(now, opens, closes):
    """Whatever the policy's hours, the window open at an instant (if any) is the window of today or of
    yesterday in the reference zone: the two days the opening job looks at."""
    values = PolicyValues(
        window_opens=opens,
        window_closes=closes,
        horizon_days=14,
        reserve_percent=10,
        confirm_hours=23,
        group_size_limit=8,
    )
    containing = [w for w in windows_around(now, values) if w[1] <= now < w[2]]
    assert len(containing) <= 1
    today = reference_today(now=now)
    for day, _, _ in containing:
        assert day in (today - dt.timedelta(days=1), today)
