"""Webhooks of the text-message providers: people ask, check, confirm and cancel by SMS or WhatsApp.

Each call is signed by its provider and refused (403, logged, nothing changed) unless the signature is right;
a message delivered twice is acknowledged and handled once (cita.conversations.services). The reply goes
out later through the outbox, never in the webhook's answer. docs/sms.md.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from cita.conversations.models import Provider
from cita.conversations.services import message_receive
from cita.conversations.signatures import hub_signature_valid, token_matches, twilio_signature_valid
from cita.core.access import allow
from cita.core.actors import Role

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _refused(request: HttpRequest, provider: str, why: str) -> HttpResponse:
    log.warning(
        "webhook refused",
        extra={"provider": provider, "why": why, "path": request.path, "ip": request.META.get("REMOTE_ADDR")},
    )
    return HttpResponse("Forbidden", status=403, content_type="text/plain")


@csrf_exempt
@allow(Role.PUBLIC)
@require_POST
def sms(request: HttpRequest) -> HttpResponse:
    """Twilio's inbound SMS: form fields `From`, `To`, `Body`, `MessageSid`, signed by X-Twilio-Signature
    over the public URL (`CITA_BASE_URL` + path) and the sorted POST parameters."""
    url = settings.CITA_BASE_URL.rstrip("/") + request.get_full_path()
    params = [(name, value) for name in request.POST for value in request.POST.getlist(name)]
    if not twilio_signature_valid(
        token=settings.CITA_SMS_WEBHOOK_TOKEN,
        url=url,
        params=params,
        signature=request.headers.get("X-Twilio-Signature", ""),
    ):
        return _refused(request, Provider.SMS, "bad or missing X-Twilio-Signature")
    sender, sid = request.POST.get("From", ""), request.POST.get("MessageSid", "")
    if sender and sid:
        text = request.POST.get("Body", "")
        message_receive(provider=Provider.SMS, message_id=sid, phone=sender, text=text)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@allow(Role.PUBLIC)
@require_http_methods(["GET", "POST"])
def whatsapp(request: HttpRequest) -> HttpResponse:
    """WhatsApp Cloud API: GET is the subscription handshake (`hub.mode`, `hub.verify_token`,
    `hub.challenge`); POST carries `entry[].changes[].value.messages[]`, signed by X-Hub-Signature-256."""
    if request.method == "GET":
        if request.GET.get("hub.mode") == "subscribe" and token_matches(
            expected=settings.CITA_WHATSAPP_VERIFY_TOKEN, given=request.GET.get("hub.verify_token", "")
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return _refused(request, Provider.WHATSAPP, "bad verify token")
    body = request.body
    if not hub_signature_valid(
        secret=settings.CITA_WHATSAPP_APP_SECRET,
        body=body,
        signature=request.headers.get("X-Hub-Signature-256", ""),
    ):
        return _refused(request, Provider.WHATSAPP, "bad or missing X-Hub-Signature-256")
    try:
        payload = json.loads(body)
    except ValueError:
        return JsonResponse({"error": "invalid JSON"}, status=400)
    for sender, message_id, text in _whatsapp_texts(payload):
        message_receive(provider=Provider.WHATSAPP, message_id=message_id, phone=sender, text=text)
    return JsonResponse({})


def _whatsapp_texts(payload: Any) -> list[tuple[str, str, str]]:
    """(from, id, text) of every text message in a Cloud API notification; statuses and media are skipped."""
    found = []
    for entry in _items(payload, "entry"):
        for change in _items(entry, "changes"):
            value = change.get("value") if isinstance(change, dict) else None
            for message in _items(value, "messages"):
                text = message.get("text")
                body = text.get("body") if isinstance(text, dict) else None
                sender, message_id = message.get("from"), message.get("id")
                if isinstance(body, str) and isinstance(sender, str) and isinstance(message_id, str):
                    found.append((sender, message_id, body))
    return found


def _items(parent: Any, key: str) -> list[dict[str, Any]]:
    items = parent.get(key) if isinstance(parent, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
