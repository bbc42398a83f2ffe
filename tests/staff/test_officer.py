"""The officer console: today's manifest at the officer's port, check-in by scanning (exactly once), the
people of a group (their port, their day only), outcomes per member, flags, and the no-show job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from procrastinate.contrib.django import app

from cita.appointments.errors import AppointmentStateError, OutcomeRefused
from cita.appointments.models import Appointment, AppointmentState, MemberOutcome
from cita.appointments.services import appointments_mark_no_shows
from cita.appointments.services.officer import appointment_scan, outcomes_record
from cita.audit.models import AuditEvent
from cita.core.errors import PermissionDenied
from cita.draws.models import PriorityFlag
from cita.ports.models import Port
from tests.conftest import sign_in_staff
from tests.factories.draws import JOB, appointments_made, port_with_slots, staff_actor
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

# 2026-12-15 09:00 at SYS (America/Los_Angeles): the appointment day of the factories' draw.
MORNING = dt.datetime(2026, 12, 15, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def day(frozen_clock):
    """Two groups booked at SYS on 2026-12-15 (through the cycle), and the clock on that morning."""
    appointments = appointments_made(frozen_clock, count=2, size=3)
    frozen_clock.set(MORNING)
    return appointments


@pytest.fixture
def officer():
    return StaffFactory.create(
        role="officer", port=Port.objects.get(code="SYS"), first_name="Rosa", last_name="Mar"
    )


def client_for(user) -> Client:
    client = Client()
    sign_in_staff(client, user)
    return client


def test_the_manifest_lists_todays_groups_at_the_officers_port_with_counts(day, officer):
    page = client_for(officer).get("/staff/officer/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tuesday 2026-12-15" in text
    for appointment in day:
        assert f"/staff/officer/appointments/{appointment.pk}/" in text
    assert page.context["manifest"].counts == {
        "groups": 2,
        "people": 6,
        "waiting": 2,
        "checked_in": 0,
        "completed": 0,
        "no_show": 0,
        "people_checked_in": 0,
    }
    assert 'name="payload"' in text
    assert "autofocus" in text


def test_an_officer_of_another_port_sees_neither_the_groups_nor_their_people(day):
    other = StaffFactory.create(role="officer", port=port_with_slots("OTH", slots=[]))
    client = client_for(other)
    assert f"/staff/officer/appointments/{day[0].pk}/" not in client.get("/staff/officer/").content.decode()
    assert client.get(f"/staff/officer/appointments/{day[0].pk}/").status_code == 404


def test_people_are_shown_only_on_the_appointment_day(day, officer, frozen_clock):
    path = f"/staff/officer/appointments/{day[0].pk}/"
    assert client_for(officer).get(path).status_code == 200
    frozen_clock.set(MORNING + dt.timedelta(days=1))  # a fresh session each time: the clock jumps a day
    assert client_for(officer).get(path).status_code == 404
    frozen_clock.set(MORNING - dt.timedelta(days=1))
    assert client_for(officer).get(path).status_code == 404


def test_scanning_a_pass_checks_the_group_in_and_shows_its_people(day, officer):
    client = client_for(officer)
    response = client.post("/staff/officer/scan", {"payload": day[0].pass_payload + "\n"})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/officer/appointments/{day[0].pk}/"
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "Checked in: group of 3, slot 08:00." in text
    assert "Ana María Pérez López" in text  # the principal's name, decrypted for this officer today
    assert "Child 0" in text
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.CHECKED_IN
    assert day[0].checked_in_by == f"officer:{officer.pk}"


def test_a_second_scan_says_when_and_by_whom_the_pass_was_checked_in(day, officer):
    first = StaffFactory.create(role="officer", port=officer.port, first_name="Luis", last_name="Vega")
    client_for(first).post("/staff/officer/scan", {"payload": day[0].pass_payload})
    response = client_for(officer).post("/staff/officer/scan", {"payload": day[0].pass_payload}, follow=True)
    text = response.content.decode()
    assert (
        f"This pass was already used: checked in by Luis Vega (officer:{first.pk}) at 09:00 on 2026-12-15"
        in text
    )
    assert AuditEvent.objects.filter(action="appointment.checked_in", object_id=str(day[0].pk)).count() == 1
    assert AuditEvent.objects.filter(action="pass.rescanned", object_id=str(day[0].pk)).count() == 1


def test_a_pass_of_another_port_or_day_or_a_forged_one_is_refused_and_audited(day, officer, frozen_clock):
    other = StaffFactory.create(role="officer", port=port_with_slots("OTH", slots=[]))
    response = client_for(other).post("/staff/officer/scan", {"payload": day[0].pass_payload})
    assert response.status_code == 409
    assert "Refused" in response.content.decode()
    forged = day[0].pass_payload[:-6] + ("AAAAAA" if not day[0].pass_payload.endswith("AAAAAA") else "BBBBBB")
    assert client_for(officer).post("/staff/officer/scan", {"payload": forged}).status_code == 409
    frozen_clock.set(MORNING + dt.timedelta(days=1))
    assert (
        client_for(officer).post("/staff/officer/scan", {"payload": day[0].pass_payload}).status_code == 409
    )
    codes = list(
        AuditEvent.objects.filter(action="pass.refused").order_by("id").values_list("data__code", flat=True)
    )
    assert codes[0] == "other_port"
    assert codes[1] in ("bad_signature", "malformed")
    assert codes[2] == "other_date"
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.SCHEDULED


def test_outcomes_for_every_member_complete_the_appointment_and_are_audited(day, officer):
    actor = staff_actor(officer)
    appointment_scan(payload=day[0].pass_payload, actor=actor)
    members = day[0].members
    client = client_for(officer)
    response = client.post(
        f"/staff/officer/appointments/{day[0].pk}/outcomes",
        {f"member_{members[0]}": "processed_released", f"member_{members[1]}": "referred"},
    )
    assert response.status_code == 302
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.CHECKED_IN  # one person still without an outcome
    client.post(f"/staff/officer/appointments/{day[0].pk}/outcomes", {f"member_{members[2]}": "no_show"})
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.COMPLETED
    assert dict(MemberOutcome.objects.filter(appointment=day[0]).values_list("member_id", "outcome")) == {
        members[0]: "processed_released",
        members[1]: "referred",
        members[2]: "no_show",
    }
    # A correction the same day is kept, with the previous outcome in the audit log.
    client.post(f"/staff/officer/appointments/{day[0].pk}/outcomes", {f"member_{members[1]}": "detained"})
    corrected = AuditEvent.objects.get(action="outcome.corrected")
    assert corrected.data == {"member": members[1], "outcome": "detained", "previous": "referred"}
    assert AuditEvent.objects.filter(action="outcome.recorded").count() == 3
    assert AuditEvent.objects.filter(action="appointment.completed", object_id=str(day[0].pk)).count() == 1


def test_outcomes_are_refused_before_check_in_for_strangers_and_at_another_port(day, officer):
    actor = staff_actor(officer)
    with pytest.raises(AppointmentStateError):
        outcomes_record(appointment=day[0], outcomes={day[0].members[0]: "detained"}, actor=actor)
    appointment_scan(payload=day[0].pass_payload, actor=actor)
    with pytest.raises(OutcomeRefused):
        outcomes_record(appointment=day[0], outcomes={day[1].members[0]: "detained"}, actor=actor)
    with pytest.raises(OutcomeRefused):
        outcomes_record(appointment=day[0], outcomes={day[0].members[0]: "vanished"}, actor=actor)
    other = staff_actor(StaffFactory.create(role="officer", port=port_with_slots("OTH", slots=[])))
    with pytest.raises(PermissionDenied):
        outcomes_record(appointment=day[0], outcomes={day[0].members[0]: "detained"}, actor=other)
    assert not MemberOutcome.objects.exists()


def test_checking_in_without_a_scan_is_also_exactly_once(day, officer):
    client = client_for(officer)
    assert client.post(f"/staff/officer/appointments/{day[1].pk}/check-in").status_code == 302
    page = client.post(f"/staff/officer/appointments/{day[1].pk}/check-in", follow=True).content.decode()
    assert "This pass was already used" in page
    assert AuditEvent.objects.filter(action="appointment.checked_in", object_id=str(day[1].pk)).count() == 1


def test_an_officer_flags_a_group_as_urgent_with_a_reason_kept_out_of_the_audit_log(day, officer):
    response = client_for(officer).post(
        f"/staff/officer/appointments/{day[0].pk}/flag", {"reason": "Pregnant, due this week"}
    )
    assert response.status_code == 302
    flag = PriorityFlag.objects.get(applicant=day[0].applicant)
    assert (flag.kind, flag.reason, flag.created_by) == (
        "urgent",
        "Pregnant, due this week",
        f"officer:{officer.pk}",
    )
    event = AuditEvent.objects.get(action="priority.flagged")
    assert "Pregnant" not in str(event.data)
    assert (
        client_for(officer).post(f"/staff/officer/appointments/{day[0].pk}/flag", {"reason": ""}).status_code
        == 400
    )


def test_groups_never_checked_in_are_no_shows_after_their_day_with_an_outcome_per_member(day, officer):
    appointment_scan(payload=day[0].pass_payload, actor=staff_actor(officer))
    # 2026-12-16 00:15 at SYS: the day has ended there.
    marked = appointments_mark_no_shows(actor=JOB, now=dt.datetime(2026, 12, 16, 8, 15, tzinfo=dt.UTC))
    assert marked == 1
    missed = Appointment.objects.get(pk=day[1].pk)
    assert missed.state == AppointmentState.NO_SHOW
    assert sorted(
        MemberOutcome.objects.filter(appointment=missed).values_list("member_id", "outcome")
    ) == sorted((m, "no_show") for m in missed.members)
    event = AuditEvent.objects.get(action="appointment.no_show")
    assert event.data["members"] == list(missed.members)
    assert Appointment.objects.get(pk=day[0].pk).state == AppointmentState.CHECKED_IN  # it came


def test_the_no_show_job_runs_every_fifteen_minutes():
    app.perform_import_paths()
    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["appointments.no_shows"] == "*/15 * * * *"
    assert periodic["appointments.rebook_due"] == "*/5 * * * *"
    assert periodic["transparency.figures"] == "*/10 * * * *"
    assert "appointments.rebook" in app.tasks
