"""The printable pass, its QR code, cancelling from the pass page, and the public keys."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from cita.appointments.models import AppointmentState
from cita.appointments.passes import keys_from_document, pass_check
from tests.conftest import sign_in_applicant
from tests.factories.draws import appointment_made
from tests.factories.registrations import registered_group


@pytest.fixture
def signed_in(db, frozen_clock, client):
    appointment = appointment_made(frozen_clock)
    sign_in_applicant(client, appointment.applicant)
    return appointment


def test_the_pass_page_shows_the_qr_code_place_and_time_in_the_groups_language(signed_in, client):
    page = client.get(f"/appointments/{signed_in.pk}/pass")
    text = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    assert "<svg" in text
    assert "Pase de cita" in text
    assert signed_in.port.name in text
    assert signed_in.port.address in text
    assert "15/12/2026" in text
    assert "08:00" in text
    assert signed_in.pass_payload in text


def test_the_qr_png_is_an_image(signed_in, client):
    response = client.get(f"/appointments/{signed_in.pk}/pass.png")
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size[0] == image.size[1] >= 300


def test_another_groups_pass_is_not_found(signed_in, client):
    other = registered_group()
    sign_in_applicant(client, other)
    assert client.get(f"/appointments/{signed_in.pk}/pass").status_code == 404
    assert client.get(f"/appointments/{signed_in.pk}/pass.png").status_code == 404
    assert client.post(f"/appointments/{signed_in.pk}/cancel").status_code == 404


def test_cancelling_from_the_pass_page(signed_in, client):
    response = client.post(f"/appointments/{signed_in.pk}/cancel")
    assert response.status_code == 302
    signed_in.refresh_from_db()
    assert signed_in.state == AppointmentState.CANCELLED
    assert signed_in.ended_reason == "applicant"
    page = client.get(f"/appointments/{signed_in.pk}/pass").content.decode()
    assert "Esta cita ya no es válida." in page


def test_the_public_keys_verify_the_passes_issued(signed_in, client, settings):
    response = client.get("/.well-known/cita-pass-keys.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    keys = keys_from_document(response.content)
    assert pass_check(signed_in.pass_payload, keys=keys, port="SYS").appointment_id == signed_in.pk
    assert "ts1" in keys  # the test ring's key id
