"""`cita demo-sms` against a real running server (pytest-django's live server): the message goes in signed,
cita answers through the outbox to the SMS stand-in, and both sides land in the conversation log. And the
demo writes the three webhook secrets."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator

import pytest
from django.db import connection

from cita.cli import main
from cita.cli.demo import WEBHOOK_SECRETS, secrets_complete, secrets_write
from cita.cli.demo_sms import _reply_after
from cita.conversations.models import InboundMessage
from cita.notifications.delivery import deliveries_send_due
from cita.notifications.sinks import SmsSink
from tests.factories.registrations import applicant

TOKEN = "demo-sms-test-token"
PHONE = "+526640001234"


@pytest.fixture
def no_jobs(django_db_blocker) -> Iterator[None]:
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_periodic_defers")
        cursor.execute("DELETE FROM procrastinate_jobs")


@pytest.mark.django_db(transaction=True)
def test_a_demo_conversation_goes_through_the_webhook_and_both_sides_are_logged(
    live_server, settings, monkeypatch, tmp_path, no_jobs
):
    settings.CITA_BASE_URL = live_server.url
    settings.CITA_SMS_WEBHOOK_TOKEN = TOKEN
    monkeypatch.setenv("CITA_SMS_WEBHOOK_TOKEN", TOKEN)
    log = tmp_path / "sms.log"
    sink = SmsSink(token="t", log=log).start()
    settings.CITA_SMS_URL, settings.CITA_SMS_TOKEN = sink.url, "t"
    try:
        applicant(phone=PHONE, language="es")
        args = ["demo-sms", PHONE, "AYUDA", "--url", live_server.url, "--log", str(log), "--wait", "0"]
        assert main(args) == 1  # no worker in this test: the reply is owed, not sent yet
        assert InboundMessage.objects.get().command == "help"
        assert deliveries_send_due().sent == 1
    finally:
        sink.stop()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["direction"], line["channel"]) for line in lines] == [("in", "sms"), ("out", "sms")]
    assert lines[0]["text"] == "AYUDA"
    assert lines[1]["to"] == PHONE
    assert "ESTADO" in lines[1]["text"]
    assert _reply_after(log, 0, PHONE) == lines[1]["text"]


@pytest.mark.django_db(transaction=True)
def test_a_wrong_token_is_refused_by_the_server(live_server, settings, monkeypatch, tmp_path, capsys):
    settings.CITA_SMS_WEBHOOK_TOKEN = TOKEN
    settings.CITA_BASE_URL = live_server.url
    monkeypatch.setenv("CITA_SMS_WEBHOOK_TOKEN", "not-the-token")
    args = ["demo-sms", PHONE, "AYUDA", "--url", live_server.url, "--log", str(tmp_path / "l"), "--wait", "0"]
    assert main(args) != 0
    assert "403" in capsys.readouterr().err
    assert not InboundMessage.objects.exists()


def test_the_demo_writes_the_webhook_secrets_and_adds_them_to_an_older_file(tmp_path):
    path = tmp_path / "secrets.env"
    assert secrets_write(path, base_url="http://127.0.0.1:8000")
    values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    assert all(len(values[name]) >= 24 for name in WEBHOOK_SECRETS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secrets_complete(path) == []
    older = tmp_path / "older.env"
    older.write_text("CITA_SECRET_KEY=x\nCITA_SMS_WEBHOOK_TOKEN=kept\n")
    added = secrets_complete(older)
    assert [name for name in added if name in WEBHOOK_SECRETS] == [
        "CITA_WHATSAPP_APP_SECRET",
        "CITA_WHATSAPP_VERIFY_TOKEN",
    ]
    text = older.read_text()
    assert "CITA_SMS_WEBHOOK_TOKEN=kept\n" in text
    assert text.startswith("CITA_SECRET_KEY=x\n")
