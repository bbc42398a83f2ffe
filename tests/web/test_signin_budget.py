"""Sign-in code guessing (issue 14, item 2): a failure budget per contact across codes with a lockout the
owner is told about, no code that was never sent, and the same answers for known and unknown contacts.
Through the full middleware (CSRF checks on), with the notifications worker sending to a real local SMS
provider."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.notifications.delivery import deliveries_send_due
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.registrations.models import Applicant
from tests.conftest import csrf_post
from tests.factories.registrations import applicant
from tests.notifications.conftest import sms_sink  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def browser() -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    return client


def ask(client: Client, contact: str) -> str:
    response = csrf_post(client, "/signin", {"contact": contact, "next": "/group"})
    return response.content.decode() if response.status_code == 200 else response["Location"]


def type_code(client: Client, code: str) -> str:
    response = csrf_post(client, "/signin/code", {"code": code})
    return response.content.decode() if response.status_code == 200 else response["Location"]


def newest_code() -> str:
    code = signin_code_of(notice=Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id"))
    assert code is not None
    return code


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def guess_ten_times(frozen_clock, client: Client, contact: str) -> list[str]:
    """Ten wrong codes over four codes within a day, as a guesser does; the pages answered."""
    answers: list[str] = []
    for _ in range(4):
        assert ask(client, contact) == "/signin/code"
        code = newest_code()
        for _ in range(3):
            if len(answers) < 10:
                answers.append(type_code(client, wrong(code)))
        frozen_clock.set(frozen_clock.now() + dt.timedelta(minutes=20))
    return answers


def test_ten_wrong_codes_in_a_day_lock_the_contact_and_its_owner_is_told(frozen_clock):
    owner = applicant(phone="+526641230001")
    client = browser()
    answers = guess_ten_times(frozen_clock, client, "+52 664 123 0001")
    assert "You can try" in answers[0]
    assert "locked for 24 hours" in answers[-1]
    # Even the right code of a new code does not open the account now, and no new code is sent.
    refused = ask(client, "+52 664 123 0001")
    assert "locked for 24 hours" in refused
    assert Notice.objects.filter(kind=NoticeKind.SIGNIN_LOCKED, applicant=owner).count() == 1
    assert AuditEvent.objects.filter(action="signin.contact_locked", object_id=str(owner.pk)).exists()
    # A day later the contact works again.
    frozen_clock.set(frozen_clock.now() + dt.timedelta(hours=24))
    assert ask(client, "+52 664 123 0001") == "/signin/code"
    assert type_code(client, newest_code()) == "/group"


def test_the_lock_answers_the_same_for_a_known_and_an_unknown_contact(frozen_clock):
    applicant(phone="+526641230002")
    known = guess_ten_times(frozen_clock, browser(), "+52 664 123 0002")
    unknown = guess_ten_times(frozen_clock, browser(), "+52 664 555 0002")  # same masked tail
    assert [a.split("<main", 1)[-1].split("csrfmiddlewaretoken")[0] for a in known] == [
        a.split("<main", 1)[-1].split("csrfmiddlewaretoken")[0] for a in unknown
    ]
    assert Applicant.objects.count() == 1  # no account was made for the unknown contact
    assert not Notice.objects.filter(kind=NoticeKind.SIGNIN_LOCKED, applicant__isnull=True).exists()


def test_a_code_the_worker_would_not_send_is_never_made(frozen_clock, settings):
    settings.CITA_NOTIFY_SIGNIN_RATE_PER_HOUR = 5
    client = browser()
    for _ in range(3):
        assert ask(client, "+52 664 123 0004") == "/signin/code"
    frozen_clock.set(frozen_clock.now() + dt.timedelta(minutes=16))
    for _ in range(2):
        assert ask(client, "+52 664 123 0004") == "/signin/code"
    frozen_clock.set(frozen_clock.now() + dt.timedelta(minutes=16))
    page = ask(Client(enforce_csrf_checks=True), "+52 664 123 0004")
    assert "too many codes" in page.lower() or "demasiados" in page
    assert Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).count() == 5


def test_a_code_the_provider_refused_opens_nothing_and_counts_no_try(frozen_clock, sms_sink):  # noqa: F811
    sms_sink.respond = lambda payload: (400, {"error": "invalid_number"})
    client = browser()
    assert ask(client, "+52 664 123 0005") == "/signin/code"
    code = newest_code()
    deliveries_send_due()
    page = type_code(client, wrong(code))
    assert "We could not send this code." in page
    assert "You can try" not in page
    assert "We could not send this code." in type_code(client, code) or "expired" in type_code(client, code)
    assert not Applicant.objects.exists()
