"""Delivery against real local servers: an SMTP server (aiosmtpd) and an HTTP SMS provider (http.server).
Nothing here mocks a transport: failures are made by the servers themselves."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections

from cita.notifications.delivery import (
    codes_expire,
    deliveries_release_orphans,
    deliveries_send_due,
)
from cita.notifications.models import Delivery, DeliveryStatus, Notice, NoticeKind
from cita.notifications.sinks import MailSink
from tests.factories.notifications import enqueue
from tests.factories.registrations import applicant

pytestmark = pytest.mark.django_db


def email_person(n: int = 0, language: str = "es"):
    return applicant(email=f"person{n}@example.org", language=language)


def sms_person(n: int = 0, language: str = "ht"):
    return applicant(phone=f"+5266400{n:05d}", language=language)


def status_of(notice: Notice) -> str:
    return notice.deliveries.get().status


def test_an_email_goes_out_over_smtp_in_the_applicants_language(mail_sink, frozen_clock):
    notice = enqueue(NoticeKind.CONFIRMED, applicant=email_person(language="fr"))
    stats = deliveries_send_due()
    assert stats.sent == 1
    (mail,) = mail_sink.messages
    message = mail.message
    assert mail.rcpt_tos == ["person0@example.org"]
    assert message["Subject"] == "Votre rendez-vous est confirmé"
    assert message["Content-Language"] == "fr"
    assert "Point d’entrée : San Ysidro" in message.get_content()
    assert "mercredi 30 septembre 2026" in message.get_content()
    delivery = notice.deliveries.get()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at == frozen_clock.now()
    assert delivery.provider_message_id == message["Message-ID"] == f"<cita-n{notice.pk}-email@testserver>"
    assert delivery.recipient_index
    assert delivery.attempts == 1


def test_an_sms_goes_to_the_provider_with_the_common_payload_and_its_id_is_kept(sms_sink):
    notice = enqueue(NoticeKind.CONFIRMED, applicant=sms_person())
    assert deliveries_send_due().sent == 1
    (request,) = sms_sink.requests
    assert set(request) == {"to", "from", "text", "reference"}
    assert request["to"] == "+526640000000"
    assert request["from"] == "cita"
    assert request["text"].startswith("cita: randevou ou konfime. San Ysidro")
    assert request["reference"] == f"cita-n{notice.pk}-sms"
    delivery = notice.deliveries.get()
    assert (delivery.status, delivery.provider_message_id) == (DeliveryStatus.SENT, sms_sink.messages[0].id)


def test_an_invalid_number_fails_for_good_at_once(sms_sink):
    sms_sink.respond = lambda payload: (400, {"error": "invalid_number"})
    notice = enqueue(NoticeKind.CONFIRMED, applicant=sms_person())
    stats = deliveries_send_due()
    delivery = notice.deliveries.get()
    assert (stats.failed, delivery.status, delivery.attempts) == (1, DeliveryStatus.FAILED, 1)
    assert "invalid_number" in delivery.last_error


def test_a_provider_error_is_retried_with_backoff_then_sent(sms_sink, frozen_clock):
    answers = iter([(503, {"error": "maintenance"}), None])
    sms_sink.respond = lambda payload: next(answers)
    notice = enqueue(NoticeKind.CONFIRMED, applicant=sms_person())
    assert deliveries_send_due().retried == 1
    delivery = notice.deliveries.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "503" in delivery.last_error
    wait = delivery.next_attempt_at - frozen_clock.now()
    assert dt.timedelta(seconds=15) <= wait <= dt.timedelta(seconds=30)
    assert deliveries_send_due().sent == 0  # not due yet
    frozen_clock.advance(seconds=31)
    assert deliveries_send_due().sent == 1
    assert len(sms_sink.messages) == 1
    assert status_of(notice) == DeliveryStatus.SENT


def test_a_provider_that_does_not_answer_in_time_is_retried(sms_sink, settings):
    settings.CITA_SMS_TIMEOUT = 0.3
    sms_sink.respond = lambda payload: time.sleep(1) or (201, {"id": "late"})  # type: ignore[func-returns-value]
    notice = enqueue(NoticeKind.CONFIRMED, applicant=sms_person())
    assert deliveries_send_due().retried == 1
    assert "timed out" in notice.deliveries.get().last_error


def test_a_recipient_refused_with_a_5xx_reply_fails_for_good(mail_sink):
    mail_sink.handler.on_rcpt = lambda address: "550 5.1.1 No such user here"
    notice = enqueue(NoticeKind.CONFIRMED, applicant=email_person())
    assert deliveries_send_due().failed == 1
    delivery = notice.deliveries.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "550" in delivery.last_error
    assert mail_sink.messages == []


def test_a_4xx_reply_is_retried(mail_sink, frozen_clock):
    replies = iter(["451 4.3.0 Try again later", None])
    mail_sink.handler.on_data = lambda mail: next(replies)
    notice = enqueue(NoticeKind.CONFIRMED, applicant=email_person())
    assert deliveries_send_due().retried == 1
    frozen_clock.advance(minutes=1)
    assert deliveries_send_due().sent == 1
    assert len(mail_sink.messages) == 1
    assert status_of(notice) == DeliveryStatus.SENT


def test_an_address_that_cannot_be_encoded_fails_for_good(mail_sink):
    notice = enqueue(
        NoticeKind.SIGNIN_CODE, address="x@example.org\nBcc: all@example.org", address_kind="email"
    )
    assert deliveries_send_due().failed == 1
    assert "invalid address" in notice.deliveries.get().last_error
    assert mail_sink.messages == []


def test_with_the_smtp_server_refusing_connections_for_the_first_attempts_nothing_is_lost(
    settings, frozen_clock
):
    refusals = 3
    people = [email_person(n) for n in range(20)]
    notices = [enqueue(NoticeKind.CONFIRMED, applicant=p) for p in people]
    sink = MailSink()  # not started: its port refuses connections
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = sink.host, sink.port, 5
    for _ in range(refusals):
        stats = deliveries_send_due()
        assert (stats.sent, stats.retried, stats.postponed) == (0, 1, 19)
        frozen_clock.advance(hours=2)
    sink.start()
    try:
        stats = deliveries_send_due()
    finally:
        sink.stop()
    assert stats.sent == 20
    received = Counter(mail.message_id for mail in sink.messages)
    assert len(received) == 20
    assert set(received.values()) == {1}
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == len(notices)
    assert sum(Delivery.objects.values_list("attempts", flat=True)) == 20 + refusals
    print(f"refused attempts: {refusals}, delivered: {len(received)} of {len(notices)}, duplicates: 0")


def test_after_the_last_attempt_a_delivery_is_dead_lettered_with_its_reason(settings, frozen_clock):
    settings.CITA_NOTIFY_MAX_ATTEMPTS = 3
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", MailSink().port  # nothing listens there
    notice = enqueue(NoticeKind.CONFIRMED, applicant=email_person())
    for _ in range(3):
        deliveries_send_due()
        frozen_clock.advance(hours=2)
    delivery = notice.deliveries.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, 3)
    assert "unreachable" in delivery.last_error
    assert deliveries_send_due().sent == 0


def test_the_per_recipient_hourly_limit_postpones_messages(mail_sink, settings, frozen_clock):
    settings.CITA_NOTIFY_RATE_PER_HOUR = 2
    person = email_person()
    sent_at = frozen_clock.now()
    notices = [enqueue(NoticeKind.CONFIRMED, applicant=person) for _ in range(3)]
    stats = deliveries_send_due()
    assert (stats.sent, stats.postponed) == (2, 1)
    waiting = notices[2].deliveries.get()
    assert waiting.status == DeliveryStatus.PENDING
    assert waiting.attempts == 0
    assert waiting.next_attempt_at > sent_at + dt.timedelta(hours=1)
    frozen_clock.advance(minutes=61)
    assert deliveries_send_due().sent == 1
    assert len(mail_sink.messages) == 3


def test_sign_in_codes_have_their_own_limit_and_are_dropped_beyond_it(sms_sink, settings):
    settings.CITA_NOTIFY_SIGNIN_RATE_PER_HOUR = 2
    settings.CITA_NOTIFY_RATE_PER_HOUR = 1
    person = sms_person()
    enqueue(NoticeKind.CONFIRMED, applicant=person)  # an ordinary message does not use up the codes' limit
    codes = [enqueue(NoticeKind.SIGNIN_CODE, applicant=person) for _ in range(3)]
    stats = deliveries_send_due()
    assert (stats.sent, stats.skipped) == (3, 1)
    assert [status_of(c) for c in codes] == ["sent", "sent", "skipped"]
    assert all("code" not in Notice.objects.get(pk=c.pk).context for c in codes)


def test_sign_in_codes_go_first(mail_sink):
    for n in range(5):
        enqueue(NoticeKind.NOT_SELECTED, applicant=email_person(n))
    enqueue(NoticeKind.SIGNIN_CODE, address="late@example.org", address_kind="email")
    deliveries_send_due(batch_size=2)
    assert mail_sink.messages[0].rcpt_tos == ["late@example.org"]
    assert len(mail_sink.messages) == 6


def test_a_sign_in_code_is_wiped_once_sent(sms_sink):
    notice = enqueue(NoticeKind.SIGNIN_CODE, address="+526641110000", address_kind="sms")
    deliveries_send_due()
    assert "482913" in sms_sink.messages[0].text
    notice.refresh_from_db()
    assert "code" not in notice.context
    assert notice.context["code_wiped"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT context::text FROM notifications_notice WHERE id = %s", [notice.pk])
        assert "code" not in cursor.fetchone()[0].replace("code_wiped", "")


def test_an_expired_sign_in_code_is_not_sent_and_is_wiped(sms_sink, frozen_clock):
    notice = enqueue(NoticeKind.SIGNIN_CODE, address="+526641110001", address_kind="sms")
    frozen_clock.advance(minutes=16)
    assert codes_expire() == 1
    assert deliveries_send_due().sent == 0
    assert sms_sink.messages == []
    notice.refresh_from_db()
    assert status_of(notice) == DeliveryStatus.SKIPPED
    assert "code" not in notice.context


def test_rows_of_a_worker_that_died_are_put_back_and_live_claims_are_not(frozen_clock):
    dead, live = (enqueue(NoticeKind.CONFIRMED, applicant=email_person(n)) for n in range(2))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        my_pid, my_start = cursor.fetchone()
    claim = {"status": DeliveryStatus.SENDING, "claimed_until": frozen_clock.now() + dt.timedelta(minutes=5)}
    dead.deliveries.update(
        claim_token="00000000-0000-0000-0000-000000000001", claim_pid=2**31 - 7, attempts=1, **claim
    )
    live.deliveries.update(
        claim_token="00000000-0000-0000-0000-000000000002",
        claim_pid=my_pid,
        claim_backend_start=my_start,
        attempts=1,
        **claim,
    )
    assert deliveries_release_orphans() == 1
    assert (status_of(dead), status_of(live)) == (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    frozen_clock.advance(minutes=6)  # the live claim's lease ran out
    assert deliveries_release_orphans() == 1
    assert status_of(live) == DeliveryStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_never_send_the_same_delivery_twice(mail_sink, settings):
    settings.CITA_NOTIFY_BATCH = 7
    mail_sink.handler.on_data = lambda mail: time.sleep(0.002)
    notices = [enqueue(NoticeKind.CONFIRMED, applicant=email_person(n)) for n in range(120)]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            deliveries_send_due()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    received = Counter(mail.message_id for mail in mail_sink.messages)
    duplicates = sum(n - 1 for n in received.values())
    print(f"4 workers, {len(notices)} messages: received {len(received)}, duplicates {duplicates}")
    assert len(received) == len(notices)
    assert duplicates == 0
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == len(notices)
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_provider_error_naming_the_recipient_is_kept_without_it(mail_sink, caplog):
    """Issue 14, item 10: SMTP and SMS errors often quote the address; `last_error` and the log keep the
    reply code and the reason, never the email or the phone number."""
    person = email_person(7)
    mail_sink.handler.on_rcpt = lambda address: f"550 5.1.1 <{address}>: no such user, call +52 664 555 0199"
    notice = enqueue(NoticeKind.CONFIRMED, applicant=person)
    assert deliveries_send_due().failed == 1
    error = notice.deliveries.get().last_error
    assert "550" in error
    assert "no such user" in error
    assert person.email not in error
    assert "@" not in error
    assert "555 0199" not in error
    assert person.email not in caplog.text


def test_redaction_keeps_reply_codes_and_removes_addresses_and_numbers():
    from cita.notifications.delivery import redact

    assert redact("550 5.1.1 <a.b+c@mail.example.org>: unknown") == "550 5.1.1 <<email>>: unknown"
    assert redact("HTTP 400: invalid number +52 (664) 555-0199") == "HTTP 400: invalid number <number>"
    assert redact("timed out after 30 s (attempt 2)") == "timed out after 30 s (attempt 2)"
