"""The applicant's pages of the daily cycle: the status page in every state, asking (ranked ports, every
refusal shown without losing the choices), withdrawing, results, history, the offer and giving it back."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cita.appointments.models import Appointment
from cita.appointments.selectors import cycle_rows_for_actor
from cita.appointments.services.offers import offer_confirm, offer_decline
from cita.core import clock
from cita.draws.models import Draw, Offer, OfferState, Request, RequestState
from cita.draws.services import draw_close, offers_expire_due, priority_flag
from cita.registrations.services import member_add
from tests.conftest import sign_in_applicant
from tests.factories.draws import (
    JOB,
    WINDOW_CLOSES,
    WINDOW_OPENS,
    open_draw,
    san_ysidro_and_el_paso,
)
from tests.factories.registrations import actor_for, applicant, member_input, registered_group


def text_of(response) -> str:
    """The page's text without tags, spaces collapsed (what a reader sees)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    return text.replace(" .", ".").replace(" ,", ",").replace("( ", "(").replace(" )", ")")


def main_of(response) -> str:
    """The text of the page's <main>."""
    html = response.content.decode()
    main = html.split('<main id="main" tabindex="-1">', 1)[1].split("</main>", 1)[0]
    return text_of(type("R", (), {"content": main.encode()})())


@pytest.fixture
def ports(db):
    return san_ysidro_and_el_paso(seats=3)


@pytest.fixture
def group(db, client):
    row = registered_group(size=2, language="en")
    sign_in_applicant(client, row)
    return row


@pytest.fixture
def draw(ports, frozen_clock):
    return open_draw(frozen_clock)


def ask(client, *codes: str):
    data = {f"port_{n}": code for n, code in enumerate(codes, start=1)}
    return client.post("/draw/ask", data)


def close(draw, frozen_clock):
    frozen_clock.set(WINDOW_CLOSES)
    return draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)


# -- the status page --------------------------------------------------------------------------------------


def test_before_asking_the_status_page_says_to_ask_and_until_when(draw, group, client):
    page = client.get("/draw/")
    text = main_of(page)
    assert page.status_code == 200
    assert "Next step Ask for an appointment" in text
    # 2026-12-02 19:00 UTC is 11:00 in Tijuana, the default zone.
    assert "You can ask until Wednesday, Dec. 2, 2026, 11 a.m. (Tijuana time)" in text
    assert 'href="/draw/ask"' in page.content.decode()
    assert "Times are in Tijuana time" in text


def test_a_group_without_people_is_sent_to_register_first(draw, client):
    newcomer = applicant(language="en")
    sign_in_applicant(client, newcomer)
    text = main_of(client.get("/draw/"))
    assert "Register your travel group" in text
    page = client.get("/draw/ask")
    assert "Register your travel group before you ask" in main_of(page)
    assert "<select" not in page.content.decode()
    response = ask(client, "SYS")  # a form sent anyway
    assert "Register your group before you ask for an appointment." in main_of(response)
    assert not Request.objects.exists()


def test_with_no_window_open_the_pages_say_when_the_next_one_opens(ports, group, client, frozen_clock):
    frozen_clock.set(WINDOW_OPENS - dt.timedelta(hours=2))
    text = main_of(client.get("/draw/"))
    assert "The next window opens on Tuesday, Dec. 1, 2026, noon (Tijuana time)" in text
    page = client.get("/draw/ask")
    assert "Requests are closed now." in main_of(page)
    assert "<select" not in page.content.decode()


def test_the_chosen_time_zone_writes_the_deadline_in_that_clock(draw, group, client):
    response = client.post("/profile/time-zone", {"zone": "America/Denver"})
    assert response.status_code == 302
    text = main_of(client.get("/draw/"))
    # 19:00 UTC is noon in El Paso (Mountain time).
    assert "You can ask until Wednesday, Dec. 2, 2026, noon (El Paso, TX time)" in text


