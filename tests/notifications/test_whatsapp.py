"""The WhatsApp text channel against a real local HTTP server speaking the Cloud API's shape, and replies
to text messages delivered by the worker on the channel the person wrote on."""

from __future__ import annotations

import pytest
from django.db import transaction

from cita.notifications import channels
from cita.notifications.delivery import deliveries_send_due
from cita.notifications.models import DeliveryStatus, Notice, NoticeKind
from cita.notifications.services import notice_enqueue
from cita.notifications.sinks import free_port
from tests.notifications.conftest import WHATSAPP_TOKEN

pytestmark = pytest.mark.django_db

PHONE = "+526641234567"


def reply(text: str, *, kind: str = "whatsapp", key: str = "r1", phone: str = PHONE) -> Notice:
    with transaction.atomic():
        return notice_enqueue(
            kind=NoticeKind.REPLY,
            dedup_key=key,
            address=phone,
            address_kind=kind,
            language="es",
            context={"text": text},
        )


def test_a_text_goes_out_in_the_cloud_api_shape_with_the_bearer_token(whatsapp_sink):
    channel = channels.HttpWhatsApp()
    provider_id = channel.send(channels.SmsOut(reference="cita-n1-whatsapp", to=PHONE, text="cita: hola"))
    channel.close()
    (payload,) = whatsapp_sink.requests
    assert payload["messaging_product"] == "whatsapp"
    assert payload["to"] == "526641234567"
    assert payload["type"] == "text"
    assert payload["text"]["body"] == "cita: hola"
    assert provider_id == whatsapp_sink.messages[0].id
    assert provider_id.startswith("wamid.")


def test_a_wrong_token_is_refused_for_good(whatsapp_sink, settings):
    settings.CITA_WHATSAPP_TOKEN = "not-" + WHATSAPP_TOKEN
    with pytest.raises(channels.PermanentFailure, match="401"):
        channels.HttpWhatsApp().send(channels.SmsOut(reference="r", to=PHONE, text="x"))


def test_an_invalid_number_is_permanent_and_names_the_cloud_api_error(whatsapp_sink):
    with pytest.raises(channels.PermanentFailure, match="invalid_number"):
        channels.HttpWhatsApp().send(channels.SmsOut(reference="r", to="+12", text="x"))


def test_a_busy_provider_is_temporary_with_its_retry_after(whatsapp_sink):
    whatsapp_sink.respond = lambda payload: (503, {"error": {"message": "busy", "code": 2}})
    with pytest.raises(channels.TemporaryFailure, match="busy") as failure:
        channels.HttpWhatsApp().send(channels.SmsOut(reference="r", to=PHONE, text="x"))
    assert not isinstance(failure.value, channels.ChannelDown)


def test_an_unreachable_or_unconfigured_provider_is_down(settings):
    settings.CITA_WHATSAPP_URL = f"http://127.0.0.1:{free_port()}/whatsapp"
    with pytest.raises(channels.ChannelDown):
        channels.HttpWhatsApp().send(channels.SmsOut(reference="r", to=PHONE, text="x"))
    settings.CITA_WHATSAPP_URL = ""
    with pytest.raises(channels.ChannelDown, match="not configured"):
        channels.HttpWhatsApp().send(channels.SmsOut(reference="r", to=PHONE, text="x"))


def test_a_reply_goes_back_on_whatsapp_and_its_id_is_kept(whatsapp_sink, sms_sink):
    notice = reply("cita: responda con un número")
    assert deliveries_send_due().sent == 1
    delivery = notice.deliveries.get()
    assert delivery.channel == "whatsapp"
    assert delivery.status == DeliveryStatus.SENT
    (message,) = whatsapp_sink.messages
    assert (message.to, message.text, message.channel) == (PHONE, "cita: responda con un número", "whatsapp")
    assert delivery.provider_message_id == message.id
    assert not sms_sink.messages


def test_a_reply_to_an_sms_goes_back_by_sms(sms_sink):
    notice = reply("cita: hola", kind="sms")
    assert deliveries_send_due().sent == 1
    assert notice.deliveries.get().channel == "sms"
    assert [m.text for m in sms_sink.messages] == ["cita: hola"]


def test_replies_are_not_held_back_by_the_hourly_notice_limit(sms_sink, settings):
    settings.CITA_NOTIFY_RATE_PER_HOUR = 1
    for n in range(3):
        reply(f"cita: {n}", kind="sms", key=f"r{n}")
    assert deliveries_send_due().sent == 3


def test_a_reply_longer_than_two_parts_is_refused_when_owed():
    from cita.notifications.errors import InvalidNoticeContext

    with pytest.raises(InvalidNoticeContext, match="2 SMS parts"):
        reply("x" * 307)


def test_a_stopped_number_gets_only_replies_on_either_channel_and_email_still_goes(
    whatsapp_sink, sms_sink, mail_sink
):
    from cita.notifications.services import number_stop
    from tests.factories.notifications import enqueue
    from tests.factories.registrations import applicant

    person = applicant(phone=PHONE, email="p@example.org")
    with transaction.atomic():
        number_stop(number=PHONE)
    notice = enqueue(NoticeKind.CONFIRMED, applicant=person)
    code = enqueue(NoticeKind.SIGNIN_CODE, applicant=person)
    reply("cita: ok", kind="whatsapp", key="w")
    reply("cita: ok", kind="sms", key="s")
    deliveries_send_due()
    by_channel = {d.channel: d.status for d in notice.deliveries.all()}
    assert by_channel == {"sms": DeliveryStatus.SKIPPED, "email": DeliveryStatus.SENT}
    assert code.deliveries.get().status == DeliveryStatus.SKIPPED
    code.refresh_from_db()
    assert "code" not in code.context
    assert [m.channel for m in whatsapp_sink.messages] == ["whatsapp"]
    assert [m.text for m in sms_sink.messages] == ["cita: ok"]
