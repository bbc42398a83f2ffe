"""The jobs are known to the worker, the sweep runs every minute, and the jobs do what they say."""

from __future__ import annotations

import datetime as dt

import pytest
from procrastinate.contrib.django import app

from cita.notifications import tasks
from cita.notifications.models import DeliveryStatus, NoticeKind
from tests.factories.notifications import enqueue
from tests.factories.registrations import applicant

pytestmark = pytest.mark.django_db


def test_the_worker_knows_the_delivery_job_and_the_sweep():
    assert app.tasks["notifications.deliver"].queueing_lock == "notifications.deliver"
    assert "notifications.sweep" in app.tasks
    crons = {key: p.cron for key, p in app.periodic_registry.periodic_tasks.items()}
    assert crons[("notifications.sweep", "notifications.sweep")] == "* * * * *"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_jobs")
def test_the_delivery_job_sends_what_is_due_on_its_threads(mail_sink, settings):
    settings.CITA_NOTIFY_THREADS, settings.CITA_NOTIFY_BATCH = 4, 3
    notices = [
        enqueue(NoticeKind.CONFIRMED, applicant=applicant(email=f"job{n}@example.org")) for n in range(30)
    ]
    tasks.deliver()
    assert {n.deliveries.get().status for n in notices} == {DeliveryStatus.SENT}
    assert len({mail.message_id for mail in mail_sink.messages}) == len(mail_sink.messages) == 30


def test_the_sweep_puts_back_orphans_and_wipes_expired_codes(frozen_clock):
    code = enqueue(NoticeKind.SIGNIN_CODE, address="+526641234599", address_kind="sms")
    stuck = enqueue(NoticeKind.CONFIRMED, applicant=applicant(email="stuck@example.org"))
    stuck.deliveries.update(
        status=DeliveryStatus.SENDING,
        claim_token="00000000-0000-0000-0000-000000000009",
        claimed_until=frozen_clock.now() - dt.timedelta(seconds=1),
        attempts=1,
    )
    frozen_clock.advance(minutes=20)
    tasks.sweep(timestamp=0)
    code.refresh_from_db()
    assert "code" not in code.context
    assert stuck.deliveries.get().status == DeliveryStatus.PENDING