def test_an_unknown_time_zone_is_ignored(draw, group, client):
    client.post("/profile/time-zone", {"zone": "Europe/Paris"})
    assert "Tijuana time" in main_of(client.get("/draw/"))


# -- asking -----------------------------------------------------------------------------------------------


def test_the_ask_page_ranks_ports_with_plain_select_lists(draw, group, client):
    page = client.get("/draw/ask")
    html = page.content.decode()
    text = main_of(page)
    assert page.status_code == 200
    assert "1st choice" in text
    assert "2nd choice" in text
    assert html.count("<select") == 2
    assert "San Ysidro — San Diego, CA" in text
    assert "Today's draw gives appointments for Tuesday, Dec. 15, 2026" in text
    assert "You can ask until Wednesday, Dec. 2, 2026, 11 a.m. (Tijuana time) · in 23 hours" in text
    assert "Your group: 2 people." in text
    assert "<script" not in html


def test_asking_gives_the_ticket_on_the_status_page(draw, group, client):
    response = ask(client, "ELP", "SYS")
    assert response.status_code == 302
    assert response["Location"] == "/draw/"
    request = Request.objects.get()
    assert request.ports == ["ELP", "SYS"]
    page = client.get("/draw/")
    text = main_of(page)
    assert f"Your request is in. Keep your ticket: {request.ticket}." in text
    assert f"Your ticket {request.ticket}" in text
    assert "Ports you chose, in order: El Paso, San Ysidro" in text
    assert "wait for the draw" in text
    assert "The draw runs on Wednesday, Dec. 2, 2026, 11 a.m. (Tijuana time)" in text
    assert 'href="/draw/withdraw"' in page.content.decode()
    # Asking again shows the status instead of the form.
    assert client.get("/draw/ask")["Location"] == "/draw/"


# A real transaction: BEGIN, COMMIT and the work after the commit, as a server runs it.
@pytest.mark.django_db(transaction=True)
def test_asking_by_the_form_takes_nine_queries(draw, group):
    """The form's POST (issue 19): the session, the applicant, the ports of the form, and the service's three
    statements in one transaction, the worker woken after the commit; the status page's rows are read only
    when the form is shown again."""
    browser = Client(enforce_csrf_checks=True)
    sign_in_applicant(browser, group)
    html = browser.get("/draw/ask").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    form = {"port_1": "ELP", "port_2": "SYS", "csrfmiddlewaretoken": token.group(1)}
    with CaptureQueriesContext(connection) as captured:
        response = browser.post("/draw/ask", form)
    assert (response.status_code, response["Location"]) == (302, "/draw/")
    assert len(captured.captured_queries) == 9, [q["sql"][:80] for q in captured.captured_queries]
    assert Request.objects.get(applicant=group).ports == ["ELP", "SYS"]


def test_a_port_chosen_twice_is_refused_beside_it_and_the_choices_stay(draw, group, client):
    response = ask(client, "SYS", "SYS")
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in main_of(response)
    assert 'id="id_port_2_error"' in html
    assert "You chose this port already. Choose each port only once." in html
    assert re.search(r'<option value="SYS" selected>', html)
    assert html.count("selected>") >= 2
    assert not Request.objects.exists()


def test_asking_without_a_port_is_refused(draw, group, client):
    response = ask(client, "")
    assert response.status_code == 200
    assert 'id="id_port_1_error"' in response.content.decode()
    assert "Choose at least one port." in main_of(response)


def test_a_port_not_in_the_list_is_refused(draw, group, client):
    response = ask(client, "XXX")
    assert "Choose ports from the list." in main_of(response)


def test_asking_after_the_window_closed_says_so_and_keeps_the_choices(draw, group, client, frozen_clock):
    client.get("/draw/ask")
    frozen_clock.set(WINDOW_CLOSES + dt.timedelta(seconds=1))
    response = client.post("/draw/ask", {"port_1": "ELP", "port_2": "SYS"})
    assert response.status_code == 200
    assert "Requests are closed now." in main_of(response)
    assert not Request.objects.exists()


