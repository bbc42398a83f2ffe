"""Text messages while `CITA_INDEX_KEY` rotates: a real ring of two keys, the SMS webhook, the outbox."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from cita.appointments.models import Appointment
from cita.conversations.models import Command, InboundMessage
from cita.conversations.selectors import offer_code
from cita.core import crypto
from cita.core.crypto import new_key_ring_entry
from cita.notifications.delivery import deliveries_send_due, number_index
from cita.notifications.models import DeliveryStatus, NoticeKind, StoppedNumber
from cita.notifications.sinks import SmsSink
from tests.conversations.test_services import group_with_phone, offered, word
from tests.factories.conversations import sms_send
from tests.factories.notifications import enqueue

pytestmark = pytest.mark.django_db

NEW = new_key_ring_entry("i2")


@pytest.fixture
def old_key(settings) -> Iterator[str]:
    old = settings.CITA_INDEX_KEY
    yield old
    settings.CITA_INDEX_KEY = old
    crypto.reset_key_cache()


def use_ring(settings, text: str) -> None:
    settings.CITA_INDEX_KEY = text
    crypto.reset_key_cache()


@pytest.fixture
def sms_provider(settings) -> Iterator[SmsSink]:
    sink = SmsSink(token="rotation").start()
    settings.CITA_SMS_URL, settings.CITA_SMS_TOKEN, settings.CITA_SMS_TIMEOUT = sink.url, "rotation", 2
    yield sink
    sink.stop()


def test_a_reply_with_the_code_of_a_message_sent_before_the_rotation_still_confirms(
    client, frozen_clock, settings, old_key
):
    group, phone, offer = offered(client, frozen_clock, "es")
    code = offer_code(offer_id=offer.pk)
    use_ring(settings, f"{NEW},{old_key}")
    sms_send(client, phone, f"{word('confirm', 'es')} {code}")
    assert InboundMessage.objects.order_by("-id")[0].command != Command.UNREGISTERED
    assert Appointment.objects.get(applicant=group).offer_id == offer.pk


def test_a_stop_holds_during_the_rotation_and_after_the_old_key_is_dropped(
    client, settings, old_key, sms_provider
):
    group, phone = group_with_phone("es")
    sms_send(client, phone, word("stop", "es"))
    use_ring(settings, f"{NEW},{old_key}")
    during = enqueue(NoticeKind.CONFIRMED, applicant=group)
    deliveries_send_due()
    assert during.deliveries.get().status == DeliveryStatus.SKIPPED

    call_command("reindex", stdout=io.StringIO())
    use_ring(settings, NEW)
    assert StoppedNumber.objects.get().number_index == number_index(phone)
    after = enqueue(NoticeKind.CONFIRMED, applicant=group)
    deliveries_send_due()
    assert after.deliveries.get().status == DeliveryStatus.SKIPPED
    sms_send(client, phone, word("start", "es"))
    assert StoppedNumber.objects.get().restarted_at is not None
