"""The context contract is checked when a notice is enqueued, in the transaction of the change."""

from __future__ import annotations

import datetime as dt

import pytest

from cita.notifications.contract import CONTRACTS, context_validate
from cita.notifications.errors import InvalidNoticeContext
from cita.notifications.models import Notice, NoticeKind
from tests.factories.notifications import context_for, enqueue
from tests.factories.registrations import applicant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", NoticeKind.values)
def test_every_kind_has_a_contract_and_accepts_its_documented_keys(kind):
    assert kind in CONTRACTS
    assert context_validate(kind, context_for(kind))


@pytest.mark.parametrize("kind", NoticeKind.values)
def test_a_missing_key_fails_at_enqueue_and_nothing_is_written(kind):
    person = applicant()
    context = context_for(kind)
    dropped = sorted(context)[0]
    del context[dropped]
    with pytest.raises(InvalidNoticeContext, match=dropped):
        enqueue(kind, applicant=person, context=context)
    assert not Notice.objects.exists()


def test_unknown_keys_are_refused_so_nothing_else_slips_into_the_outbox():
    with pytest.raises(InvalidNoticeContext, match="given_names"):
        context_validate(NoticeKind.CONFIRMED, {**context_for(NoticeKind.CONFIRMED), "given_names": "Ana"})


def test_a_rebooking_that_placed_the_group_needs_the_new_place():
    context = context_for(NoticeKind.REBOOKED, placed=False)
    assert context_validate(NoticeKind.REBOOKED, context)["placed"] is False
    with pytest.raises(InvalidNoticeContext, match="pass_url"):
        context_validate(NoticeKind.REBOOKED, {**context, "placed": True})


def test_values_are_normalised_to_json_text():
    clean = context_validate(
        NoticeKind.SELECTED,
        {
            **context_for(NoticeKind.SELECTED),
            "date": dt.date(2026, 12, 15),
            "slot": dt.time(9, 30),
            "deadline": dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8))),
        },
    )
    assert clean["date"] == "2026-12-15"
    assert clean["slot"] == "09:30"
    assert clean["deadline"] == "2026-12-02T19:00:00+00:00"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("date", "15/12/2026"),
        ("slot", "9:30 AM"),
        ("deadline", "2026-12-02T19:00:00"),
        ("time_zone", "Mars/Olympus"),
        ("pass_url", "javascript:alert(1)"),
        ("port_name", ""),
        ("appointment_id", True),
    ],
)
def test_malformed_values_are_refused(key, value):
    kind = NoticeKind.SELECTED if key == "deadline" else NoticeKind.CONFIRMED
    with pytest.raises(InvalidNoticeContext, match=key):
        context_validate(kind, {**context_for(kind), key: value})


def test_an_unknown_cancellation_reason_is_refused():
    with pytest.raises(InvalidNoticeContext, match="reason"):
        context_validate(NoticeKind.CANCELLED, {**context_for(NoticeKind.CANCELLED), "reason": "because"})