def test_asking_twice_in_one_draw_is_refused(draw, group, client):
    ask(client, "SYS")
    response = ask(client, "ELP")
    assert response.status_code == 200
    assert "Your group already asked in this draw." in main_of(response)
    assert re.search(r'<option value="ELP" selected>', response.content.decode())


def test_someone_already_in_another_request_is_refused(draw, group, client):
    from cita.draws.services import request_submit
    from cita.registrations.services import member_remove

    # Marta asks with another group, then moves to this one: her old group's request still holds her.
    other = registered_group(size=1, language="en")
    other_actor = actor_for(other)
    marta = member_add(
        actor=other_actor,
        applicant=other,
        member=member_input(relationship="sibling", given_names="Marta", document_number="PX0002"),
    )
    request_submit(applicant=other, ports=["SYS"], actor=other_actor, draw=draw)
    member_remove(actor=other_actor, member=marta)
    member_add(
        actor=actor_for(group),
        applicant=group,
        member=member_input(relationship="sibling", given_names="Marta", document_number="PX0002"),
    )
    response = ask(client, "ELP", "SYS")
    assert response.status_code == 200
    assert "Someone in your group already has a request or an appointment." in main_of(response)
    assert re.search(r'<option value="ELP" selected>', response.content.decode())
    assert not Request.objects.filter(applicant=group).exists()


def test_a_group_waiting_for_its_offer_cannot_ask_in_the_next_draw(draw, group, client, frozen_clock):
    priority_flag(applicant=group, reason="test", actor=JOB)
    ask(client, "SYS")
    close(draw, frozen_clock)
    frozen_clock.set(dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC))
    open_draw(frozen_clock, day=dt.date(2026, 12, 2))
    page = client.get("/draw/ask")
    assert "Confirm that appointment or give it back before you ask again." in main_of(page)
    response = ask(client, "SYS")  # a form sent from an older page
    assert "Someone in your group already has a request or an appointment." in main_of(response)


def test_a_group_over_the_limit_is_refused(draw, group, client, settings):
    Draw.objects.filter(pk=draw.pk).update(group_size_limit=1)
    response = ask(client, "SYS")
    assert response.status_code == 200
    assert "A travel group can have at most 1 people." in main_of(response)


def test_a_group_with_an_appointment_is_told_instead_of_shown_the_form(draw, group, client, frozen_clock):
    ask(client, "SYS")
    close(draw, frozen_clock)
    offer_confirm(offer=Offer.objects.get(), actor=actor_for(group))
    frozen_clock.advance(hours=1)
    open_draw(frozen_clock, day=dt.date(2026, 12, 2))
    page = client.get("/draw/ask")
    assert "Your group already has an appointment." in main_of(page)
    assert "<select" not in page.content.decode()


# -- withdrawing ------------------------------------------------------------------------------------------


def test_withdrawing_asks_first_then_withdraws(draw, group, client):
    ask(client, "SYS")
    request = Request.objects.get()
    page = client.get("/draw/withdraw")
    assert page.status_code == 200
    assert "Withdraw your request?" in main_of(page)
    assert request.ticket in main_of(page)
    assert Request.objects.get().state == RequestState.SUBMITTED
    response = client.post("/draw/withdraw")
    assert response.status_code == 302
    assert Request.objects.get().state == RequestState.WITHDRAWN
    text = main_of(client.get("/draw/"))
    assert "Your request was withdrawn. You can ask again while the window is open." in text
    assert "You withdrew your request" in text
    # And the group may ask again in the same window.
    assert ask(client, "ELP").status_code == 302


def test_there_is_nothing_to_withdraw_without_a_request(draw, group, client):
    response = client.post("/draw/withdraw")
    assert response.status_code == 302
    assert "There is no request to withdraw." in main_of(client.get("/draw/"))


