"""The printable pass, its QR code, cancelling from the pass page, and the public keys."""

from __future__ import annotations

import base64
import hashlib
import io
import re

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
    assert text.count("<svg") == 1
    assert "Pase de cita" in text
    assert signed_in.port.name in text
    assert signed_in.port.address in text
    assert "martes, 15 de diciembre de 2026" in text
    assert "08:00" in text
    assert signed_in.pass_payload in text
    # Every person of the group by name, and what to bring.
    for member in signed_in.applicant.members.all():
        assert member.full_name in text
    assert "Llegue a más tardar a las 07:30, 30 minutos antes de su hora." in text
    assert "La cita es gratis." in text
    assert "Un pase es para todo el grupo" in text
    assert f'href="/appointments/{signed_in.pk}/pass.html" download' in text
    assert "Content-Security-Policy" in page.headers


def test_the_offline_pass_is_one_file_that_loads_nothing(signed_in, client):
    response = client.get(f"/appointments/{signed_in.pk}/pass.html")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="cita-pass-{signed_in.pk}.html"'
    assert signed_in.pass_payload in html
    assert html.count("<svg") == 1
    assert signed_in.port.address in html
    # Nothing outside the file: no stylesheet, script, image, frame or font, and a policy that forbids them.
    assert not re.search(r"<(link|script|img|iframe|object|embed)\b", html)
    assert "url(" not in html
    assert "@import" not in html
    assert not re.search(r"\ssrc=", html)
    style_match = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style_match is not None
    style = style_match.group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    meta_match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert meta_match is not None
    meta = meta_match.group(1)
    assert meta.startswith(("default-src &#x27;none&#x27;", "default-src 'none'"))
    assert digest in meta
    assert digest in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert f"/appointments/{signed_in.pk}/pass" in html  # where to check it when back online
    assert len(response.content) < 30 * 1024  # small even uncompressed: a phone keeps it easily


def test_the_qr_png_is_an_image(signed_in, client):
    response = client.get(f"/appointments/{signed_in.pk}/pass.png")
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size[0] == image.size[1] >= 300


def test_a_cancelled_appointment_has_no_qr_picture_and_no_code_in_its_files(signed_in, client):
    client.post(f"/appointments/{signed_in.pk}/cancel")
    signed_in.refresh_from_db()
    assert signed_in.state == AppointmentState.CANCELLED
    assert client.get(f"/appointments/{signed_in.pk}/pass.png").status_code == 404
    for page in ("pass.html", "pass"):
        assert (
            signed_in.pass_payload not in client.get(f"/appointments/{signed_in.pk}/{page}").content.decode()
        )


def test_another_groups_pass_is_not_found(signed_in, client):
    other = registered_group()
    sign_in_applicant(client, other)
    assert client.get(f"/appointments/{signed_in.pk}/pass").status_code == 404
    assert client.get(f"/appointments/{signed_in.pk}/pass.png").status_code == 404
    assert client.post(f"/appointments/{signed_in.pk}/cancel").status_code == 404
    assert client.get(f"/appointments/{signed_in.pk}/pass.html").status_code == 404


def test_cancelling_asks_first_then_cancels(signed_in, client):
    page = client.get(f"/appointments/{signed_in.pk}/cancel")
    assert page.status_code == 200
    assert "¿Cancelar la cita?" in page.content.decode()
    signed_in.refresh_from_db()
    assert signed_in.state == AppointmentState.SCHEDULED
    response = client.post(f"/appointments/{signed_in.pk}/cancel")
    assert response.status_code == 302
    assert response["Location"] == "/draw/"
    signed_in.refresh_from_db()
    assert signed_in.state == AppointmentState.CANCELLED
    assert signed_in.ended_reason == "applicant"
    page = client.get(f"/appointments/{signed_in.pk}/pass").content.decode()
    assert "Esta cita ya no es válida." in page
    assert f"/appointments/{signed_in.pk}/cancel" not in page
    assert "<svg" not in page  # no code that could pass for a valid one
    assert signed_in.pass_payload not in page
    assert "pass.html" not in page
    # A cancelled appointment cannot be cancelled again: its page goes back to the pass.
    assert (
        client.get(f"/appointments/{signed_in.pk}/cancel")["Location"] == f"/appointments/{signed_in.pk}/pass"
    )


