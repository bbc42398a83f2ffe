"""Signing in lands on the page of the group's real current step (issue 15, item 2): the pass on the
appointment day, an offer waiting, a request in the draw, or asking; never "register your group" for a
group that has asked already."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from cita.appointments.services.offers import offer_confirm
from cita.draws.models import Draw, Offer
from cita.draws.services import draw_close, priority_flag, request_submit
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.registrations.models import Applicant
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, san_ysidro_and_el_paso
from tests.factories.registrations import actor_for, applicant, registered_group

pytestmark = pytest.mark.django_db


def sign_in(group: Applicant | None = None, *, phone: str = "+526641234567") -> tuple[Client, str]:
    """Sign in through the pages, with no `next`: returns the client and where it landed."""
    if group is not None:
        phone = str(Applicant.objects.get(pk=group.pk).phone)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.get("/signin")
    assert client.post("/signin", {"contact": phone})["Location"] == "/signin/code"
    code = signin_code_of(notice=Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id"))
    response = client.post("/signin/code", {"code": code})
    assert response["Location"] == "/start"
    landed = client.get("/start")
    assert landed.status_code == 302
    return client, landed["Location"]


@pytest.fixture
def ports(db):
    return san_ysidro_and_el_paso(seats=3)


def test_a_new_contact_lands_on_registering_the_group(ports, frozen_clock):
    _, landed = sign_in(phone="+526649990001")
    assert landed == "/group"


def test_a_registered_group_lands_on_asking_while_a_window_is_open(ports, frozen_clock):
    open_draw(frozen_clock)
    group = registered_group(size=2)
    client, landed = sign_in(group)
    assert landed == "/draw/ask"
    assert client.get(landed).status_code == 200


def test_a_group_with_a_request_in_the_draw_lands_on_its_request(ports, frozen_clock):
    draw = open_draw(frozen_clock)
    group = registered_group(size=2)
    request = request_submit(applicant=group, ports=["SYS"], actor=actor_for(group), draw=draw)
    _, landed = sign_in(group)
    assert landed == f"/draw/requests/{request.pk}"
    # Still so once the window closed and the draw waits to run.
    frozen_clock.set(WINDOW_CLOSES + dt.timedelta(minutes=1))
    _, landed = sign_in(group)
    assert landed == f"/draw/requests/{request.pk}"


def test_a_selected_group_lands_on_its_offer_and_then_on_its_pass_on_the_day(ports, frozen_clock):
    draw = open_draw(frozen_clock)
    group = registered_group(size=2)
    priority_flag(applicant=group, reason="test", actor=JOB)
    request_submit(applicant=group, ports=["SYS"], actor=actor_for(group), draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get(applicant=group)
    client, landed = sign_in(group)
    assert landed == f"/draw/offers/{offer.pk}"
    appointment = offer_confirm(offer=offer, actor=actor_for(group))
    # Before the day: the status page, which says when and where to go.
    _, landed = sign_in(group)
    assert landed == "/draw/"
    # On the day (port time): the pass itself.
    frozen_clock.set(dt.datetime(2026, 12, 15, 14, 0, tzinfo=dt.UTC))
    client, landed = sign_in(group)
    assert landed == f"/appointments/{appointment.pk}/pass"
    assert appointment.pass_payload in client.get(landed).content.decode()


def test_no_window_open_and_nothing_asked_lands_on_the_status_page(ports, frozen_clock):
    registered = registered_group(size=1)
    _, landed = sign_in(registered)
    assert landed == "/draw/"


def test_an_explicit_next_still_wins(ports, frozen_clock):
    group = applicant(phone="+526649990003")
    client = Client()
    client.post("/signin", {"contact": "+526649990003", "next": "/profile"})
    code = signin_code_of(notice=Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id"))
    assert client.post("/signin/code", {"code": code})["Location"] == "/profile"
    assert group.pk


def test_sign_out_is_reachable_from_every_applicant_page(ports, frozen_clock):
    # Issue 15, item 10: a plain POST form in the footer of every page, no JavaScript needed.
    group = registered_group(size=1)
    client, _ = sign_in(group)
    for path in ("/draw/", "/group", "/messages", "/profile", "/help", "/"):
        html = client.get(path).content.decode()
        assert '<form class="signout" method="post" action="/signout">' in html, path
    assert client.post("/signout").status_code == 200
    assert '<form class="signout"' not in client.get("/help").content.decode()


def test_the_help_page_says_where_genuine_messages_come_from():
    # Issue 15, "Add": the sender id, the web address, and that cita never asks for money.
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = client.get("/help").content.decode()
    assert "De dónde vienen los mensajes verdaderos" in html
    assert f"del remitente {settings.CITA_SMS_SENDER}." in html
    assert f"Nuestra dirección web es {settings.CITA_BASE_URL}." in html
    assert "cita nunca pide dinero." in html
