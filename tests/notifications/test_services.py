"""Owing notices: the outbox row, its deliveries, the sealed sign-in code, preferences, admin retry."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, connection, transaction

from cita.audit.models import AuditEvent
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.notifications.errors import DeliveryNotRetryable, InvalidNoticeContext
from cita.notifications.models import ChannelChoice, Delivery, DeliveryStatus, Notice, NoticeKind
from cita.notifications.services import (
    delivery_retry,
    notice_enqueue,
    notice_enqueue_many,
    notices_mark_read,
    preference_set,
)
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


# --- notice_enqueue_many: a draw's million results at once ------------------------------------------------

NOT_SELECTED = {"draw_id": "2026-12-01", "appointment_date": dt.date(2026, 12, 15)}


def enqueue_many(
    people: list, *, keys: list[str] | None = None, tickets: list[str] | None = None, **extra
) -> int:
    """`not_selected` notices to `people` in one call, in its own transaction."""
    with transaction.atomic():
        return notice_enqueue_many(
            kind=NoticeKind.NOT_SELECTED,
            applicant_ids=[person.pk for person in people],
            dedup_keys=keys or [f"bulk:{person.pk}" for person in people],
            context=extra.pop("context", NOT_SELECTED),
            columns=extra.pop("columns", {"ticket": tickets or [f"T{n:09d}" for n in range(len(people))]}),
            **extra,
        )


def test_many_notices_get_the_deliveries_language_and_context_one_notice_would_get(frozen_clock):
    people = [
        applicant(phone="+526641230001", language="ht"),
        applicant(email="solo@example.org", language="pt"),
        applicant(phone="+526641230002", email="both@example.org", language="fr"),
        applicant(phone="+526641230003", email="sms@example.org"),
        applicant(phone="+526641230004", email="mail@example.org"),
        applicant(phone="+526641230005"),  # prefers email, which they do not have
    ]
    # 3 and 5 asked for "not selected" by SMS too; the others get it only where it costs nothing.
    preference_set(
        actor=actor_for(people[3]), applicant=people[3], channels=ChannelChoice.SMS, not_selected_by_sms=True
    )
    preference_set(actor=actor_for(people[4]), applicant=people[4], channels=ChannelChoice.EMAIL)
    preference_set(
        actor=actor_for(people[5]),
        applicant=people[5],
        channels=ChannelChoice.EMAIL,
        not_selected_by_sms=True,
    )
    tickets = [f"K7Q2M9X4A{n}" for n in range(len(people))]
    assert enqueue_many(people, tickets=tickets) == len(people)
    for person, ticket in zip(people, tickets, strict=True):
        one = enqueue(NoticeKind.NOT_SELECTED, applicant=person, context={**NOT_SELECTED, "ticket": ticket})
        many = Notice.objects.get(dedup_key=f"bulk:{person.pk}")
        assert channels(many) == channels(one)
        assert (many.kind, many.applicant_id, many.language, many.context, many.priority) == (
            one.kind,
            one.applicant_id,
            one.language,
            one.context,
            one.priority,
        )
        assert many.created_at == frozen_clock.now()
        for delivery in many.deliveries.all():
            assert (delivery.status, delivery.priority, delivery.attempts) == (DeliveryStatus.PENDING, 8, 0)
            assert delivery.next_attempt_at == frozen_clock.now()
    assert [channels(Notice.objects.get(dedup_key=f"bulk:{p.pk}")) for p in people] == [
        [],  # the inbox only
        ["email"],
        ["email"],
        ["sms"],
        ["email"],
        ["sms"],
    ]


def test_enqueueing_many_again_adds_nothing_and_keys_taken_one_by_one_are_kept():
    people = [applicant(email=f"again{n}@example.org") for n in range(5)]
    single = enqueue(
        NoticeKind.NOT_SELECTED,
        applicant=people[0],
        dedup_key=f"bulk:{people[0].pk}",
        context={**NOT_SELECTED, "ticket": "AAAAAAAAAA"},
    )
    assert enqueue_many(people) == 4
    assert enqueue_many(people) == 0
    assert Notice.objects.count() == 5
    assert Delivery.objects.count() == 5
    single.refresh_from_db()
    assert single.context["ticket"] == "AAAAAAAAAA"  # the first one stays as it was
    # A key given twice in one call is written once, with the first notice's values.
    twice = applicant(email="twice@example.org")
    assert enqueue_many([twice, twice], keys=["dup", "dup"], tickets=["BBBBBBBBBB", "CCCCCCCCCC"]) == 1
    assert Notice.objects.get(dedup_key="dup").context["ticket"] == "BBBBBBBBBB"
    assert Delivery.objects.filter(notice__dedup_key="dup").count() == 1


def test_many_notices_take_the_priority_given_to_them_and_their_deliveries():
    people = [applicant(phone=f"+52664123010{n}", email=f"p{n}@example.org") for n in range(3)]
    assert enqueue_many(people, priority=2) == 3
    assert set(Notice.objects.values_list("priority", flat=True)) == {2}
    assert list(Delivery.objects.values_list("priority", flat=True)) == [2] * 3  # email: no SMS unless asked
    assert enqueue_many([applicant()], keys=["default"]) == 1
    assert Notice.objects.get(dedup_key="default").priority == 8  # the bulk lane of "not selected"


@pytest.mark.parametrize(
    ("context", "columns", "message"),
    [
        (NOT_SELECTED, {"ticket": ["K7Q2M9X4AB", "lowercase!"]}, "notice 1: context key 'ticket'"),
        (NOT_SELECTED, {"ticket": ["K7Q2M9X4AB", None]}, "notice 1: context key 'ticket'"),
        ({"draw_id": "2026-12-01"}, {"ticket": ["K7Q2M9X4AB"] * 2}, "missing ['appointment_date']"),
        ({**NOT_SELECTED, "given_names": "Ana"}, {"ticket": ["K7Q2M9X4AB"] * 2}, "given_names"),
        (NOT_SELECTED, {"ticket": ["K7Q2M9X4AB"] * 2, "draw_id": ["a", "b"]}, "both shared and per notice"),
    ],
)
def test_a_context_breaking_the_contract_fails_before_anything_is_written(context, columns, message):
    people = [applicant(), applicant()]
    with pytest.raises(InvalidNoticeContext, match=re.escape(message)):
        enqueue_many(people, context=context, columns=columns)
    assert not Notice.objects.exists()


def test_a_flag_that_decides_the_needed_keys_must_be_shared():
    people = [applicant(), applicant()]
    context = context_for(NoticeKind.REBOOKED, placed=False)
    with pytest.raises(InvalidNoticeContext, match="share them"), transaction.atomic():
        notice_enqueue_many(
            kind=NoticeKind.REBOOKED,
            applicant_ids=[p.pk for p in people],
            dedup_keys=["r1", "r2"],
            context={k: v for k, v in context.items() if k != "placed"},
            columns={"placed": [False, False]},
        )
    with transaction.atomic():
        assert (
            notice_enqueue_many(
                kind=NoticeKind.REBOOKED,
                applicant_ids=[p.pk for p in people],
                dedup_keys=["r1", "r2"],
                context={k: v for k, v in context.items() if k != "appointment_id"},
                columns={"appointment_id": [11, "A-12"]},  # an id as a number for one, as text for the other
            )
            == 2
        )
    assert [Notice.objects.get(dedup_key=k).context["appointment_id"] for k in ("r1", "r2")] == [11, "A-12"]


def test_an_optional_key_missing_for_some_notices_is_left_out_of_theirs():
    people = [applicant(), applicant()]
    context = {k: v for k, v in context_for(NoticeKind.DEADLINE_REMINDER).items() if k not in ("url", "date")}
    with transaction.atomic():
        notice_enqueue_many(
            kind=NoticeKind.DEADLINE_REMINDER,
            applicant_ids=[p.pk for p in people],
            dedup_keys=["u1", "u2"],
            context=context,
            columns={"url": ["https://cita.example/o/1", None], "date": [dt.date(2026, 9, 30), "2026-10-01"]},
        )
    first, second = (Notice.objects.get(dedup_key=k).context for k in ("u1", "u2"))
    assert (first["url"], first["date"]) == ("https://cita.example/o/1", "2026-09-30")
    assert "url" not in second
    assert second["date"] == "2026-10-01"


def test_enqueueing_many_refuses_sign_in_codes_uneven_columns_and_no_transaction():
    person = applicant()
    with pytest.raises(ValueError, match="notice_enqueue"), transaction.atomic():
        notice_enqueue_many(
            kind=NoticeKind.SIGNIN_CODE,
            applicant_ids=[person.pk],
            dedup_keys=["s"],
            context=context_for(NoticeKind.SIGNIN_CODE),
        )
    with pytest.raises(ValueError, match="dedup_keys or a column"):
        enqueue_many([person], keys=["a", "b"])
    with pytest.raises(ValueError, match="dedup_keys or a column"):
        enqueue_many([person], tickets=["K7Q2M9X4AB", "K7Q2M9X4AC"])
    assert enqueue_many([]) == 0
    assert not Notice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_many_notices_outside_a_transaction_are_refused_and_an_unknown_applicant_is_refused_at_commit(
    no_jobs,
):
    person = applicant()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        notice_enqueue_many(
            kind=NoticeKind.NOT_SELECTED,
            applicant_ids=[person.pk],
            dedup_keys=["x"],
            context=NOT_SELECTED,
            columns={"ticket": ["K7Q2M9X4AB"]},
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        notice_enqueue_many(
            kind=NoticeKind.NOT_SELECTED,
            applicant_ids=[person.pk, person.pk + 1000],
            dedup_keys=["x", "y"],
            context=NOT_SELECTED,
            columns={"ticket": ["K7Q2M9X4AB", "K7Q2M9X4AC"]},
        )
    assert not Notice.objects.exists()


def test_the_worker_is_woken_when_many_notices_commit_and_only_if_any_is_new(
    django_capture_on_commit_callbacks,
):
    people = [applicant(), applicant()]
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue_many(people)
    assert [c.__name__ for c in callbacks] == ["deliver_soon"]
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue_many(people)
    assert callbacks == []


@pytest.mark.django_db
def test_offers_go_before_the_bulk_of_a_draws_results(frozen_clock):
    """Priority lanes: a draw's many "not selected" notices, owed first, still wait behind an offer."""
    from cita.notifications.delivery import _claim
    from cita.notifications.services import notice_enqueue_many

    unlucky = [applicant(email=f"unlucky{n}@example.org") for n in range(3)]
    with transaction.atomic():
        notice_enqueue_many(
            kind=NoticeKind.NOT_SELECTED,
            applicant_ids=[a.pk for a in unlucky],
            dedup_keys=[f"test:not_selected:{a.pk}" for a in unlucky],
            context=context_for(NoticeKind.NOT_SELECTED),
        )
    frozen_clock.advance(seconds=1)
    enqueue(
        NoticeKind.SIGNIN_CODE, applicant=applicant(phone="+15550200001"), context=context_for("signin_code")
    )
    enqueue(NoticeKind.REQUEST_RECEIVED, applicant=applicant(phone="+15550200002"))
    enqueue(NoticeKind.SELECTED, applicant=applicant(phone="+15550200003"))
    order = []
    while batch := _claim(1):
        order.append(batch[0][0].notice.kind)
    assert order == [
        "signin_code",
        "selected",
        "request_received",
        "not_selected",
        "not_selected",
        "not_selected",
    ]


