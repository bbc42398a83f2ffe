"""Owing notices: the outbox row, its deliveries, the sealed sign-in code, preferences, admin retry."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from cita.audit.models import AuditEvent
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.notifications.errors import DeliveryNotRetryable
from cita.notifications.models import ChannelChoice, Delivery, DeliveryStatus, Notice, NoticeKind
from cita.notifications.services import delivery_retry, notice_enqueue, notices_mark_read, preference_set
from tests.factories.notifications import context_for, enqueue
from tests.factories.registrations import actor_for, applicant
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def admin_actor() -> Actor:
    return Actor(role=Role.ADMIN, user_id=StaffFactory.create(role="admin").pk)


def channels(notice: Notice) -> list[str]:
    return sorted(notice.deliveries.values_list("channel", flat=True))


def test_a_notice_goes_to_every_contact_of_the_applicant_by_default(frozen_clock):
    person = applicant(phone="+526641234567", email="ana@example.org", language="ht")
    notice = enqueue(NoticeKind.CONFIRMED, applicant=person)
    assert channels(notice) == ["email", "sms"]
    assert notice.language == "ht"
    assert all(
        d.status == DeliveryStatus.PENDING and d.next_attempt_at == frozen_clock.now()
        for d in notice.deliveries.all()
    )


def test_the_applicants_preference_chooses_the_channel():
    person = applicant(phone="+526641234568", email="ana2@example.org")
    preference_set(actor=actor_for(person), applicant=person, channels=ChannelChoice.EMAIL)
    assert channels(enqueue(NoticeKind.CONFIRMED, applicant=person)) == ["email"]
    assert AuditEvent.objects.filter(action="notification_preference.changed").exists()


def test_a_preference_for_a_missing_contact_still_reaches_the_person():
    person = applicant(phone="+526641234569")
    preference_set(actor=actor_for(person), applicant=person, channels=ChannelChoice.EMAIL)
    assert channels(enqueue(NoticeKind.CONFIRMED, applicant=person)) == ["sms"]


def test_a_sign_in_code_goes_on_one_channel_only_and_first():
    person = applicant(phone="+526641234570", email="ana3@example.org")
    notice = enqueue(NoticeKind.SIGNIN_CODE, applicant=person)
    assert channels(notice) == ["sms"]
    assert notice.priority == 0
    assert notice.deliveries.get().priority == 0


def test_a_sign_in_code_asked_for_on_one_contact_of_an_applicant_goes_there():
    person = applicant(phone="+526641234574", email="ana4@example.org")
    notice = enqueue(NoticeKind.SIGNIN_CODE, applicant=person, address_kind="email")
    assert channels(notice) == ["email"]
    assert notice.address is None


def test_a_sign_in_code_to_an_unknown_address_uses_that_address():
    notice = enqueue(NoticeKind.SIGNIN_CODE, address="new@example.org", address_kind="email", language="pt")
    assert notice.applicant is None
    assert channels(notice) == ["email"]
    assert notice.address == "new@example.org"
    assert notice.language == "pt"


def test_the_sign_in_code_is_never_stored_readable():
    notice = enqueue(NoticeKind.SIGNIN_CODE, address="+526641234571", address_kind="sms")
    with connection.cursor() as cursor:
        cursor.execute("SELECT context::text, address FROM notifications_notice WHERE id = %s", [notice.pk])
        raw_context, raw_address = cursor.fetchone()
    assert "482913" not in raw_context
    assert "+526641234571" not in raw_address
    assert notice.expires_at is not None


def test_enqueueing_the_same_dedup_key_twice_adds_nothing():
    person = applicant()
    first = enqueue(NoticeKind.CONFIRMED, applicant=person, dedup_key="appointment:3:confirmed")
    second = enqueue(NoticeKind.CONFIRMED, applicant=person, dedup_key="appointment:3:confirmed")
    assert first.pk == second.pk
    assert Notice.objects.count() == 1
    assert Delivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_notice_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        notice_enqueue(
            kind=NoticeKind.CONFIRMED,
            dedup_key="x",
            applicant=applicant(),
            context=context_for(NoticeKind.CONFIRMED),
        )


def test_an_address_needs_a_known_kind():
    with pytest.raises(ValueError, match="address_kind"), transaction.atomic():
        notice_enqueue(
            kind=NoticeKind.SIGNIN_CODE,
            dedup_key="y",
            address="+526641234572",
            address_kind="fax",
            context=context_for(NoticeKind.SIGNIN_CODE),
        )


def test_an_admin_retry_sends_a_dead_letter_again_and_is_audited(frozen_clock):
    notice = enqueue(NoticeKind.CONFIRMED, applicant=applicant())
    Delivery.objects.update(status=DeliveryStatus.DEAD, attempts=10, last_error="SMTP server unreachable")
    delivery = delivery_retry(actor=admin_actor(), delivery_id=notice.deliveries.get().pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    event = AuditEvent.objects.get(action="delivery.retried")
    assert event.data["previous_status"] == "dead"
    assert event.data["previous_attempts"] == 10


def test_only_failed_or_dead_deliveries_can_be_retried_and_only_by_admins():
    notice = enqueue(NoticeKind.CONFIRMED, applicant=applicant())
    delivery = notice.deliveries.get()
    with pytest.raises(DeliveryNotRetryable):
        delivery_retry(actor=admin_actor(), delivery_id=delivery.pk)
    Delivery.objects.update(status=DeliveryStatus.FAILED)
    planner = Actor(role=Role.PLANNER, user_id=StaffFactory.create(role="planner").pk)
    with pytest.raises(PermissionDenied):
        delivery_retry(actor=planner, delivery_id=delivery.pk)


def test_a_sign_in_code_is_never_retried():
    notice = enqueue(NoticeKind.SIGNIN_CODE, address="+526641234573", address_kind="sms")
    Delivery.objects.update(status=DeliveryStatus.DEAD)
    with pytest.raises(DeliveryNotRetryable, match="new code"):
        delivery_retry(actor=admin_actor(), delivery_id=notice.deliveries.get().pk)


def test_marking_read_touches_only_that_applicants_unread_notices():
    person, other = applicant(), applicant()
    mine = enqueue(NoticeKind.CONFIRMED, applicant=person)
    theirs = enqueue(NoticeKind.CONFIRMED, applicant=other)
    assert notices_mark_read(actor=actor_for(person), applicant=person, notice_ids=[mine.pk, theirs.pk]) == 1
    assert notices_mark_read(actor=actor_for(person), applicant=person, notice_ids=[mine.pk]) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_jobs")
def test_the_worker_is_woken_once_when_the_transaction_commits_and_not_before():
    from procrastinate.contrib.django.models import ProcrastinateJob

    person = applicant()
    with transaction.atomic():
        for n in range(3):
            notice_enqueue(
                kind=NoticeKind.CONFIRMED,
                dedup_key=f"wake:{n}",
                applicant=person,
                context=context_for(NoticeKind.CONFIRMED),
            )
        assert not ProcrastinateJob.objects.filter(task_name="notifications.deliver").exists()
    jobs = ProcrastinateJob.objects.filter(task_name="notifications.deliver", status="todo")
    assert jobs.count() == 1
    enqueue(NoticeKind.CONFIRMED, applicant=person)  # a job is already waiting: no second one
    assert jobs.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_jobs")
def test_a_rolled_back_change_leaves_no_notice_and_wakes_no_worker():
    from procrastinate.contrib.django.models import ProcrastinateJob

    person = applicant()

    def change_that_fails() -> None:
        with transaction.atomic():
            notice_enqueue(
                kind=NoticeKind.CONFIRMED,
                dedup_key="rollback",
                applicant=person,
                context=context_for(NoticeKind.CONFIRMED),
            )
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_that_fails()
    assert not Notice.objects.exists()
    assert not ProcrastinateJob.objects.exists()


def test_the_code_of_an_unsent_notice_can_be_read_by_tests_and_is_gone_once_wiped():
    from cita.notifications.delivery import codes_expire
    from cita.notifications.selectors import signin_code_of

    notice = enqueue(NoticeKind.SIGNIN_CODE, address="+526641234575", address_kind="sms")
    assert signin_code_of(notice=notice) == "482913"
    Notice.objects.filter(pk=notice.pk).update(expires_at=notice.created_at)
    codes_expire()
    notice.refresh_from_db()
    assert signin_code_of(notice=notice) is None
