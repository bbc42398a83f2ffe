"""Checking your own draw result (issue 15, item 9): a draw's public page looks up a ticket and says only
whether it was entered, selected (in which round and part of the draw) or not selected; a plain GET form,
limited per address like `/check`, audited without the ticket; the page without a ticket stays cacheable
by shared caches, a page with one is not stored. And the list of draws folds each day's second chances
under its draw, named for people by what it is (item 8). Through the full middleware (CSRF checks on)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from cita.appointments.services.offers import offer_decline
from cita.appointments.services.run import cycle_run_due
from cita.audit.models import AuditEvent
from cita.draws.models import Draw, Offer, Request
from cita.draws.services import draws_close_due
from tests.factories.draws import JOB, WINDOW_CLOSES, WINDOW_OPENS, port_with_slots, submitted
from tests.factories.registrations import actor_for

PAGE = "/transparency/draws/2026-12-01/"
# Draw 2026-12-01 runs when its window closes, on 2 December at 11:00 in Tijuana, for 15 December.
NAME_EN = "Draw of Wednesday, Dec. 2, 2026 for appointments on Tuesday, Dec. 15, 2026"


@pytest.fixture
def day(db, frozen_clock) -> Draw:
    """Draw 2026-12-01 with 12 groups of one for 10 seats (1 in the reserve): published, its second chance
    committed."""
    port_with_slots("SYS", slots=[("08:00", 10)], name="San Ysidro")
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    for _ in range(12):
        submitted(ports=["SYS"])
    frozen_clock.set(WINDOW_CLOSES)
    cycle_run_due(actor=JOB)
    return Draw.objects.get(draw_id="2026-12-01")


def anyone(ip: str = "127.0.0.1", language: str = "en") -> Client:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def result_of(response) -> str:
    """The text of the lookup's answer."""
    match = re.search(r'<section id="lookup-result".*?</section>', response.content.decode(), re.S)
    assert match is not None, "no answer on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


def test_a_selected_ticket_says_selected_with_its_round_and_part_of_the_draw_and_nothing_else(day):
    offer = Offer.objects.filter(draw=day, phase="lottery").select_related("request").first()
    assert offer is not None
    response = anyone().get(PAGE, {"ticket": offer.request.ticket})
    assert response.status_code == 200
    text = result_of(response)
    assert "This ticket was selected." in text
    assert "First draw of the day" in text
    assert "By lot" in text
    # Nothing else: no port, slot, group size or name.
    assert "San Ysidro" not in text
    assert "SYS" not in text
    assert "8 a.m." not in text
    assert "08:00" not in text
    for name in ("Ana", "María", "Pérez"):
        assert name not in text


def test_the_reserve_part_is_named_as_such(day):
    offer = Offer.objects.get(draw=day, phase="reserve")
    text = result_of(anyone().get(PAGE, {"ticket": offer.request.ticket}))
    assert "This ticket was selected." in text
    assert "Longest waiting" in text


def test_a_ticket_not_selected_says_so_and_that_a_second_chance_may_still_select_it(day):
    request = Request.objects.filter(draw=day, offer__isnull=True).first()
    assert request is not None
    text = result_of(anyone().get(PAGE, {"ticket": request.ticket}))
    assert "This ticket was in the draw and was not selected." in text
    assert "A second chance of this day may still select it." in text


def test_a_ticket_a_second_chance_selected_names_that_round(day, frozen_clock):
    declined = Offer.objects.filter(draw=day).select_related("request", "applicant").first()
    assert declined is not None
    offer_decline(offer=declined, actor=actor_for(declined.applicant))
    frozen_clock.set(day.deadline)
    draws_close_due(actor=JOB)
    # The offers not confirmed by the deadline expire too: the second chance draws every seat given back.
    lucky = Offer.objects.select_related("request").filter(draw__first=day, draw__round=2).first()
    assert lucky is not None
    text = result_of(anyone().get(PAGE, {"ticket": lucky.request.ticket}))
    assert "This ticket was selected." in text
    assert "Second chance 1" in text
    # What the files say: the declined group's ticket is in round 1's results.
    text = result_of(anyone().get(PAGE, {"ticket": declined.request.ticket}))
    assert "First draw of the day" in text


