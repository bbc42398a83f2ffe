"""Issue 15, item 10: the officer types the pass's short code, searches the manifest, and confirms a
check-in long before the slot; exactly-once check-in still holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from cita.appointments.models import AppointmentState
from cita.appointments.passes import pass_short_code
from cita.audit.models import AuditEvent
from cita.ports.models import Port
from tests.conftest import csrf_post, sign_in_staff
from tests.factories.draws import appointments_made, port_with_slots
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

# 2026-12-15 at SYS (America/Los_Angeles): 09:00 is after the 08:00 slot, 05:00 three hours before it.
MORNING = dt.datetime(2026, 12, 15, 17, 0, tzinfo=dt.UTC)
EARLY = dt.datetime(2026, 12, 15, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def day(frozen_clock):
    appointments = appointments_made(frozen_clock, count=2, size=2, names=["Rosa Luz", "Jean Baptiste"])
    frozen_clock.set(MORNING)
    return appointments


@pytest.fixture
def officer():
    return StaffFactory.create(role="officer", port=Port.objects.get(code="SYS"))


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    sign_in_staff(client, user)
    return client


def scan(client: Client, text: str, **extra: str):
    return csrf_post(client, "/staff/officer/scan", {"payload": text, **extra}, page="/staff/officer/")


def test_the_pass_shows_its_short_code_and_the_officer_checks_in_by_typing_it(day, officer, client):
    from tests.conftest import sign_in_applicant

    code = pass_short_code(day[0].pass_payload)
    sign_in_applicant(client, day[0].applicant)
    page = client.get(f"/appointments/{day[0].pk}/pass").content.decode()
    assert f"{code[:5]}-{code[5:]}" in page
    typed = f"{code[:5]} {code[5:]}".lower()
    response = scan(client_for(officer), typed)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/officer/appointments/{day[0].pk}/"
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.CHECKED_IN
    day[1].refresh_from_db()
    assert day[1].state == AppointmentState.SCHEDULED


def test_a_short_code_of_another_port_is_not_found_and_audited(day, officer, frozen_clock):
    other = StaffFactory.create(role="officer", port=port_with_slots("OTH", slots=[]))
    response = scan(client_for(other), pass_short_code(day[0].pass_payload))
    assert response.status_code == 409
    assert "No pass with this code at OTH today" in response.content.decode()
    assert AuditEvent.objects.filter(action="pass.refused", data__code="unknown_code").count() == 1
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.SCHEDULED


def test_wrong_short_codes_are_limited_per_officer(day, officer, settings):
    settings.CITA_OFFICER_CODE_LIMIT = 3
    client = client_for(officer)
    for wrong in ("AAAAA-AAAAA", "BBBBBBBBBB", "CCCCCCCCCC"):
        assert scan(client, wrong).status_code == 409
    response = scan(client, pass_short_code(day[0].pass_payload))
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.SCHEDULED
    # Another officer is not held back, and the full pass still works for this one.
    assert scan(client, day[0].pass_payload).status_code == 302


def test_the_manifest_finds_a_group_by_name_or_short_code(day, officer):
    client = client_for(officer)
    by_name = client.get("/staff/officer/", {"q": "rosa"}).content.decode()
    assert f"/staff/officer/appointments/{day[0].pk}/" in by_name
    assert f"/staff/officer/appointments/{day[1].pk}/" not in by_name
    assert 'method="get"' in by_name
    code = pass_short_code(day[1].pass_payload)
    by_code = client.get("/staff/officer/", {"q": f"{code[:5]}-{code[5:]}".lower()}).content.decode()
    assert f"/staff/officer/appointments/{day[1].pk}/" in by_code
    assert f"/staff/officer/appointments/{day[0].pk}/" not in by_code
    none = client.get("/staff/officer/", {"q": "Nobody"}).content.decode()
    assert "No group matches" in none
    # The counts stay those of the whole day.
    assert client.get("/staff/officer/", {"q": "rosa"}).context["manifest"].counts["groups"] == 2


def test_a_check_in_long_before_the_slot_asks_first_then_checks_in_once(day, officer, frozen_clock):
    frozen_clock.set(EARLY)  # 05:00, the slot is 08:00
    client = client_for(officer)
    response = scan(client, day[0].pass_payload)
    assert response.status_code == 200  # a question, not a refusal
    text = response.content.decode()
    assert "This group is early (slot 08:00). Check in anyway?" in text
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.SCHEDULED
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    assert token is not None
    confirm = {"payload": day[0].pass_payload, "early": "1", "csrfmiddlewaretoken": token.group(1)}
    assert client.post("/staff/officer/scan", confirm).status_code == 302
    again = client.post("/staff/officer/scan", confirm, follow=True).content.decode()
    assert "This pass was already used" in again
    day[0].refresh_from_db()
    assert day[0].state == AppointmentState.CHECKED_IN
    assert AuditEvent.objects.filter(action="appointment.checked_in", object_id=str(day[0].pk)).count() == 1


def test_checking_in_without_scanning_long_before_the_slot_also_asks(day, officer, frozen_clock, settings):
    frozen_clock.set(EARLY)
    client = client_for(officer)
    path = f"/staff/officer/appointments/{day[1].pk}/check-in"
    page = f"/staff/officer/appointments/{day[1].pk}/"
    text = csrf_post(client, path, page=page).content.decode()
    assert "This group is early (slot 08:00). Check in anyway?" in text
    day[1].refresh_from_db()
    assert day[1].state == AppointmentState.SCHEDULED
    assert csrf_post(client, path, {"early": "1"}, page=page).status_code == 302
    day[1].refresh_from_db()
    assert day[1].state == AppointmentState.CHECKED_IN
    # The threshold is a setting: with four hours, 05:00 for 08:00 is not early.
    settings.CITA_CHECKIN_EARLY_MINUTES = 240
    assert scan(client, day[0].pass_payload).status_code == 302
