"""What makes a draw's million notices go fast (issue 19) without changing what goes out: the lanes, the
messages built without the email package, and the outcomes written a few at a time. Real SMTP server
(aiosmtpd) and real PostgreSQL."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction

from cita.notifications.channels import EmailOut, message_bytes, message_id
from cita.notifications.delivery import deliveries_send_due, explain_claim
from cita.notifications.models import Delivery, DeliveryStatus, NoticeKind
from cita.notifications.rendering import LANGUAGES, render
from cita.notifications.services import notice_enqueue_many
from tests.factories.notifications import context_for
from tests.factories.registrations import applicant

pytestmark = pytest.mark.django_db


def django_bytes(out: EmailOut, mid: str) -> bytes:
    """The message as Django's SMTP backend builds it (what `SmtpEmail` sent before issue 19)."""
    email = EmailMessage(
        subject=out.subject,
        body=out.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[out.to],
        headers={
            "Message-ID": mid,
            "Content-Language": out.language,
            "Auto-Submitted": "auto-generated",
            "X-Cita-Reference": out.reference,
        },
    )
    return email.message().as_bytes(linesep="\r\n")


def without_date(raw: bytes) -> bytes:
    head, _, body = raw.partition(b"\r\n\r\n")
    return b"\r\n".join(line for line in head.split(b"\r\n") if not line.startswith(b"Date: ")) + body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [k for k in NoticeKind.values if k != NoticeKind.SIGNIN_CODE])
def test_a_notice_is_sent_as_the_very_bytes_django_would_build(kind, language):
    for longest in (False, True):
        text = render(kind=kind, context=context_for(kind, longest=longest), language=language)
        out = EmailOut("cita-n42-email", "person.name+x@example.org", text.subject, text.body, language)
        mid = message_id(out.reference)
        fast = message_bytes(out, mid)
        assert fast is not None
        assert without_date(fast) == without_date(django_bytes(out, mid))
        assert b"\r\nDate: " in fast


def test_an_address_or_line_out_of_the_ordinary_is_left_to_django():
    mid = message_id("cita-n1-email")
    assert message_bytes(EmailOut("r", "José <jose@example.org>", "s", "b\n", "es"), mid) is None
    assert message_bytes(EmailOut("r", "jose@exämple.org", "s", "b\n", "es"), mid) is None
    assert message_bytes(EmailOut("r", "jose@example.org", "s", "x" * 999 + "\n", "es"), mid) is None


def owe(kind: NoticeKind, people: list, key: str) -> None:
    with transaction.atomic():
        notice_enqueue_many(
            kind=kind,
            applicant_ids=[p.pk for p in people],
            dedup_keys=[f"{key}:{p.pk}" for p in people],
            context=context_for(kind),
        )


def test_offers_are_delivered_before_any_not_selected_notice_when_both_are_queued(mail_sink, settings):
    settings.CITA_NOTIFY_BATCH = 4
    losers = [applicant(email=f"loser{n}@example.org") for n in range(12)]
    winners = [applicant(email=f"winner{n}@example.org") for n in range(6)]
    # The bulk is queued first (older rows, earlier due time): only the lanes bring the offers out first.
    owe(NoticeKind.NOT_SELECTED, losers, "lost")
    owe(NoticeKind.SELECTED, winners, "won")

    stats = deliveries_send_due()

    assert stats.sent == 18
    order = [mail.rcpt_tos[0].split("@")[0].rstrip("0123456789") for mail in mail_sink.messages]
    assert order == ["winner"] * 6 + ["loser"] * 12


def test_the_claim_reads_the_offers_lane_without_reading_the_bulk(settings):
    settings.CITA_NOTIFY_BATCH = 5
    owe(NoticeKind.NOT_SELECTED, [applicant(email=f"l{n}@example.org") for n in range(300)], "lost")
    owe(NoticeKind.SELECTED, [applicant(email=f"w{n}@example.org") for n in range(5)], "won")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_delivery")
    with transaction.atomic():
        plan = "\n".join(explain_claim())
        transaction.set_rollback(True)
    # Each lane is read as an index range of the due rows, in order (no sort), and only the offers' lane is
    # read: 5 rows, none of the 300 behind them.
    assert "Sort" not in plan
    scan = "Index Scan using delivery_due on notifications_delivery d_1"
    lane = [line for line in plan.splitlines() if scan in line]
    assert lane, plan
    # PostgreSQL 18 prints actual rows with two decimals, earlier servers (DATABASE_URL's) as integers.
    assert all(re.search(r"rows=5(\.00)? loops=1", line) for line in lane), plan


def test_outcomes_are_written_a_few_at_a_time_and_each_one_at_the_end_of_a_batch(mail_sink, settings):
    settings.CITA_NOTIFY_BATCH, settings.CITA_NOTIFY_RECORD_EVERY = 7, 3
    people = [applicant(email=f"p{n}@example.org") for n in range(10)]
    owe(NoticeKind.NOT_SELECTED, people, "lost")
    writes: list[str] = []

    def count(execute, sql, params, many, context):
        if sql.lstrip().startswith("UPDATE notifications_delivery d SET status = 'sent'"):
            writes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        stats = deliveries_send_due()

    assert stats.sent == 10
    assert len(mail_sink.messages) == 10
    # Batches of 7 and 3: 3 + 3 + 1 (end of the first batch), then 3.
    assert len(writes) == 4
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT)
    assert sent.count() == 10
    assert not sent.filter(claim_token__isnull=False).exists()
    assert all(d.provider_message_id.startswith("<cita-n") and d.recipient_index for d in sent)
    received = {mail.message_id for mail in mail_sink.messages}
    assert received == {d.provider_message_id for d in sent}