def test_a_ticket_is_read_whatever_its_case_spaces_and_look_alike_letters(day):
    offer = Offer.objects.filter(draw=day).select_related("request").first()
    assert offer is not None
    ticket = offer.request.ticket
    typed = " ".join([ticket[:5].lower(), ticket[5:]]).replace("0", "O").replace("1", "l")
    assert "This ticket was selected." in result_of(anyone().get(PAGE, {"ticket": typed}))


def test_an_unknown_ticket_is_not_found(day):
    text = result_of(anyone().get(PAGE, {"ticket": "ZZZZZZZZZZ"}))
    assert "We did not find this ticket in this draw." in text


def test_an_empty_ticket_is_refused_beside_the_field(day):
    response = anyone().get(PAGE, {"ticket": " "})
    assert response.status_code == 200
    assert "Write your ticket." in response.content.decode()


def test_before_the_window_closes_the_page_says_the_list_is_not_fixed(db, frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 2)])
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    request = submitted(ports=["SYS"])
    text = result_of(anyone().get(PAGE, {"ticket": request.ticket}))
    assert "The list of requests of this draw is not fixed yet." in text


def test_the_answer_is_in_the_callers_language(day):
    offer = Offer.objects.filter(draw=day).select_related("request").first()
    assert offer is not None
    for language, words in (
        ("es", "Este boleto fue seleccionado."),
        ("ht", "Tikè sa a te chwazi."),
        ("fr", "Ce ticket a été sélectionné."),
        ("pt", "Este bilhete foi selecionado."),
    ):
        assert words in result_of(anyone(language=language).get(PAGE, {"ticket": offer.request.ticket}))


def test_lookups_are_limited_per_address_and_audited_without_the_ticket(day, settings):
    settings.CITA_TICKET_LOOKUP_LIMIT = 2
    ticket = Request.objects.filter(draw=day).first().ticket  # type: ignore[union-attr]
    for _ in range(2):
        assert anyone(ip="10.5.5.5").get(PAGE, {"ticket": ticket}).status_code == 200
    refused = anyone(ip="10.5.5.5").get(PAGE, {"ticket": ticket})
    assert refused.status_code == 429
    assert "You looked up many tickets in a short time." in refused.content.decode()
    assert anyone(ip="10.5.5.6").get(PAGE, {"ticket": ticket}).status_code == 200
    events = AuditEvent.objects.filter(action="draw.ticket_lookup")
    assert events.count() == 3
    assert all(ticket not in str(event.data) and "10.5.5" not in str(event.data) for event in events)
    # The pass check keeps its own count.
    assert not AuditEvent.objects.filter(action="pass.public_check").exists()


def test_the_page_without_a_ticket_is_cacheable_and_a_lookup_is_not_stored(day):
    client = anyone()
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page["Cache-Control"] == "public, max-age=60"
    html = page.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "Set-Cookie" not in page.headers
    # A plain form: GET, to this page, works without JavaScript.
    assert re.search(r'<form method="get" action="/transparency/draws/2026-12-01/"', html)
    assert 'name="ticket"' in html
    assert NAME_EN in html
    lookup = client.get(PAGE, {"ticket": Request.objects.filter(draw=day).first().ticket})  # type: ignore[union-attr]
    assert lookup["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in lookup.headers
    assert "public" not in lookup["Cache-Control"]


def test_a_second_chance_leads_to_its_days_page_and_an_unknown_draw_is_not_found(day):
    response = anyone().get("/transparency/draws/2026-12-01-2/")
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert anyone().get("/transparency/draws/1999-01-01/").status_code == 404


# -- the list of draws --------------------------------------------------------------------------------------


def test_the_list_folds_second_chances_under_their_draw_and_names_draws_by_what_they_are(day):
    html = anyone().get("/transparency/").content.decode()
    # One section per day; its second chance inside it, folded, and marked as such.
    assert 'id="draw-2026-12-01"' in html
    assert 'id="draw-2026-12-01-2"' not in html.split("<details", 1)[0]
    section = html.split('id="draw-2026-12-01"', 1)[1].split("</section>", 1)[0]
    assert "<details" in section
    assert "Second chance 1" in section
    assert "2026-12-01-2" in section
    assert NAME_EN in html
    assert f'href="{PAGE}"' in section


def test_draw_names_are_in_the_callers_language(day):
    html = anyone(language="es").get("/transparency/").content.decode()
    assert (
        "Sorteo del miércoles, 2 de diciembre de 2026 para citas del martes, 15 de diciembre de 2026" in html
    )
