"""The NGO console and the daily cycle: residents without phone or email, where a resident stands
(requests, offers with deadlines, appointments), printing their pass in their language, urgent flags."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from cita.appointments.services.offers import offer_confirm
from cita.core import clock
from cita.draws.models import PriorityFlag
from cita.draws.services import draw_close, request_submit
from cita.notifications.models import Delivery, Notice
from cita.registrations.models import Applicant
from tests.conftest import sign_in_staff
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, port_with_slots
from tests.factories.registrations import ShelterFactory
from tests.factories.staff import StaffFactory, actor_of

pytestmark = pytest.mark.django_db

REGISTER = {
    "phone": "",
    "email": "",
    "language": "ht",
    "given_names": "Jean",
    "family_names": "Baptiste",
    "date_of_birth": "1988-02-03",
    "nationality": "HT",
    "document_type": "",
    "document_number": "",
    "consent": "on",
}


@pytest.fixture
def worker():
    return StaffFactory.create(role="ngo", shelter=ShelterFactory.create())


def client_for(user) -> Client:
    client = Client()
    sign_in_staff(client, user)
    return client


def test_a_resident_without_phone_or_email_is_registered_and_hears_through_the_inbox_only(
    worker, frozen_clock
):
    response = client_for(worker).post("/staff/ngo/register", REGISTER)
    assert response.status_code == 302
    resident = Applicant.objects.get()
    assert (resident.phone_index, resident.email_index, resident.shelter_id) == (
        None,
        None,
        worker.shelter_id,
    )
    port_with_slots("SYS", slots=[("08:00", 10)])
    draw = open_draw(frozen_clock)
    acting = dataclasses.replace(actor_of(worker), applicant_id=resident.pk)
    request_submit(applicant=resident, ports=["SYS"], actor=acting, draw=draw)
    notice = Notice.objects.get(applicant=resident)
    assert notice.language == "ht"
    assert not Delivery.objects.filter(notice=notice).exists()  # nothing to send to: the inbox shows it
    page = client_for(worker).get(f"/staff/ngo/residents/{resident.pk}/").content.decode()
    assert "no contact: they hear from cita through you" in page


def test_the_database_refuses_an_account_nobody_can_reach(frozen_clock):
    with pytest.raises(IntegrityError), transaction.atomic():
        Applicant.objects.create(language="es", created_at=clock.now())


def test_the_resident_page_shows_requests_offers_with_deadlines_and_appointments_and_prints_the_pass(
    worker, frozen_clock
):
    client = client_for(worker)
    client.post("/staff/ngo/register", {**REGISTER, "phone": "+526641112233"})
    resident = Applicant.objects.get()
    port_with_slots("SYS", slots=[("08:00", 10)], name="San Ysidro")
    draw = open_draw(frozen_clock)
    acting = dataclasses.replace(actor_of(worker), applicant_id=resident.pk)
    request = request_submit(applicant=resident, ports=["SYS"], actor=acting, draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=draw, actor=JOB)
    client = client_for(worker)  # a new session: the clock jumped past the idle timeout

    page = client.get(f"/staff/ngo/residents/{resident.pk}/").content.decode()
    assert request.ticket in page
    # The draw by its days, not its id (issue 15, item 8): draw 2026-12-01 runs on 2 December.
    assert "Draw of 2026-12-02 for appointments on 2026-12-15" in page
    assert "Selected" in page
    assert "confirm before 2026-12-03" in page  # the offer's deadline, in the port's time

    offer = request.offer
    appointment = offer_confirm(offer=offer, actor=acting)
    page = client.get(f"/staff/ngo/residents/{resident.pk}/").content.decode()
    assert "San Ysidro, 2026-12-15 08:00" in page
    pass_url = f"/staff/ngo/residents/{resident.pk}/appointments/{appointment.pk}/pass"
    assert pass_url in page
    printed = client.get(pass_url)
    assert printed.status_code == 200
    text = printed.content.decode()
    assert '<html lang="ht">' in text
    assert "Pas randevou" in text  # "Appointment pass" in Haitian Creole
    assert appointment.pass_payload in text
    assert "<svg" in text

    other = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    assert client_for(other).get(pass_url).status_code == 404
    assert client_for(other).get(f"/staff/ngo/residents/{resident.pk}/").status_code == 404


def test_a_worker_flags_a_resident_as_urgent_and_the_page_says_so(worker, frozen_clock):
    client = client_for(worker)
    client.post("/staff/ngo/register", REGISTER)
    resident = Applicant.objects.get()
    assert client.post(f"/staff/ngo/residents/{resident.pk}/flag", {"reason": ""}).status_code == 400
    assert (
        client.post(f"/staff/ngo/residents/{resident.pk}/flag", {"reason": "Child needs surgery"}).status_code
        == 302
    )
    flag = PriorityFlag.objects.get(applicant=resident)
    assert (flag.kind, flag.created_by) == ("urgent", f"ngo:{worker.pk}")
    assert "Flagged as urgent" in client.get(f"/staff/ngo/residents/{resident.pk}/").content.decode()
    other = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    assert (
        client_for(other).post(f"/staff/ngo/residents/{resident.pk}/flag", {"reason": "x"}).status_code == 404
    )


def test_the_printed_pass_of_a_french_resident_is_wholly_in_french_with_english_beside(worker, frozen_clock):
    # Issue 15, item 3: "Laissez-passer du rendez-vous" said "Address" and "Bring this pass…" in English,
    # and "03/12/2026" reads as 12 March to a US officer.
    client = client_for(worker)
    client.post("/staff/ngo/register", {**REGISTER, "language": "fr", "phone": "+526641112299"})
    resident = Applicant.objects.get()
    port_with_slots("SYS", slots=[("08:00", 10)], name="San Ysidro")
    draw = open_draw(frozen_clock)
    acting = dataclasses.replace(actor_of(worker), applicant_id=resident.pk)
    request = request_submit(applicant=resident, ports=["SYS"], actor=acting, draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=draw, actor=JOB)
    appointment = offer_confirm(offer=request.offer, actor=acting)
    html = (
        client_for(worker)
        .get(f"/staff/ngo/residents/{resident.pk}/appointments/{appointment.pk}/pass")
        .content.decode()
    )
    assert '<html lang="fr">' in html
    own = html.split('<article class="pass">', 1)[1].split("</article>", 1)[0]
    officer = html.split('<article class="pass pass-officer" lang="en">', 1)[1].split("</article>", 1)[0]
    assert "Laissez-passer du rendez-vous" in own
    assert "mardi 15 décembre 2026" in own
    assert "15/12/2026" not in html
    for english in ("Address", "Bring", "Arrive by", "free", "Appointment pass"):
        assert english not in own, english
    assert "Jean Baptiste" in own
    assert "Jean Baptiste" in officer
    assert "Arrive by 7:30 a.m." in officer
    assert "The appointment is free." in officer
    assert "Tuesday, Dec. 15, 2026" in officer
    assert html.count("<svg") == 1
    assert appointment.pass_payload in own
    # Issue 15: the short code in both copies, the map link, what happens after check-in.
    assert appointment.pass_code in own
    assert appointment.pass_code in officer
    assert "Carte du port (OpenStreetMap)" in own
    assert "Après l'enregistrement au port" in own.replace("&#x27;", "'")
    assert "After check-in at the port" in officer
