"""The text-message webhooks through real HTTP requests (Django's test client), signed as Twilio and Meta
sign them: signed calls are handled once, unsigned, wrongly signed and replayed ones change nothing."""

from __future__ import annotations

import logging

import pytest

from cita.conversations.models import InboundMessage
from cita.conversations.signatures import twilio_signature
from cita.notifications.models import Delivery, Notice, NoticeKind
from tests.factories.conversations import (
    SMS_WEBHOOK_TOKEN,
    WHATSAPP_APP_SECRET,
    WHATSAPP_VERIFY_TOKEN,
    last_reply,
    sms_form,
    sms_send,
    whatsapp_body,
    whatsapp_send,
)
from tests.factories.registrations import applicant

pytestmark = pytest.mark.django_db

PHONE = "+526641234567"


@pytest.fixture(autouse=True)
def webhook_secrets(settings) -> None:
    settings.CITA_SMS_WEBHOOK_TOKEN = SMS_WEBHOOK_TOKEN
    settings.CITA_WHATSAPP_APP_SECRET = WHATSAPP_APP_SECRET
    settings.CITA_WHATSAPP_VERIFY_TOKEN = WHATSAPP_VERIFY_TOKEN


def nothing_changed() -> bool:
    return not InboundMessage.objects.exists() and not Notice.objects.filter(kind=NoticeKind.REPLY).exists()


def test_twilio_signature_matches_the_example_of_twilios_documentation():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature(token="12345", url=url, params=params.items()) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_a_signed_sms_is_answered_with_empty_twiml_and_a_reply_through_the_outbox(client):
    applicant(phone=PHONE, language="es")
    response = sms_send(client, PHONE, "ayuda")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode().endswith("<Response/>")
    assert "ESTADO" in last_reply(PHONE)
    notice = Notice.objects.get(kind=NoticeKind.REPLY)
    assert notice.address == PHONE
    assert notice.language == "es"
    assert list(Delivery.objects.filter(notice=notice).values_list("channel", flat=True)) == ["sms"]


def test_an_unsigned_sms_is_refused_logged_and_changes_nothing(client, caplog):
    applicant(phone=PHONE)
    with caplog.at_level(logging.WARNING, logger="cita.web.views.hooks"):
        response = client.post("/hooks/sms", sms_form(PHONE, "estado"))
    assert response.status_code == 403
    assert nothing_changed()
    assert any(r.getMessage() == "webhook refused" for r in caplog.records)


@pytest.mark.parametrize("how", ["wrong token", "tampered body", "other URL"])
def test_a_wrongly_signed_sms_is_refused_and_changes_nothing(client, how):
    applicant(phone=PHONE)
    form = sms_form(PHONE, "cancelar")
    token, url, signed = SMS_WEBHOOK_TOKEN, "http://testserver/hooks/sms", dict(form)
    if how == "wrong token":
        token = "not-the-token"
    elif how == "tampered body":
        signed["Body"] = "estado"
    else:
        url = "http://evil.example/hooks/sms"
    signature = twilio_signature(token=token, url=url, params=signed.items())
    response = client.post("/hooks/sms", form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert nothing_changed()


def test_without_a_configured_token_every_sms_call_is_refused(client, settings):
    settings.CITA_SMS_WEBHOOK_TOKEN = ""
    applicant(phone=PHONE)
    assert sms_send(client, PHONE, "estado", token="").status_code == 403
    assert nothing_changed()


def test_a_replayed_sms_is_acknowledged_and_handled_once(client):
    applicant(phone=PHONE)
    first = sms_send(client, PHONE, "estado", sid="SM" + "7" * 32)
    again = sms_send(client, PHONE, "estado", sid="SM" + "7" * 32)
    assert first.status_code == again.status_code == 200
    assert InboundMessage.objects.count() == 1
    assert Notice.objects.filter(kind=NoticeKind.REPLY).count() == 1


def test_the_whatsapp_handshake_echoes_the_challenge_only_with_the_verify_token(client):
    good = {"hub.mode": "subscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = client.get("/hooks/whatsapp", good)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert client.get("/hooks/whatsapp", {**good, "hub.verify_token": "guess"}).status_code == 403
    assert client.get("/hooks/whatsapp", {**good, "hub.mode": "unsubscribe"}).status_code == 403


def test_a_signed_whatsapp_message_is_answered_on_whatsapp(client):
    applicant(phone=PHONE, language="ht")
    response = whatsapp_send(client, PHONE, "Èd")
    assert response.status_code == 200
    notice = Notice.objects.get(kind=NoticeKind.REPLY)
    assert notice.address == PHONE
    assert notice.address_kind == "whatsapp"
    assert notice.language == "ht"
    assert list(Delivery.objects.filter(notice=notice).values_list("channel", flat=True)) == ["whatsapp"]
    assert last_reply(PHONE) == notice.context["text"]


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "tampered body"])
def test_an_unsigned_or_wrongly_signed_whatsapp_call_is_refused(client, how, caplog):
    applicant(phone=PHONE)
    body = whatsapp_body(PHONE, "estado")
    headers = {}
    if how == "wrong secret":
        headers = {"X-Hub-Signature-256": whatsapp_signature("other", body)}
    elif how == "tampered body":
        headers = {"X-Hub-Signature-256": whatsapp_signature(WHATSAPP_APP_SECRET, body + b" ")}
    with caplog.at_level(logging.WARNING, logger="cita.web.views.hooks"):
        response = client.post("/hooks/whatsapp", body, content_type="application/json", headers=headers)
    assert response.status_code == 403
    assert nothing_changed()
    assert any(r.getMessage() == "webhook refused" for r in caplog.records)


