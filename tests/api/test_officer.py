"""Officers: check a scanned pass and check the group in at their own port today; the day's counts."""

from __future__ import annotations

import datetime as dt

import pytest

from cita.appointments.models import Appointment, AppointmentState
from cita.audit.models import AuditEvent
from tests.api.conftest import as_applicant, as_staff, problem
from tests.factories.draws import appointments_made, port_with_slots
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

# 2026-12-15 09:30 at the port (America/Los_Angeles, UTC-8): the day of the appointments.
ON_THE_DAY = dt.datetime(2026, 12, 15, 17, 30, tzinfo=dt.UTC)


@pytest.fixture
def day(frozen_clock):
    """Two appointments at SYS on 2026-12-15 (groups of 2), an officer there and one at ELP."""
    first, second = appointments_made(frozen_clock, count=2)
    other_port = port_with_slots("ELP", slots=[("08:00", 1)], position=1)
    frozen_clock.set(ON_THE_DAY)
    return {
        "appointments": (first, second),
        "officer": as_staff(StaffFactory.create(role="officer", port=first.port)),
        "other": as_staff(StaffFactory.create(role="officer", port=other_port)),
    }


def test_a_valid_pass_verifies_without_changing_anything(day):
    appointment = day["appointments"][0]
    body = day["officer"].post("/officer/passes/verify", {"payload": appointment.pass_payload}).json()
    assert body["ok"] is True
    assert body["code"] == "valid"
    assert body["appointment"]["id"] == appointment.pk
    assert body["appointment"]["group_size"] == 2
    assert body["appointment"]["state"] == "scheduled"
    assert "given_names" not in str(body)
    assert Appointment.objects.get(pk=appointment.pk).state == AppointmentState.SCHEDULED


def test_a_pass_is_refused_at_another_port_on_another_day_and_when_forged(day, frozen_clock):
    appointment = day["appointments"][0]
    elsewhere = day["other"].post("/officer/passes/verify", {"payload": appointment.pass_payload}).json()
    assert (elsewhere["ok"], elsewhere["code"]) == (False, "other_port")
    forged = appointment.pass_payload[:-6] + (
        "AAAAAA" if not appointment.pass_payload.endswith("AAAAAA") else "BBBBBB"
    )
    assert day["officer"].post("/officer/passes/verify", {"payload": forged}).json()["ok"] is False
    garbage = day["officer"].post("/officer/passes/verify", {"payload": "hello"}).json()
    assert (garbage["ok"], garbage["code"], garbage["appointment"]) == (False, "malformed", None)
    frozen_clock.set(ON_THE_DAY + dt.timedelta(days=1))
    officer = as_staff(StaffFactory.create(role="officer", port=appointment.port))  # the others timed out
    late = officer.post("/officer/passes/verify", {"payload": appointment.pass_payload}).json()
    assert (late["ok"], late["code"]) == (False, "other_date")


def test_check_in_happens_once_and_the_second_scan_is_refused_with_its_reason(day):
    appointment = day["appointments"][0]
    officer = day["officer"]
    done = officer.post("/officer/passes/check-in", {"payload": appointment.pass_payload})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "checked_in"
    assert done.json()["checked_in_by"].startswith("officer:")
    again = problem(
        officer.post("/officer/passes/check-in", {"payload": appointment.pass_payload}), 409, "pass_refused"
    )
    assert again["reason"] == "checked_in"
    assert again["field"] == "payload"
    assert "already checked in by officer:" in again["detail"]
    elsewhere = problem(
        day["other"].post("/officer/passes/check-in", {"payload": day["appointments"][1].pass_payload}),
        409,
        "pass_refused",
    )
    assert elsewhere["reason"] == "other_port"
    assert AuditEvent.objects.filter(action="appointment.checked_in").count() == 1
    problem(officer.post("/officer/passes/check-in", {"payload": ""}), 422, "invalid_input")
    problem(
        officer.post("/officer/passes/check-in", {"payload": appointment.pass_payload}, csrf=False),
        403,
        "csrf_failed",
    )


def test_the_manifest_counts_the_officers_own_port_by_state(day):
    first, _second = day["appointments"]
    day["officer"].post("/officer/passes/check-in", {"payload": first.pass_payload})
    counts = day["officer"].get("/officer/manifest").json()
    assert (counts["port"], counts["day"]) == ("SYS", "2026-12-15")
    assert (counts["appointments"], counts["people"]) == (2, 4)
    assert counts["appointments_by_state"] == {
        "scheduled": 1,
        "checked_in": 1,
        "completed": 0,
        "cancelled": 0,
        "rebooked": 0,
        "no_show": 0,
    }
    assert counts["people_by_state"]["checked_in"] == 2
    assert day["officer"].get("/officer/manifest", day="2026-12-16").json()["appointments"] == 0
    assert day["other"].get("/officer/manifest").json()["appointments"] == 0
    problem(day["officer"].get("/officer/manifest", day="tomorrow"), 422, "invalid_input")


def test_officer_operations_are_for_officers_only(day):
    payload = {"payload": day["appointments"][0].pass_payload}
    problem(
        as_applicant(day["appointments"][0].applicant).post("/officer/passes/verify", payload),
        403,
        "forbidden",
    )
    problem(as_staff(StaffFactory.create(role="planner")).get("/officer/manifest"), 403, "forbidden")
