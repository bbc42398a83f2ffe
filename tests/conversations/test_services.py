"""Every command, in every language, through the SMS webhook with real signatures: what the person sees in
the reply, and what changed (the same services as the web: requests, offers, appointments, language)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from cita.appointments.models import Appointment, AppointmentState
from cita.conversations import replies
from cita.conversations.commands import WORDS
from cita.conversations.models import Command, Conversation, InboundMessage
from cita.conversations.selectors import offer_code
from cita.draws.models import Draw, Offer, OfferState, Request
from cita.draws.services import draw_close
from cita.notifications.delivery import deliveries_send_due
from cita.notifications.gsm import segments, sms_prepare
from cita.notifications.models import DeliveryStatus, NoticeKind, StoppedNumber
from cita.notifications.sinks import SmsSink
from cita.registrations.models import Applicant
from cita.registrations.signin import contact_parse, signin_code_send, signin_code_verify
from tests.factories.conversations import last_reply, replies_to, sms_send, whatsapp_send
from tests.factories.draws import JOB, WINDOW_CLOSES, appointment_made, open_draw, san_ysidro_and_el_paso
from tests.factories.notifications import enqueue
from tests.factories.registrations import ShelterFactory, applicant, registered_group
from tests.factories.staff import resident
from tests.registrations.test_signin import code_of

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "es", "ht", "fr", "pt")
NEWCOMER = "+526649990001"


def words(text: object, language: str, **values: str) -> str:
    """A reply as the person reads it in `language`."""
    with translation.override(language):
        out = str(text)
    return out % values if values else out


def word(command: str, language: str) -> str:
    """The first word people type for `command` in `language`, in capitals."""
    return WORDS[command][language][0].upper()


def group_with_phone(language: str = "es", size: int = 1) -> tuple[Applicant, str]:
    row = registered_group(size=size, language=language)
    assert row.phone
    return row, row.phone


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_and_unknown_text_get_the_menu_in_the_persons_language(client, language):
    _, phone = group_with_phone(language)
    sms_send(client, phone, word("help", language))
    assert last_reply(phone) == words(replies.MENU, language)
    sms_send(client, phone, "qwerty")
    assert last_reply(phone) == words(replies.MENU, language)
    assert list(InboundMessage.objects.order_by("id").values_list("command", flat=True)) == [
        Command.HELP,
        Command.UNKNOWN,
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_word_of_the_menu_works_in_its_language(client, language):
    _, phone = group_with_phone(language)
    menu = words(replies.MENU, language)
    for number, command in (("1", "status"), ("2", "ask"), ("3", "cancel"), ("4", "language"), ("0", "help")):
        # The menu shows a number and a word for each command: both are read as that command.
        after = menu.split(f" {number} ", 1)[1].split(" ", 1)[0]
        for text in (number, after):
            sms_send(client, phone, text)
            got = InboundMessage.objects.order_by("-id").values_list("command", flat=True).first()
            assert got == command, f"{language}: {text!r} read as {got}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_status_without_a_request_says_how_to_ask(client, language):
    _, phone = group_with_phone(language)
    sms_send(client, phone, word("status", language))
    assert last_reply(phone) == words(replies.NOTHING, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_ask_shows_the_ports_then_the_numbers_enter_the_draw(client, frozen_clock, language):
    san_ysidro_and_el_paso()
    draw = open_draw(frozen_clock)
    group, phone = group_with_phone(language)
    sms_send(client, phone, word("ask", language))
    ports = "1 San Ysidro, 2 El Paso"
    assert last_reply(phone) == words(replies.PORTS, language, ports=ports)
    sms_send(client, phone, "2 1")
    request = Request.objects.get(applicant=group)
    assert (request.draw_id, request.ports) == (draw.pk, ["ELP", "SYS"])
    # The request's own notice (request_received, by SMS to this phone) is the answer: no second reply.
    assert request.ticket in last_reply(phone)
    assert len(replies_to(phone)) == 1
    sms_send(client, phone, word("status", language))
    assert request.ticket in last_reply(phone)


def test_ask_with_the_numbers_at_once_and_wrong_numbers_ask_again(client, frozen_clock):
    san_ysidro_and_el_paso()
    open_draw(frozen_clock)
    group, phone = group_with_phone("es")
    sms_send(client, phone, "pedir 1 1")
    assert last_reply(phone) == words(replies.PORTS_AGAIN, "es", ports="1 San Ysidro, 2 El Paso")
    sms_send(client, phone, "7")
    assert not Request.objects.exists()
    sms_send(client, phone, "Pedir 1")
    assert Request.objects.get(applicant=group).ports == ["SYS"]


def test_a_rule_of_the_service_is_the_reply_in_the_persons_language(client, frozen_clock):
    san_ysidro_and_el_paso()
    _, phone = group_with_phone("es")
    sms_send(client, phone, "pedir 1")  # no window is open: request_submit refuses, in Spanish
    assert not Request.objects.exists()
    closed = "Requests are closed now. You can ask when the next request window opens."
    assert last_reply(phone) == "cita: " + words(gettext_lazy(closed), "es")
    assert words(gettext_lazy(closed), "es") != closed


def offered(client, frozen_clock, language: str) -> tuple[Applicant, str, Offer]:
    """A group that asked by SMS and was drawn: its open offer."""
    san_ysidro_and_el_paso()
    draw = open_draw(frozen_clock)
    group, phone = group_with_phone(language)
    sms_send(client, phone, f"{word('ask', language)} 1")
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    return group, phone, Offer.objects.get(applicant=group, state=OfferState.OPEN)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stray_yes_confirms_nothing_and_yes_with_the_code_confirms(client, frozen_clock, language):
    group, phone, offer = offered(client, frozen_clock, language)
    code = offer_code(offer_id=offer.pk)
    sms_send(client, phone, word("status", language))
    assert f" {code}" in last_reply(phone)
    sms_send(client, phone, word("confirm", language))
    assert last_reply(phone) == words(replies.CODE_NEEDED, language)
    wrong = "1000" if code != "1000" else "1001"
    sms_send(client, phone, f"{word('confirm', language)} {wrong}")
    assert last_reply(phone) == words(replies.CODE_NEEDED, language)
    assert not Appointment.objects.exists()
    sms_send(client, phone, f"{word('confirm', language).lower()} {code}")
    appointment = Appointment.objects.get(applicant=group)
    assert appointment.offer_id == offer.pk
    assert f"/appointments/{appointment.pk}/pass" in last_reply(phone)  # the `confirmed` notice, by SMS


@pytest.mark.parametrize("language", ["fr", "ht"])
def test_confirmed_on_whatsapp_the_reply_carries_the_pass_and_the_ports_address(
    client, frozen_clock, language
):
    group, phone, offer = offered(client, frozen_clock, language)
    whatsapp_send(client, phone, f"{word('confirm', language)} {offer_code(offer_id=offer.pk)}")
    appointment = Appointment.objects.get(applicant=group)
    reply = replies_to(phone)[-1]
    assert appointment.port.address in reply
    assert f"/appointments/{appointment.pk}/pass" in reply


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_with_the_code_declines_the_offer(client, frozen_clock, language):
    _, phone, offer = offered(client, frozen_clock, language)
    sms_send(client, phone, f"{word('decline', language)} {offer_code(offer_id=offer.pk)}")
    offer.refresh_from_db()
    assert offer.state == OfferState.DECLINED
    assert last_reply(phone) == words(replies.DECLINED, language)
    sms_send(client, phone, f"{word('decline', language)} {offer_code(offer_id=offer.pk)}")
    assert last_reply(phone) == words(replies.NO_OFFER, language)


def appointment_by_sms(frozen_clock, language: str) -> tuple[Appointment, str]:
    appointment = appointment_made(frozen_clock, size=1)
    group = appointment.applicant
    group.language = language
    group.save(update_fields=["language"])
    assert group.phone
    return appointment, group.phone


@pytest.mark.parametrize("language", LANGUAGES)
def test_cancel_asks_first_and_yes_cancels(client, frozen_clock, language):
    appointment, phone = appointment_by_sms(frozen_clock, language)
    sms_send(client, phone, word("cancel", language))
    assert last_reply(phone).startswith(words(replies.CANCEL_ASK, language)[:12])
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED
    sms_send(client, phone, word("confirm", language))
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
    assert last_reply(phone) not in replies_to(phone)  # the `cancelled` notice, by SMS


def test_any_other_answer_keeps_the_appointment(client, frozen_clock):
    appointment, phone = appointment_by_sms(frozen_clock, "es")
    sms_send(client, phone, "cancelar")
    sms_send(client, phone, "estado")
    sms_send(client, phone, "si")
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED
    assert last_reply(phone) == words(replies.NO_OFFER, "es")


def test_the_cancel_step_lapses(client, frozen_clock, settings):
    appointment, phone = appointment_by_sms(frozen_clock, "es")
    sms_send(client, phone, "cancelar")
    frozen_clock.set(frozen_clock.now() + dt.timedelta(minutes=settings.CITA_CONVERSATION_STEP_MINUTES + 1))
    sms_send(client, phone, "si")
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED


def test_cancel_without_an_appointment(client):
    _, phone = group_with_phone("fr")
    sms_send(client, phone, "annuler")
    assert last_reply(phone) == words(replies.NO_APPOINTMENT, "fr")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_language_changes_by_menu_number_or_by_name(client, language):
    group, phone = group_with_phone("en")
    sms_send(client, phone, word("language", language))
    assert last_reply(phone) == replies.LANGUAGES
    number = str(("en", "es", "ht", "fr", "pt").index(language) + 1)
    sms_send(client, phone, number)
    group.refresh_from_db()
    assert group.language == language
    assert last_reply(phone) == words(replies.LANGUAGE_SET, language)
    sms_send(client, phone, f"{word('language', language)} english")
    group.refresh_from_db()
    assert group.language == "en"
    sms_send(client, phone, "Kreyòl")
    group.refresh_from_db()
    assert group.language == "ht"
    sms_send(client, phone, "ed")
    assert last_reply(phone) == words(replies.MENU, "ht")


@pytest.mark.parametrize(
    ("text", "language"), [("hola", "es"), ("bonjour", "fr"), ("kijan", "ht"), ("oi", "pt")]
)
def test_a_new_number_is_told_once_how_to_register_in_the_language_it_wrote(client, text, language):
    sms_send(client, NEWCOMER, text)
    assert last_reply(NEWCOMER) == words(replies.UNREGISTERED, language, url="http://testserver/signin")
    sms_send(client, NEWCOMER, "estado")
    sms_send(client, NEWCOMER, "pedir 1")
    assert len(replies_to(NEWCOMER)) == 1
    assert not Request.objects.exists()
    assert not Applicant.objects.exists()
    assert Conversation.objects.get().language == language


def test_a_phone_a_worker_typed_cannot_act_until_a_sign_in_code_proves_it(client, frozen_clock):
    san_ysidro_and_el_paso()
    open_draw(frozen_clock)
    row = resident(shelter=ShelterFactory.create(), phone_proven=False)
    phone = row.phone
    assert phone
    sms_send(client, phone, "pedir 1")
    sms_send(client, phone, "estado")
    told = words(replies.UNVERIFIED, "es", url="http://testserver/signin")
    assert replies_to(phone) == [told], "one message on how to prove the number, then quiet"
    assert not Request.objects.exists()
    assert set(InboundMessage.objects.values_list("command", flat=True)) == {Command.UNVERIFIED}

    sent = signin_code_send(contact=contact_parse(phone), language="es", client="phone", ip="10.0.0.9")
    assert signin_code_verify(token=sent.token, code=code_of(sent)).pk == row.pk
    sms_send(client, phone, "pedir 1")
    assert Request.objects.filter(applicant=row).exists()


def test_a_phone_over_its_hourly_limit_is_not_answered(client, settings):
    settings.CITA_CONVERSATION_RATE_PER_HOUR = 2
    _, phone = group_with_phone("es")
    for _ in range(4):
        sms_send(client, phone, "estado")
    assert len(replies_to(phone)) == 2
    assert InboundMessage.objects.filter(command=Command.LIMITED).count() == 2


def test_whatsapp_and_sms_reach_the_same_account(client):
    _, phone = group_with_phone("pt")
    whatsapp_send(client, phone, "ajuda")
    assert last_reply(phone) == words(replies.MENU, "pt")


def test_on_whatsapp_the_reply_says_what_the_sms_notice_says(client, frozen_clock):
    appointment, phone = appointment_by_sms(frozen_clock, "pt")
    whatsapp_send(client, phone, "cancelar")
    whatsapp_send(client, phone, "sim")
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
    assert replies_to(phone)[-1] == words(replies.CANCELLED, "pt")


def test_the_number_of_a_shelter_resident_without_a_phone_is_not_an_account(client):
    applicant(phone="+526641110000")
    sms_send(client, "+526641110001", "estado")
    assert InboundMessage.objects.get().command == Command.UNREGISTERED


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reply_fits_two_sms_parts_with_the_longest_values(language):
    from tests.factories.notifications import LONG_ADDRESS, LONG_PORT, LONG_URL

    longest = {
        "port": LONG_PORT,
        "date": "miércoles 30 de septiembre",
        "slot": "11:30 AM",
        "deadline": "quarta-feira, 16 de setembro às 11:30 (PDT)",
        "code": "4821",
        "ticket": "K7Q2M9X4AB",
        "pass_url": LONG_URL,
        "address": LONG_ADDRESS,
        "url": LONG_URL,
        "ports": ", ".join(f"{n} {'W' * 16}" for n in range(1, 10)),
    }
    found = {}
    for name in dir(replies):
        text = getattr(replies, name)
        if name.isupper() and not isinstance(text, (int, dict)):
            rendered = sms_prepare(
                words(text, language) % longest if "%(" in str(text) else words(text, language)
            )
            found[name] = segments(rendered)
            print(f"{name:22} {language} {len(rendered):3} chars {segments(rendered)} seg")
    assert max(found.values()) <= 2, found
    assert found["MENU"] == 1


@pytest.fixture
def sms_provider(settings) -> Iterator[SmsSink]:
    sink = SmsSink(token="stop").start()
    settings.CITA_SMS_URL, settings.CITA_SMS_TOKEN, settings.CITA_SMS_TIMEOUT = sink.url, "stop", 2
    yield sink
    sink.stop()


@pytest.mark.parametrize("language", LANGUAGES)
def test_stop_ends_every_message_but_the_replies_and_start_brings_them_back(client, sms_provider, language):
    group, phone = group_with_phone(language)
    sms_send(client, phone, word("stop", language))
    assert last_reply(phone) == words(replies.STOPPED, language)
    assert StoppedNumber.objects.get().restarted_at is None
    notice = enqueue(NoticeKind.CONFIRMED, applicant=group)
    sms_send(client, phone, word("status", language))  # a reply to its own message still goes
    deliveries_send_due()
    sent = [m.text for m in sms_provider.messages]
    assert sent == [sms_prepare(words(replies.STOPPED, language)), sms_prepare(last_reply(phone))]
    skipped = notice.deliveries.get()
    assert (skipped.status, skipped.last_error) == (DeliveryStatus.SKIPPED, "the recipient sent STOP")

    sms_send(client, phone, word("start", language))
    assert last_reply(phone) == words(replies.STARTED, language)
    assert StoppedNumber.objects.get().restarted_at is not None
    later = enqueue(NoticeKind.CONFIRMED, applicant=group)
    deliveries_send_due()
    assert later.deliveries.get().status == DeliveryStatus.SENT


def test_a_number_without_an_account_may_stop_too(client):
    sms_send(client, NEWCOMER, "parar")
    assert last_reply(NEWCOMER) == words(replies.STOPPED, "es")
    assert InboundMessage.objects.get().command == Command.STOP
    assert StoppedNumber.objects.filter(restarted_at__isnull=True).count() == 1


def test_only_a_proven_phones_messages_keep_their_words(client, frozen_clock):
    row = resident(shelter=ShelterFactory.create(), phone_proven=False)
    assert row.phone
    sms_send(client, row.phone, "STOP")
    sms_send(client, row.phone, "estado")
    assert list(InboundMessage.objects.values_list("applicant", "text", "reply")) == [
        (None, None, None),
        (None, None, None),
    ]
    _, phone = group_with_phone("es")
    sms_send(client, phone, "estado")
    kept = InboundMessage.objects.get(applicant__isnull=False)
    assert (kept.text, kept.reply) == ("estado", words(replies.NOTHING, "es"))
