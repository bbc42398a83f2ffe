"""The demo's data (`make demo` loads it through `cita.demo.load.demo_load`): every part each role is shown,
loaded once, and nothing added by a second run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.selectors import officer_manifest
from cita.core.crypto import blind_index
from cita.demo.load import demo_load, demo_logins
from cita.draws.models import Draw, DrawStatus, Offer, OfferState
from cita.draws.selectors import reference_time_zone
from cita.ports.models import Port
from cita.registrations.models import Applicant, Shelter
from cita.staff.models import User
from cita.staff.services.signin import staff_actor

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_loads_a_full_day_once_with_appointments_today(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CITA_HOME", str(tmp_path))
    # Statistics taken while the tables were empty (as autovacuum takes them after earlier tests): the
    # planner must not be left believing they still are once thousands of groups are loaded.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    demo_load()
    today = dt.datetime.now(reference_time_zone()).date()

    assert Port.objects.filter(active=True).count() == 8
    assert Shelter.objects.exists()
    logins = {role: user for role, user, _ in demo_logins()}
    assert set(logins) == {"admin", "planner", "officer", "ngo", "auditor", "applicant"}
    done = Draw.objects.get(round=1, status=DrawStatus.PUBLISHED)
    assert (done.entries_count or 0) >= 5000
    assert done.appointment_date == today
    assert Offer.objects.filter(draw=done, state=OfferState.CONFIRMED).count() > 100
    assert Offer.objects.filter(draw=done, state=OfferState.DECLINED).exists()
    # Its second chances ran up to the appointment day: the seats declined or left to lapse were drawn again.
    assert Draw.objects.filter(first=done, status=DrawStatus.PUBLISHED, selected_count__gt=0).exists()
    assert not Draw.objects.filter(first=done, status__in=(DrawStatus.OPEN, DrawStatus.FROZEN)).exists()
    assert Draw.objects.filter(round=1, status=DrawStatus.OPEN).exists()
    # The officer of San Ysidro has today's groups to check in.
    officer = User.objects.get(username="officer.sys")
    manifest = officer_manifest(actor=staff_actor(officer))
    assert manifest.day == today
    assert len(manifest.rows) > 10
    # The applicant the demo names holds a pass for today.
    holder = Applicant.objects.get(phone_index=blind_index(logins["applicant"], purpose="phone"))
    assert Appointment.objects.filter(applicant=holder, day=today, state=AppointmentState.SCHEDULED).exists()

    counts = (Appointment.objects.count(), Draw.objects.count(), User.objects.count())
    demo_load()
    assert (Appointment.objects.count(), Draw.objects.count(), User.objects.count()) == counts
