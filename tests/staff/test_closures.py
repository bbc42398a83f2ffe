"""The planner's closure pages: form, preview of every affected group, confirm, the result after the job,
the plan as JSON, reopening; auditors read closures but change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cita.appointments.models import Appointment
from cita.appointments.rebook_plan import plan_compute, plan_to_json, sha256_of, snapshot_from_json
from cita.appointments.services.rebooking import closure_rebook
from cita.ports.models import PortClosure
from tests.conftest import sign_in_staff
from tests.factories.closures import Ask, booked, slots
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import JOB, port_with_slots
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    sign_in_staff(client, user)
    return client


@pytest.fixture
def three_groups(frozen_clock):
    sys_ = port_with_slots("SYS", slots=[("08:00", 20)], position=1)
    tij = port_with_slots("TIJ", slots=[], position=2)
    slots(tij, day=D + dt.timedelta(days=1), seats=[("08:00", 4)])
    booked(frozen_clock, [Ask(size=2, ports=["SYS", "TIJ"]) for _ in range(3)])
    return sys_


def form(port, **overrides):
    data = {
        "port": port.pk,
        "start": D.isoformat(),
        "end": D.isoformat(),
        "reason": "Bridge under repair",
        "horizon_days": "5",
    }
    data.update(overrides)
    return data


def test_the_preview_lists_every_affected_group_and_changes_nothing(three_groups):
    planner = client_for(StaffFactory.create(role="planner"))
    page = planner.post("/staff/closures/new", {**form(three_groups), "preview": ""})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="affected">3<' in text
    for appointment in Appointment.objects.all():
        assert f"Appointment {appointment.pk}" in text
    assert text.count("TIJ 2026-12-16 08:00") == 2  # four seats there: two groups of two
    assert "No place" in text
    assert "Close the port and rebook 3 groups" in text
    assert not PortClosure.objects.exists()
    assert Appointment.objects.filter(state="scheduled").count() == 3


def test_confirming_closes_the_port_and_the_result_page_shows_the_rebooking_once_the_job_ran(three_groups):
    planner = client_for(StaffFactory.create(role="planner"))
    response = planner.post("/staff/closures/new", {**form(three_groups), "confirm": ""})
    closure = PortClosure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/closures/{closure.pk}/"
    waiting = planner.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in waiting
    assert "rebooking waits for its job" in waiting

    closure_rebook(closure_id=closure.pk, actor=JOB)
    done = planner.get(f"/staff/closures/{closure.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in done
    assert 'id="groups">3<' in done
    assert 'id="placed">2<' in done
    assert 'id="escalated">1<' in done
    assert "The plan computed again from its snapshot is the stored plan." in done
    assert "Hashes match the audit log." in done
    for new in Appointment.objects.filter(rebooked_from__isnull=False):
        assert f"appointment {new.pk}" in done

    document = planner.get(f"/staff/closures/{closure.pk}/plan.json").json()
    assert sha256_of(document["snapshot"]) == document["snapshot_sha256"]
    assert (
        sha256_of(plan_to_json(plan_compute(snapshot_from_json(document["snapshot"]))))
        == document["plan_sha256"]
    )


def test_a_refused_closure_shows_the_error_on_its_field(three_groups):
    planner = client_for(StaffFactory.create(role="planner"))
    page = planner.post("/staff/closures/new", {**form(three_groups, end="2026-12-14"), "preview": ""})
    assert page.status_code == 200
    assert "The last day comes before the first." in page.content.decode()
    assert not PortClosure.objects.exists()


def test_auditors_read_closures_and_plans_but_cannot_close_or_reopen(three_groups):
    planner = client_for(StaffFactory.create(role="planner"))
    planner.post("/staff/closures/new", {**form(three_groups), "confirm": ""})
    closure = PortClosure.objects.get()
    closure_rebook(closure_id=closure.pk, actor=JOB)
    auditor = client_for(StaffFactory.create(role="auditor"))
    page = auditor.get(f"/staff/closures/{closure.pk}/").content.decode()
    assert "Reopen" not in page
    assert auditor.get(f"/staff/closures/{closure.pk}/plan.json").status_code == 200
    assert auditor.post(f"/staff/closures/{closure.pk}/reopen").status_code == 403
    assert auditor.post("/staff/closures/new", {**form(three_groups), "confirm": ""}).status_code == 403

    assert planner.post(f"/staff/closures/{closure.pk}/reopen").status_code == 302
    closure.refresh_from_db()
    assert closure.reopened_at is not None