def whatsapp_signature(secret: str, body: bytes) -> str:
    from cita.conversations.signatures import hub_signature

    return hub_signature(secret=secret, body=body)


def test_a_replayed_whatsapp_message_is_acknowledged_and_handled_once(client):
    applicant(phone=PHONE)
    assert whatsapp_send(client, PHONE, "estado", wamid="wamid.same").status_code == 200
    assert whatsapp_send(client, PHONE, "estado", wamid="wamid.same").status_code == 200
    assert InboundMessage.objects.count() == 1
    assert Notice.objects.filter(kind=NoticeKind.REPLY).count() == 1


def test_the_same_id_from_the_other_provider_is_another_message(client):
    applicant(phone=PHONE)
    sms_send(client, PHONE, "estado", sid="shared-id")
    whatsapp_send(client, PHONE, "estado", wamid="shared-id")
    assert InboundMessage.objects.count() == 2


def test_a_whatsapp_status_update_without_messages_is_acknowledged_and_ignored(client):
    from cita.conversations.signatures import hub_signature

    body = b'{"object":"whatsapp_business_account",'
    body += b'"entry":[{"changes":[{"value":{"statuses":[{"id":"x"}]}}]}]}'
    response = client.post(
        "/hooks/whatsapp",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": hub_signature(secret=WHATSAPP_APP_SECRET, body=body)},
    )
    assert response.status_code == 200
    assert nothing_changed()


def test_over_its_providers_hourly_budget_a_message_is_acknowledged_and_not_handled(
    client, settings, frozen_clock, caplog
):
    settings.CITA_CONVERSATION_PROVIDER_RATE_PER_HOUR = 3
    phones = [f"+5266412300{n:02d}" for n in range(6)]
    for phone in phones:
        applicant(phone=phone)
    for _ in range(5):  # unsigned calls spend nothing of the budget
        assert sms_send(client, phones[0], "estado", token="guess").status_code == 403
    with caplog.at_level(logging.WARNING, logger="cita.conversations.services"):
        answers = [sms_send(client, phone, "estado") for phone in phones]
    assert [a.status_code for a in answers] == [200] * 6, "the provider must not retry for ever"
    assert answers[-1].content == answers[0].content
    assert InboundMessage.objects.count() == 3
    assert Notice.objects.filter(kind=NoticeKind.REPLY).count() == 3
    over = [r for r in caplog.records if r.getMessage() == "text-message provider over its hourly budget"]
    assert len(over) == 1, "logged once, not once a message"
    assert over[0].provider == "sms"

    assert whatsapp_send(client, phones[5], "ayuda").status_code == 200, "WhatsApp has its own budget"
    assert InboundMessage.objects.filter(provider="whatsapp").count() == 1

    frozen_clock.advance(hours=1)
    sms_send(client, phones[5], "estado")
    assert InboundMessage.objects.filter(provider="sms").count() == 4, "a new hour, a new budget"
