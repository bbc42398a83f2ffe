"""Builders for text-message conversations: provider webhook calls signed as the providers sign them."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.db.models import Q
from django.test import Client

from cita.conversations.signatures import hub_signature, twilio_signature
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.rendering import render

SMS_WEBHOOK_TOKEN = "test-twilio-auth-token"
WHATSAPP_APP_SECRET = "test-whatsapp-app-secret"
WHATSAPP_VERIFY_TOKEN = "test-whatsapp-verify-token"
SMS_URL = "http://testserver/hooks/sms"

_ids = itertools.count(1)


def sms_form(phone: str, text: str, *, sid: str | None = None) -> dict[str, str]:
    """Twilio's form fields of one inbound SMS."""
    return {
        "MessageSid": sid or f"SM{next(_ids):032d}",
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+15550001111",
        "Body": text,
        "NumMedia": "0",
    }


def sms_send(
    client: Client, phone: str, text: str, *, sid: str | None = None, token: str = SMS_WEBHOOK_TOKEN
) -> Any:
    """POST one SMS to the webhook, signed with `token` as Twilio signs it."""
    form = sms_form(phone, text, sid=sid)
    signature = twilio_signature(token=token, url=SMS_URL, params=form.items())
    return client.post("/hooks/sms", form, headers={"X-Twilio-Signature": signature})


def whatsapp_body(phone: str, text: str, *, wamid: str | None = None) -> bytes:
    """A WhatsApp Cloud API notification carrying one text message from `phone` (digits only)."""
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1055"},
                            "contacts": [{"profile": {"name": "x"}, "wa_id": phone.lstrip("+")}],
                            "messages": [
                                {
                                    "from": phone.lstrip("+"),
                                    "id": wamid or f"wamid.HBgL{next(_ids):020d}",
                                    "timestamp": "1764590400",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


def whatsapp_send(
    client: Client, phone: str, text: str, *, wamid: str | None = None, secret: str = WHATSAPP_APP_SECRET
) -> Any:
    """POST one WhatsApp message to the webhook, signed with `secret` as Meta signs it."""
    body = whatsapp_body(phone, text, wamid=wamid)
    return client.post(
        "/hooks/whatsapp",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": hub_signature(secret=secret, body=body)},
    )


def replies_to(phone: str) -> list[str]:
    """The replies owed to `phone`, oldest first (the outbox's words, before any worker sends them)."""
    rows = Notice.objects.filter(kind=NoticeKind.REPLY).order_by("created_at", "id")
    return [row.context["text"] for row in rows if row.address == phone]


def texts_to(phone: str) -> list[str]:
    """Every text owed to `phone`, oldest first: replies to its messages, and the notices of its account's
    changes that go by SMS (as the worker will render them)."""
    rows = Notice.objects.filter(Q(kind=NoticeKind.REPLY) | Q(deliveries__channel="sms")).distinct()
    texts = []
    for row in rows.select_related("applicant").order_by("id"):
        if row.kind == NoticeKind.REPLY:
            if row.address == phone:
                texts.append(row.context["text"])
        elif row.kind != NoticeKind.SIGNIN_CODE and row.applicant and row.applicant.phone == phone:
            texts.append(render(kind=row.kind, context=row.context, language=row.language).sms)
    return texts


def last_reply(phone: str) -> str:
    """The latest text owed to `phone` (a reply, or the notice of the change it asked for)."""
    found = texts_to(phone)
    assert found, f"nothing owed to {phone}"
    return found[-1]