# -- results ----------------------------------------------------------------------------------------------


@pytest.fixture
def decided(draw, group, client, frozen_clock):
    """The group (urgent, so drawn first) and a second group of 2 that does not fit: one of each result."""
    priority_flag(applicant=group, reason="test", actor=JOB)
    ask(client, "SYS")
    unlucky = registered_group(size=2, language="en")
    from cita.draws.services import request_submit

    request_submit(applicant=unlucky, ports=["SYS"], actor=actor_for(unlucky), draw=draw)
    close(draw, frozen_clock)
    frozen_clock.advance(hours=1)
    return group, unlucky


def test_a_selected_group_is_asked_to_confirm_by_the_deadline(decided, client):
    offer = Offer.objects.get(applicant=decided[0])
    page = client.get("/draw/")
    text = main_of(page)
    assert "You were selected: confirm your appointment" in text
    assert "San Ysidro · Tuesday, Dec. 15, 2026 · 8 a.m. (San Ysidro time)" in text
    # Deadline: published 2026-12-02 19:00 UTC + 23 h = 2026-12-03 18:00 UTC = 10:00 in Tijuana.
    assert "Confirm before Thursday, Dec. 3, 2026, 10 a.m. (Tijuana time)" in text
    assert "In 22 hours" in text
    assert f'href="/draw/offers/{offer.pk}"' in page.content.decode()


def test_the_result_page_of_a_selected_request_says_what_to_do(decided, client):
    request = Request.objects.get(applicant=decided[0])
    text = main_of(client.get(f"/draw/requests/{request.pk}"))
    assert "You were selected" in text
    assert "Selected · waiting for your confirmation" in text
    assert "A seat at San Ysidro, Tuesday, Dec. 15, 2026, 8 a.m. (San Ysidro time)" in text
    assert "See the offer and confirm" in text


def test_the_result_page_of_a_request_not_selected_says_what_happens_next(decided, client, frozen_clock):
    _group, unlucky = decided
    sign_in_applicant(client, unlucky)
    request = Request.objects.get(applicant=unlucky)
    page = client.get(f"/draw/requests/{request.pk}")
    text = main_of(page)
    assert "Not selected this time" in text
    assert "This says nothing about your case." in text
    assert "Ask again in the next draw. The next window opens on Wednesday, Dec. 2, 2026, noon" in text
    assert "Your waiting time counts: you have waited since Tuesday, Dec. 1, 2026." in text
    assert "a second draw gives them out among the requests not selected today" in text
    # How to check the draw: the day's files and the transparency page.
    html = page.content.decode()
    assert 'href="/transparency/draws/2026-12-01/entries.csv"' in html
    assert 'href="/transparency/draws/2026-12-01/results.csv"' in html
    # Each round named for people by its days (issue 15, item 8), linked to the day's page with the lookup.
    assert 'href="/transparency/draws/2026-12-01/#draw-2026-12-01"' in html
    assert "Draw of Wednesday, Dec. 2, 2026 for appointments on Tuesday, Dec. 15, 2026" in text
    assert "Draw 2026-12-01" not in text
    assert f"Your ticket {request.ticket} is there" in text
    status = main_of(client.get("/draw/"))
    assert "Not selected this time: ask again" in status


def test_the_status_of_a_group_not_selected_invites_to_ask_again_when_the_next_window_is_open(
    decided, client, frozen_clock
):
    _group, unlucky = decided
    sign_in_applicant(client, unlucky)
    frozen_clock.set(dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC))
    open_draw(frozen_clock, day=dt.date(2026, 12, 2))
    page = client.get("/draw/")
    text = main_of(page)
    assert "Not selected this time: ask again" in text
    assert "You can ask until Thursday, Dec. 3, 2026, 11 a.m." in text
    assert 'href="/draw/ask"' in page.content.decode()


