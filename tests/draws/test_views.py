"""The applicant's draw pages: ask with ranked ports, see the ticket, withdraw, confirm or decline."""

from __future__ import annotations

import pytest

from cita.appointments.models import Appointment
from cita.draws.models import Draw, Offer, OfferState, Request, RequestState
from cita.draws.services import draw_close
from tests.conftest import sign_in_applicant
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, port_with_slots
from tests.factories.registrations import registered_group


@pytest.fixture
def setup(db, frozen_clock, client):
    port_with_slots("SYS", slots=[("08:00", 5)], name="San Ysidro")
    port_with_slots("ELP", slots=[("08:00", 5)], position=1, name="El Paso")
    draw = open_draw(frozen_clock)
    group = registered_group(size=2, language="es")
    sign_in_applicant(client, group)
    return draw, group


def test_the_page_shows_the_open_draw_and_the_ranked_port_choices(setup, client):
    page = client.get("/draw/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "15/12/2026" in text
    assert "Personas en su grupo: 2." in text
    assert 'name="port_1"' in text
    assert 'name="port_2"' in text
    assert "San Ysidro" in text


def test_asking_through_the_form_gives_the_ticket(setup, client):
    response = client.post("/draw/", {"port_1": "ELP", "port_2": "SYS"})
    assert response.status_code == 302
    request = Request.objects.get()
    assert request.ports == ["ELP", "SYS"]
    page = client.get("/draw/").content.decode()
    assert request.ticket in page
    assert "Retirar la solicitud" in page


def test_form_errors_are_shown_in_the_applicants_language(setup, client):
    response = client.post("/draw/", {"port_1": "SYS", "port_2": "SYS"})
    assert response.status_code == 400
    assert "Elija cada puerto una sola vez." in response.content.decode()
    response = client.post("/draw/", {"port_1": ""})
    assert "Elija al menos un puerto." in response.content.decode()
    assert not Request.objects.exists()


def test_withdrawing_from_the_page(setup, client):
    client.post("/draw/", {"port_1": "SYS"})
    response = client.post("/draw/withdraw")
    assert response.status_code == 302
    assert Request.objects.get().state == RequestState.WITHDRAWN
    assert "Su solicitud fue retirada." in client.get("/draw/").content.decode()


def test_confirming_an_offer_leads_to_the_pass(setup, client, frozen_clock):
    draw, _group = setup
    client.post("/draw/", {"port_1": "SYS"})
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get()
    home = client.get("/draw/").content.decode()
    assert "Usted fue seleccionado" in home
    assert f"/draw/offers/{offer.pk}" in home
    page = client.get(f"/draw/offers/{offer.pk}")
    assert page.status_code == 200
    assert "Confirmar la cita" in page.content.decode()
    response = client.post(f"/draw/offers/{offer.pk}", {"action": "confirm"})
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{appointment.pk}/pass"
    again = client.post(f"/draw/offers/{offer.pk}", {"action": "decline"})
    assert again.status_code == 409
    assert "Usted ya confirmó esta oferta." in again.content.decode()


def test_declining_an_offer(setup, client, frozen_clock):
    draw, _group = setup
    client.post("/draw/", {"port_1": "SYS"})
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get()
    client.post(f"/draw/offers/{offer.pk}", {"action": "decline"})
    offer.refresh_from_db()
    assert offer.state == OfferState.DECLINED


def test_another_groups_offer_is_not_found(setup, client, frozen_clock):
    draw, _ = setup
    other = registered_group()
    from cita.draws.services import request_submit
    from tests.factories.registrations import actor_for

    request_submit(applicant=other, ports=["SYS"], actor=actor_for(other), draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get(applicant=other)
    assert client.get(f"/draw/offers/{offer.pk}").status_code == 404
    assert client.post(f"/draw/offers/{offer.pk}", {"action": "confirm"}).status_code == 404


def test_with_no_window_open_the_page_says_so(db, client, frozen_clock):
    group = registered_group(language="fr")
    sign_in_applicant(client, group)
    text = client.get("/draw/").content.decode()
    assert "Les demandes sont fermées pour le moment." in text
