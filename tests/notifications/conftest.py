"""Real local servers for the notifications tests: an SMTP server (aiosmtpd) and an HTTP SMS provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from cita.notifications.sinks import MailSink, SmsSink

SMS_TOKEN = "test-sms-token"


@pytest.fixture
def no_jobs(django_db_blocker) -> Iterator[None]:
    """No procrastinate job left over (its tables are not emptied between transactional tests)."""

    def clear() -> None:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_periodic_defers")
            cursor.execute("DELETE FROM procrastinate_jobs")

    clear()
    yield
    clear()


@pytest.fixture
def mail_sink(settings) -> Iterator[MailSink]:
    """A running SMTP server; Django's email settings point at it."""
    sink = MailSink().start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


@pytest.fixture
def sms_sink(settings) -> Iterator[SmsSink]:
    """A running SMS provider; `CITA_SMS_*` point at it."""
    sink = SmsSink(token=SMS_TOKEN).start()
    settings.CITA_SMS_URL, settings.CITA_SMS_TOKEN = sink.url, SMS_TOKEN
    settings.CITA_SMS_SENDER = "cita"
    settings.CITA_SMS_TIMEOUT = 2
    yield sink
    sink.stop()


WHATSAPP_TOKEN = "test-whatsapp-token"


@pytest.fixture
def whatsapp_sink(settings) -> Iterator[SmsSink]:
    """A running WhatsApp Cloud API stand-in (the SMS sink's `/whatsapp` route); `CITA_WHATSAPP_*` point at
    it."""
    sink = SmsSink(token=WHATSAPP_TOKEN).start()
    settings.CITA_WHATSAPP_URL = f"http://{sink.host}:{sink.port}/whatsapp"
    settings.CITA_WHATSAPP_TOKEN = WHATSAPP_TOKEN
    settings.CITA_WHATSAPP_TIMEOUT = 2
    yield sink
    sink.stop()