def test_the_history_lists_every_request_with_its_ticket_result_and_draw(decided, client):
    group, _ = decided
    request = Request.objects.get(applicant=group)
    page = client.get("/draw/history")
    text = main_of(page)
    assert page.status_code == 200
    assert request.ticket in text
    assert "Selected · waiting for your confirmation" in text
    assert f'href="/draw/requests/{request.pk}"' in page.content.decode()
    assert 'href="/transparency/draws/2026-12-01/"' in page.content.decode()
    assert "Draw of Wednesday, Dec. 2, 2026 for appointments on Tuesday, Dec. 15, 2026" in text


def test_another_groups_request_is_not_found(decided, client):
    _group, unlucky = decided
    request = Request.objects.get(applicant=unlucky)
    assert client.get(f"/draw/requests/{request.pk}").status_code == 404


# -- the offer --------------------------------------------------------------------------------------------


def test_the_offer_page_shows_place_time_people_and_one_obvious_confirm_button(decided, client):
    offer = Offer.objects.get(applicant=decided[0])
    page = client.get(f"/draw/offers/{offer.pk}")
    html = page.content.decode()
    text = main_of(page)
    assert page.status_code == 200
    assert "San Ysidro" in text
    assert "720 E San Ysidro Blvd" in text
    assert "Tuesday, Dec. 15, 2026" in text
    assert "8 a.m. (San Ysidro time)" in text
    assert "Ana María Pérez López" in text
    assert "Child 0 Pérez López" in text
    # In the page's main part, one form: the confirm button (the header has the language switch, the
    # footer the sign-out form).
    assert html.split("<main", 1)[1].split("</main>", 1)[0].count("<form") == 1
    assert html.count("<form") == 3
    assert 'class="btn big ok"' in html
    assert f'href="/draw/offers/{offer.pk}/decline"' in html


def test_confirming_an_offer_leads_to_the_pass(decided, client):
    offer = Offer.objects.get(applicant=decided[0])
    response = client.post(f"/draw/offers/{offer.pk}")
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{appointment.pk}/pass"
    again = client.post(f"/draw/offers/{offer.pk}")
    assert again.status_code == 409
    assert "You already confirmed this offer." in main_of(again)
    status = main_of(client.get("/draw/"))
    assert "Go to the port on your appointment day" in status
    assert "Your appointment: Tuesday, Dec. 15, 2026, 8 a.m. (San Ysidro time)" in status
    assert "Arrive 30 minutes early" in status


def test_declining_asks_on_its_own_page_then_gives_the_seat_back(decided, client):
    offer = Offer.objects.get(applicant=decided[0])
    page = client.get(f"/draw/offers/{offer.pk}/decline")
    assert page.status_code == 200
    assert "Are you sure you cannot go?" in main_of(page)
    assert Offer.objects.get().state == OfferState.OPEN
    response = client.post(f"/draw/offers/{offer.pk}/decline")
    assert response.status_code == 302
    assert Offer.objects.get(pk=offer.pk).state == OfferState.DECLINED
    text = main_of(client.get("/draw/"))
    assert "You gave the seat back. Someone else can use it now." in text
    # Once declined, the decline page goes back to the offer, which says so.
    assert client.get(f"/draw/offers/{offer.pk}/decline")["Location"] == f"/draw/offers/{offer.pk}"
    assert "You gave this seat back." in main_of(client.get(f"/draw/offers/{offer.pk}"))


def test_confirming_after_the_deadline_is_refused_in_words(decided, client, frozen_clock):
    offer = Offer.objects.get(applicant=decided[0])
    frozen_clock.set(offer.deadline + dt.timedelta(minutes=1))
    response = client.post(f"/draw/offers/{offer.pk}")
    assert response.status_code == 409
    assert "The time to confirm this offer is over." in main_of(response)
    offers_expire_due(actor=JOB)
    text = main_of(client.get("/draw/"))
    assert "The time to confirm is over, and the seat went to someone else." in text


