"""The webhook secrets of the text-message providers, set for every conversations test."""

from __future__ import annotations

import pytest

from tests.factories.conversations import SMS_WEBHOOK_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN


@pytest.fixture(autouse=True)
def webhook_secrets(settings) -> None:
    settings.CITA_SMS_WEBHOOK_TOKEN = SMS_WEBHOOK_TOKEN
    settings.CITA_WHATSAPP_APP_SECRET = WHATSAPP_APP_SECRET
    settings.CITA_WHATSAPP_VERIFY_TOKEN = WHATSAPP_VERIFY_TOKEN