def test_not_selected_goes_by_sms_only_to_those_who_ask_for_it():
    both = applicant(phone="+526641239001", email="both9@example.org")
    phone_only = applicant(phone="+526641239002")
    asked = applicant(phone="+526641239003", email="asked9@example.org")
    preference_set(
        actor=actor_for(asked), applicant=asked, channels=ChannelChoice.ALL, not_selected_by_sms=True
    )
    context = context_for(NoticeKind.NOT_SELECTED)
    assert channels(enqueue(NoticeKind.NOT_SELECTED, applicant=both, context=context)) == ["email"]
    assert (
        channels(enqueue(NoticeKind.NOT_SELECTED, applicant=phone_only, context=context)) == []
    )  # the inbox
    assert channels(enqueue(NoticeKind.NOT_SELECTED, applicant=asked, context=context)) == ["email", "sms"]
    # Every other notice still goes by SMS.
    assert channels(enqueue(NoticeKind.SELECTED, applicant=phone_only)) == ["sms"]
    # A draw's many notices at once follow the same rule.
    people = [applicant(phone=f"+52664123910{n}", email=f"m{n}@example.org") for n in range(2)]
    preference_set(
        actor=actor_for(people[1]), applicant=people[1], channels=ChannelChoice.SMS, not_selected_by_sms=True
    )
    with transaction.atomic():
        notice_enqueue_many(
            kind=NoticeKind.NOT_SELECTED,
            applicant_ids=[p.pk for p in people],
            dedup_keys=[f"test:many-not-selected:{p.pk}" for p in people],
            context=context,
        )
    assert [channels(Notice.objects.get(dedup_key=f"test:many-not-selected:{p.pk}")) for p in people] == [
        ["email"],
        ["sms"],
    ]


def test_changing_the_channel_keeps_the_sms_choice_for_not_selected():
    person = applicant(phone="+526641239011")
    preference_set(
        actor=actor_for(person), applicant=person, channels=ChannelChoice.ALL, not_selected_by_sms=True
    )
    preference_set(actor=actor_for(person), applicant=person, channels=ChannelChoice.SMS)
    assert channels(
        enqueue(NoticeKind.NOT_SELECTED, applicant=person, context=context_for("not_selected"))
    ) == ["sms"]
