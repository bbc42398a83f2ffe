"""The public "Is this appointment real?" page (issue 14): valid, used, cancelled, moved or not found,
with the port and the day and never a name; limited per address; audited. Through the full middleware
(CSRF checks on)."""

from __future__ import annotations

import pytest
from django.test import Client

from cita.appointments.services import appointment_cancel
from cita.audit.models import AuditEvent
from tests.conftest import csrf_post
from tests.factories.draws import JOB, appointment_made

pytestmark = pytest.mark.django_db


def check(payload: str, *, ip: str = "127.0.0.1"):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    client.cookies["django_language"] = "en"
    return csrf_post(client, "/check", {"payload": payload})


def test_anyone_reads_that_appointments_are_free():
    page = Client().get("/check", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Appointments are free. cita never sells them, and nobody may sell them." in page
    assert "valid only for the people named on it" in page


def test_a_real_pass_is_valid_with_its_port_and_day_and_no_name(frozen_clock):
    appointment = appointment_made(frozen_clock, size=2)
    page = check(appointment.pass_payload.lower()).content.decode()
    assert "This appointment is valid." in page
    assert appointment.port.name in page
    assert 'datetime="2026-12-15"' in page
    assert "Ana María" not in page
    assert "Pérez" not in page
    assert AuditEvent.objects.filter(action="pass.public_check", data__result="valid").count() == 1


def test_an_altered_or_cancelled_pass_is_not_valid(frozen_clock):
    appointment = appointment_made(frozen_clock, size=2)
    payload = appointment.pass_payload
    altered = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    assert "We did not find this appointment." in check(altered).content.decode()
    appointment_cancel(appointment=appointment, reason="staff", actor=JOB)
    assert "This appointment was cancelled." in check(payload).content.decode()


def test_checks_are_limited_per_address(settings, frozen_clock):
    settings.CITA_PASS_CHECK_LIMIT = 2
    for _ in range(2):
        assert check("NOTAPASS", ip="10.5.5.5").status_code == 200
    refused = check("NOTAPASS", ip="10.5.5.5")
    assert refused.status_code == 429
    assert "You checked many passes in a short time." in refused.content.decode()
    assert check("NOTAPASS", ip="10.5.5.6").status_code == 200


def test_the_short_code_printed_on_the_pass_checks_it_too(frozen_clock):
    """Someone offered a "bought" appointment types the code printed on the pass (issue 14: "or types the
    short code"): any case, with or without the dash, O and I for 0 and 1."""
    appointment = appointment_made(frozen_clock, size=2)
    code = appointment.pass_code
    assert len(code) == 11
    assert code[5] == "-"
    typed = code.lower().replace("0", "o").replace("1", "i")
    page = check(typed).content.decode()
    assert "This appointment is valid." in page
    assert appointment.port.name in page
    assert "Pérez" not in page
    assert "We did not find this appointment." in check("ZZZZZ-ZZZZZ").content.decode()
    appointment_cancel(appointment=appointment, reason="staff", actor=JOB)
    assert "This appointment was cancelled." in check(code).content.decode()