def test_another_groups_offer_is_not_found(decided, client):
    _group, unlucky = decided
    sign_in_applicant(client, unlucky)
    offer = Offer.objects.get(applicant=decided[0])
    assert client.get(f"/draw/offers/{offer.pk}").status_code == 404
    assert client.post(f"/draw/offers/{offer.pk}").status_code == 404
    assert client.get(f"/draw/offers/{offer.pk}/decline").status_code == 404
    assert client.post(f"/draw/offers/{offer.pk}/decline").status_code == 404
    assert Offer.objects.get(pk=offer.pk).state == OfferState.OPEN


def test_an_ngo_worker_helping_a_resident_uses_the_same_pages(decided, client):
    from cita.core.middleware import SESSION_ACTING_FOR
    from tests.conftest import sign_in_staff
    from tests.factories.registrations import ShelterFactory
    from tests.factories.staff import StaffFactory

    group, _ = decided
    shelter = ShelterFactory.create()
    group.shelter = shelter
    group.save(update_fields=["shelter"])
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    client.logout()
    sign_in_staff(client, worker)
    session = client.session
    session[SESSION_ACTING_FOR] = group.pk
    session.save()
    text = main_of(client.get("/draw/"))
    assert "You were selected: confirm your appointment" in text
    offer = Offer.objects.get(applicant=group)
    assert client.post(f"/draw/offers/{offer.pk}").status_code == 302
    assert Offer.objects.get(pk=offer.pk).state == OfferState.CONFIRMED


def test_pages_are_in_the_applicants_language(decided, client):
    group, _ = decided
    group.language = "es"
    group.save(update_fields=["language"])
    offer = Offer.objects.get(applicant=group)
    text = main_of(client.get("/draw/"))
    assert "Usted fue seleccionado: confirme su cita" in text
    assert "jueves, 3 de diciembre de 2026 a las 10:00 (hora de Tijuana)" in text
    assert "Confirmar la cita" in main_of(client.get(f"/draw/offers/{offer.pk}"))
    decline = offer_decline(offer=offer, actor=actor_for(group))
    assert decline.state == OfferState.DECLINED


def test_after_check_in_the_status_page_says_there_is_nothing_more_to_do(decided, client, frozen_clock):
    from cita.appointments.services import appointment_check_in
    from tests.factories.draws import staff_actor
    from tests.factories.staff import StaffFactory

    group, _ = decided
    appointment = offer_confirm(offer=Offer.objects.get(applicant=group), actor=actor_for(group))
    officer = StaffFactory.create(role="officer", port=appointment.port)
    frozen_clock.set(dt.datetime(2026, 12, 15, 15, 30, tzinfo=dt.UTC))  # 07:30 at San Ysidro
    appointment_check_in(appointment=appointment, actor=staff_actor(officer))
    text = main_of(client.get("/draw/"))
    assert "You were checked in at the port" in text
    assert "Done: Appointment day" in text


def test_after_a_cancellation_the_group_may_ask_again(decided, client, frozen_clock):
    group, _ = decided
    appointment = offer_confirm(offer=Offer.objects.get(applicant=group), actor=actor_for(group))
    assert client.post(f"/appointments/{appointment.pk}/cancel").status_code == 302
    frozen_clock.set(dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC))
    open_draw(frozen_clock, day=dt.date(2026, 12, 2))
    text = main_of(client.get("/draw/"))
    assert "Your appointment was cancelled. You can ask again in the next draw." in text
    assert "Your last appointment has ended. You can ask again." in text
    assert "Did not happen: Appointment day" in text
    assert "The appointment was cancelled." in text
    assert ask(client, "ELP").status_code == 302


def test_an_ngo_worker_without_a_resident_is_sent_to_the_console(draw, client):
    from tests.conftest import sign_in_staff
    from tests.factories.registrations import ShelterFactory
    from tests.factories.staff import StaffFactory

    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=ShelterFactory.create()))
    for path in ("/draw/", "/draw/ask", "/draw/history", "/draw/withdraw"):
        assert client.get(path)["Location"] == "/staff/", path