def test_an_ngo_worker_helping_the_group_can_open_and_print_its_pass(signed_in, client):
    from cita.core.middleware import SESSION_ACTING_FOR
    from tests.conftest import sign_in_staff
    from tests.factories.registrations import ShelterFactory
    from tests.factories.staff import StaffFactory

    shelter = ShelterFactory.create()
    group = signed_in.applicant
    group.shelter = shelter
    group.save(update_fields=["shelter"])
    client.logout()
    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=shelter))
    session = client.session
    session[SESSION_ACTING_FOR] = group.pk
    session.save()
    assert signed_in.pass_payload in client.get(f"/appointments/{signed_in.pk}/pass").content.decode()
    assert client.get(f"/appointments/{signed_in.pk}/pass.html").status_code == 200
    # A worker of another shelter cannot.
    client.logout()
    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=ShelterFactory.create()))
    session = client.session
    session[SESSION_ACTING_FOR] = group.pk
    session.save()
    assert client.get(f"/appointments/{signed_in.pk}/pass").status_code == 404


def test_the_public_keys_verify_the_passes_issued(signed_in, client, settings):
    response = client.get("/.well-known/cita-pass-keys.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    keys = keys_from_document(response.content)
    assert pass_check(signed_in.pass_payload, keys=keys, port="SYS").appointment_id == signed_in.pk
    assert "ts1" in keys  # the test ring's key id


def _main_pass(html: str) -> tuple[str, str]:
    """The text of the pass in the group's language, and of the English copy for the officer."""
    own = re.search(r'<article class="pass" lang="(\w+)">(.*?)</article>', html, re.S)
    officer = re.search(r'<article class="pass pass-officer" lang="en">(.*?)</article>', html, re.S)
    assert own is not None
    return own.group(1) + "|" + re.sub(r"<[^>]+>", " ", own.group(2)), (
        re.sub(r"<[^>]+>", " ", officer.group(1)) if officer else ""
    )


def test_an_ngo_worker_prints_a_residents_pass_wholly_in_the_residents_language_with_english_beside(
    signed_in, client
):
    # Issue 15, item 3: a French-speaking resident, a worker reading Spanish.
    from cita.core.middleware import SESSION_ACTING_FOR
    from tests.conftest import sign_in_staff
    from tests.factories.registrations import ShelterFactory
    from tests.factories.staff import StaffFactory

    shelter = ShelterFactory.create()
    group = signed_in.applicant
    group.shelter, group.language = shelter, "fr"
    group.save(update_fields=["shelter", "language"])
    client.logout()
    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=shelter))
    session = client.session
    session[SESSION_ACTING_FOR] = group.pk
    session.save()
    client.cookies["django_language"] = "es"
    html = client.get(f"/appointments/{signed_in.pk}/pass").content.decode()
    own, officer = _main_pass(html)
    assert own.startswith("fr|")
    assert "Laissez-passer du rendez-vous" in own
    assert "mardi 15 décembre 2026" in own  # the weekday and the month in words
    for english in ("Appointment pass", "What to bring", "Bring", "Arrive by", "free", "Time", "Day"):
        assert english not in own.split("|", 1)[1].replace(signed_in.port.name, ""), english
    for spanish in ("Pase de cita", "Llegue", "gratis"):
        assert spanish not in own
    names = [m.full_name for m in group.members.all()]
    for name in names:
        assert name in own
        assert name in officer
    # The officer's copy: the same facts in English, no second QR code.
    assert "Appointment pass" in officer
    assert "Tuesday, Dec. 15, 2026" in officer  # never 12/15 or 15/12
    assert "Arrive by 7:30 a.m." in officer
    assert "The appointment is free." in officer
    assert html.count("<svg") == 1
    # The offline file too: the group's language, English beside it.
    offline = client.get(f"/appointments/{signed_in.pk}/pass.html").content.decode()
    assert '<html lang="fr">' in offline
    assert "Laissez-passer du rendez-vous" in offline
    assert '<article class="officer" lang="en">' in offline
    assert "Pase de cita" not in offline


def test_a_pass_in_english_has_no_second_copy(signed_in, client):
    group = signed_in.applicant
    group.language = "en"
    group.save(update_fields=["language"])
    html = client.get(f"/appointments/{signed_in.pk}/pass").content.decode()
    assert "pass-officer" not in html
    assert "Tuesday, Dec. 15, 2026" in html


def test_the_pass_links_a_map_of_the_port_and_says_what_happens_after_check_in(signed_in, client):
    # Issue 15, "Add": a plain link to OpenStreetMap (no embedded map), and the steps after check-in.
    from urllib.parse import quote_plus

    port = signed_in.port
    html = client.get(f"/appointments/{signed_in.pk}/pass").content.decode()
    own, officer = _main_pass(html)
    url = f"https://www.openstreetmap.org/search?query={quote_plus(port.address)}"
    assert f'href="{url}"' in html.replace("&amp;", "&")
    assert "<iframe" not in html
    assert "Mapa del puerto" in own
    assert "Después de registrarse en el puerto" in own
    assert "Los oficiales entrevistan a la familia" in own
    assert "After check-in at the port" in officer
    offline = client.get(f"/appointments/{signed_in.pk}/pass.html").content.decode()
    assert "Después de registrarse en el puerto" in offline
