"""The applicant's inbox in Chromium at phone size: readable, newest first, in the applicant's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from cita.notifications.models import NoticeKind
from tests.conftest import sign_in_applicant
from tests.factories.notifications import context_for, enqueue
from tests.factories.registrations import applicant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_inbox_reads_well_on_a_phone(page, live_server, artifacts, frozen_clock):
    person = applicant(phone="+526648880000", email="inbox@example.org", language="ht")
    enqueue(NoticeKind.REQUEST_RECEIVED, applicant=person)
    frozen_clock.advance(hours=23)
    enqueue(NoticeKind.SELECTED, applicant=person, context=context_for(NoticeKind.SELECTED, longest=True))
    client = Client()
    sign_in_applicant(client, person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto("/messages")
    assert page.locator("h1").inner_text() == "Mesaj ou yo"
    headings = page.locator("article h2").all_inner_texts()
    assert headings[0].startswith("Nouvo:")
    assert "Yo chwazi gwoup ou" in headings[0]
    assert "Nou resevwa demann ou" in headings[1]
    # Nothing is wider than the phone's screen (the long link wraps).
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "messages-ht-360x640.png"), full_page=True)