def test_every_cycle_page_carries_the_applicant_content_security_policy(decided, client):
    offer = Offer.objects.get(applicant=decided[0])
    request = Request.objects.get(applicant=decided[0])
    for path in (
        "/draw/",
        "/draw/ask",
        "/draw/history",
        f"/draw/requests/{request.pk}",
        f"/draw/offers/{offer.pk}",
        f"/draw/offers/{offer.pk}/decline",
        "/transparency/",
    ):
        policy = client.get(path)["Content-Security-Policy"]
        assert "default-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy, path


def test_the_pages_are_in_french_and_portuguese_too(decided, client):
    group, _ = decided
    for language, words in (
        ("fr", "Vous avez été sélectionné : confirmez votre rendez-vous"),
        ("pt", "Você foi selecionado: confirme seu agendamento"),
    ):
        group.language = language
        group.save(update_fields=["language"])
        assert words in main_of(client.get("/draw/"))


def test_the_status_page_reads_little_when_everyone_checks_results(
    decided, client, django_assert_max_num_queries
):
    client.get("/draw/")  # sessions and caches warm
    with django_assert_max_num_queries(15):
        assert client.get("/draw/").status_code == 200


# -- the status page is the crowd's page: a fixed, small number of queries ---------------------------------


def status_queries(client) -> tuple[int, str]:
    # A session's first request of a minute also notes when it was last used (the idle limit, at most one
    # write a minute): the count below is the page's own.
    client.get("/draw/")
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/draw/")
    assert page.status_code == 200
    return len(captured.captured_queries), main_of(page)


def test_the_status_page_takes_three_queries_in_every_state(decided, client, frozen_clock):
    """The session, the applicant, and one statement for the rest, whatever the group's state."""
    group, unlucky = decided
    count, text = status_queries(client)
    assert (count, "You were selected: confirm your appointment" in text) == (3, True)
    offer = Offer.objects.get(applicant=group)
    client.post(f"/draw/offers/{offer.pk}")
    count, text = status_queries(client)
    assert (count, "Go to the port on your appointment day" in text) == (3, True)
    sign_in_applicant(client, unlucky)
    count, text = status_queries(client)
    assert (count, "Not selected this time: ask again" in text) == (3, True)
    # Between windows the policy gives the next one; it is in the same statement.
    frozen_clock.set(dt.datetime(2026, 12, 2, 19, 30, tzinfo=dt.UTC))
    count, text = status_queries(client)
    assert (count, "The next window opens on" in text) == (3, True)


def test_the_status_rows_are_the_rows_the_orm_reads(decided, client):
    """One statement builds the same model instances, with the same related rows, as the ORM would."""
    group, _unlucky = decided
    offer = Offer.objects.get(applicant=group)
    client.post(f"/draw/offers/{offer.pk}")
    rows = cycle_rows_for_actor(actor=actor_for(group), applicant=group, now=clock.now())
    request = Request.objects.select_related("draw", "status", "offer__port", "offer__draw").get(
        applicant=group
    )
    assert rows.latest is not None
    assert rows.appointment is not None
    assert model_to_dict(rows.latest) == model_to_dict(request)
    assert rows.latest.state == request.state
    assert model_to_dict(rows.latest.draw) == model_to_dict(request.draw)
    assert model_to_dict(rows.latest.offer) == model_to_dict(request.offer)
    assert model_to_dict(rows.latest.offer.port) == model_to_dict(request.offer.port)
    appointment = Appointment.objects.get(applicant=group)
    assert model_to_dict(rows.latest.offer.appointment) == model_to_dict(appointment)
    assert model_to_dict(rows.appointment) == model_to_dict(appointment)
    assert rows.appointment.port.code == appointment.port.code
    assert rows.members == 2
    assert [p.code for p in rows.ports] == ["SYS", "ELP"]
