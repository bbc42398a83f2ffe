"""Personal data in logs (issue 14, item 10): Django's `django.request` and `django.security` loggers pass
the request in each record, and its repr carries the query string, which can hold a phone number, an email
or a code. What the configured handler writes must hold the path only. Through the full middleware, with
the handler `cita.settings.LOGGING` configures."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from cita.core import logging as cita_logging

pytestmark = pytest.mark.django_db

EMAIL = "rosa.mejia@example.org"
PHONE = "+526645550123"


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """What the configured `stderr` handler writes, captured (its filters and formatter as configured)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stderr")
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_a_not_found_page_is_logged_without_its_query_string(log_text):
    client = Client(enforce_csrf_checks=True)
    response = client.get(f"/no-such-page?email={EMAIL}&phone={PHONE}&code=123456")
    assert response.status_code == 404
    text = log_text.getvalue()
    assert "/no-such-page" in text  # the record was written, with its path
    for secret in (EMAIL, "rosa.mejia", "5550123", "123456"):
        assert secret not in text


def test_a_refused_form_is_logged_without_its_query_string_or_body(log_text):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/signin?contact={EMAIL}", {"contact": PHONE, "code": "654321"})
    assert response.status_code == 403  # no CSRF token: django.security.csrf logs the request
    text = log_text.getvalue()
    assert "/signin" in text
    for secret in (EMAIL, "5550123", "654321"):
        assert secret not in text


def test_a_server_error_is_logged_without_its_query_string(log_text, settings):
    settings.ROOT_URLCONF = "tests.core.broken_urls"
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.get(f"/broken?email={EMAIL}")
    assert response.status_code == 500
    text = log_text.getvalue()
    assert "/broken" in text
    assert "Internal Server Error" in text
    assert EMAIL not in text
    assert "rosa.mejia" not in text


def test_a_record_with_bad_arguments_still_reaches_the_handler():
    record = logging.makeLogRecord({"msg": "two %s %s", "args": ("one",)})
    assert cita_logging.PersonalDataFilter().filter(record)
