"""The demo's data (`make demo` loads it through `cita.demo.load.demo_load`): every part each role is shown,
loaded once, nothing added by a second run, at any hour of the day, and whole after an interrupted run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

import cita.demo.draws as demo_draws
import cita.demo.load as demo_load_module
from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.selectors import officer_manifest
from cita.core import clock
from cita.core.crypto import blind_index
from cita.core.days import reference_today, today_in
from cita.demo.load import demo_load, demo_logins
from cita.draws.models import Draw, DrawStatus, Offer, OfferState
from cita.draws.selectors import draw_open_now
from cita.ports.models import Port
from cita.registrations.models import Applicant, Shelter
from cita.staff.models import User
from cita.staff.services.signin import staff_actor
from tests.factories.clock import INSTANTS, REPORTED, tijuana

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
# Enough groups for every part of the day (offers confirmed and declined, second chances, a Spanish-speaking
# group with a pass at a port whose day it is): the full 6,000 are loaded once, below.
FEW = 80


@pytest.fixture
def home(monkeypatch, tmp_path):
    """The demo's local files (logins) in a folder of the test's own."""
    monkeypatch.setenv("CITA_HOME", str(tmp_path))
    return tmp_path


def counts() -> tuple[int, ...]:
    """What a second run must not add to."""
    return (
        Appointment.objects.count(),
        Draw.objects.count(),
        User.objects.count(),
        Applicant.objects.count(),
        Port.objects.count(),
    )


def assert_a_full_day(*, now: dt.datetime, entries: int) -> None:
    """What every role is shown: a published draw with appointments today, its second chances, an open
    window, the officer's manifest, and a named applicant with a pass for today at their port."""
    today = reference_today(now=now)
    assert Port.objects.filter(active=True).count() == 8
    assert Shelter.objects.exists()
    logins = {role: user for role, user, _ in demo_logins()}
    assert set(logins) == {"admin", "planner", "officer", "ngo", "auditor", "applicant"}
    done = Draw.objects.get(round=1, status=DrawStatus.PUBLISHED, appointment_date=today)
    assert (done.entries_count or 0) >= entries
    assert Offer.objects.filter(draw=done, state=OfferState.CONFIRMED).exists()
    assert Offer.objects.filter(draw=done, state=OfferState.DECLINED).exists()
    # Its second chances ran up to the appointment day.
    assert Draw.objects.filter(first=done, status=DrawStatus.PUBLISHED).exists()
    assert not Draw.objects.filter(first=done, status__in=(DrawStatus.OPEN, DrawStatus.FROZEN)).exists()
    # The demo's window (noon to noon) is open at every hour, and applicants can ask in it now.
    assert draw_open_now(now=now) is not None
    # The officer of San Ysidro has today's groups to check in.
    officer = User.objects.get(username="officer.sys")
    manifest = officer_manifest(actor=staff_actor(officer))
    assert manifest.day == today_in(manifest.port.tz, now=now) == today
    assert manifest.rows
    # The applicant the demo names holds a pass for today, today at their port.
    holder = Applicant.objects.get(phone_index=blind_index(logins["applicant"], purpose="phone"))
    appointment = Appointment.objects.select_related("port").get(
        applicant=holder, state=AppointmentState.SCHEDULED
    )
    assert appointment.day == today_in(appointment.port.tz, now=now)


def test_the_demo_loads_a_full_day_of_six_thousand_groups_once(home, frozen_clock) -> None:
    # The hour a new user saw an empty draw: 23:27 in Tijuana, already the next day in UTC.
    frozen_clock.set(REPORTED)
    # Statistics taken while the tables were empty (as autovacuum takes them after earlier tests): the
    # planner must not be left believing they still are once thousands of groups are loaded.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    demo_load()
    assert_a_full_day(now=REPORTED, entries=5000)
    done = Draw.objects.get(round=1, status=DrawStatus.PUBLISHED)
    assert Offer.objects.filter(draw=done, state=OfferState.CONFIRMED).count() > 100
    assert Draw.objects.filter(first=done, status=DrawStatus.PUBLISHED, selected_count__gt=0).exists()
    before = counts()
    frozen_clock.advance(minutes=5)
    demo_load()
    assert counts() == before


@pytest.mark.parametrize("at", INSTANTS.values(), ids=INSTANTS.keys())
def test_the_demo_loads_a_full_day_at_any_hour_and_a_second_run_adds_nothing(home, frozen_clock, at) -> None:
    frozen_clock.set(at)
    demo_load(groups=FEW)
    assert_a_full_day(now=at, entries=FEW)
    before = counts()
    frozen_clock.advance(minutes=1)
    demo_load(groups=FEW)
    assert counts() == before


def test_a_second_run_after_midnight_makes_the_new_day(home, frozen_clock) -> None:
    frozen_clock.set(tijuana(2026, 12, 2, 23, 58))
    demo_load(groups=FEW)
    frozen_clock.set(tijuana(2026, 12, 3, 0, 2))
    demo_load(groups=FEW)
    assert_a_full_day(now=frozen_clock.now(), entries=FEW)
    # Yesterday's draw stays as it was, beside today's.
    assert Draw.objects.filter(round=1, status=DrawStatus.PUBLISHED).count() == 2
    before = counts()
    demo_load(groups=FEW)
    assert counts() == before


class Interrupt(BaseException):
    """Ctrl-C in the middle of a step (a BaseException, as KeyboardInterrupt is)."""


# Where a first run may be stopped: each step of the load, and the middle of the long ones.
POINTS = [
    (demo_load_module, "shelters_load", 1),
    (demo_load_module, "staff_load", 1),
    (demo_draws, "groups_load", 1),
    (demo_draws, "_requests_load", 1),
    (demo_draws, "draw_close", 1),
    (demo_draws, "offer_confirm", 10),
    (demo_draws, "offers_expire_due", 1),
    (demo_draws, "draws_close_due", 1),
    (demo_draws, "draw_open_due", 1),
    (demo_load_module, "file_write_private", 1),
]


@pytest.mark.parametrize(("module", "name", "call"), POINTS, ids=[f"{n}#{c}" for _, n, c in POINTS])
def test_a_run_stopped_anywhere_is_completed_by_the_next(home, frozen_clock, monkeypatch, module, name, call):
    frozen_clock.set(REPORTED)
    real = getattr(module, name)
    calls = 0

    def stopped(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == call:
            raise Interrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, stopped)
    with pytest.raises(Interrupt):
        demo_load(groups=FEW)
    monkeypatch.setattr(module, name, real)
    assert clock.now() == REPORTED  # the demo's own frozen clock was put back
    frozen_clock.advance(minutes=1)
    demo_load(groups=FEW)
    assert_a_full_day(now=frozen_clock.now(), entries=FEW)
    before = counts()
    demo_load(groups=FEW)
    assert counts() == before
