"""Writes of the notifications domain: owing a notice (in the caller's transaction), the applicant's
channel preference, marking notices read, and an admin's retry of a dead-lettered delivery."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from psycopg.types.json import Jsonb

from cita.audit.services import audit_record
from cita.core import clock, crypto
from cita.core.actors import Actor, Role
from cita.core.errors import NotFound, PermissionDenied
from cita.core.jobs import job_defer, on_commit_once
from cita.core.languages import LANGUAGE_CODES
from cita.notifications.contract import context_validate, context_validate_columns
from cita.notifications.delivery import number_index, number_indexes
from cita.notifications.errors import DeliveryNotRetryable, InvalidPreference
from cita.notifications.models import (
    CODE_SEAL,
    NEEDS_ATTENTION,
    Channel,
    ChannelChoice,
    Delivery,
    DeliveryStatus,
    Notice,
    NoticeKind,
    Preference,
    StoppedNumber,
)

log = logging.getLogger(__name__)

SIGNIN_PRIORITY = 0
DEFAULT_PRIORITY = 5
# Priority lanes (0 goes first): what someone must act on, or is waiting at a screen for, goes before the
# bulk of a draw's results. A million "not selected" notices never hold up an offer (issue 19).
LANES: dict[str, int] = {
    NoticeKind.SIGNIN_CODE: SIGNIN_PRIORITY,
    NoticeKind.SELECTED: 1,
    NoticeKind.DEADLINE_REMINDER: 1,
    NoticeKind.REBOOKED: 1,
    NoticeKind.CANCELLED: 1,
    NoticeKind.CONFIRMED: 2,
    NoticeKind.DAY_BEFORE: 2,
    NoticeKind.REQUEST_RECEIVED: 3,
    NoticeKind.NO_SHOW: DEFAULT_PRIORITY,
    NoticeKind.NOT_SELECTED: 8,
}


# From this many notices at once, `notice_enqueue_many` gives its statement more memory (a draw's results).
BIG_BATCH = 10_000


def lane_of(kind: str) -> int:
    """The priority lane of a kind of notice (0 first)."""
    return LANES.get(kind, DEFAULT_PRIORITY)


# The sign-in code is sealed in the outbox (associated data binds it to this use) and wiped once sent.


class Recipient(Protocol):
    """Whom a notice is for, as the outbox reads it: an applicant of cita.registrations (which sits above
    the outbox, so it is not imported here)."""

    @property
    def pk(self) -> int: ...

    @property
    def language(self) -> str: ...

    @property
    def phone_index(self) -> str | None: ...

    @property
    def email_index(self) -> str | None: ...


def notice_enqueue(
    *,
    kind: NoticeKind,
    dedup_key: str,
    applicant: Recipient | None = None,
    address: str | None = None,
    address_kind: str = "",
    language: str | None = None,
    context: Mapping[str, Any] | None = None,
    priority: int | None = None,
) -> Notice:
    """Owe a notice; returns the existing one when `dedup_key` was enqueued before (idempotent).

    The context is checked against cita.notifications.contract here, so a missing key fails in the
    caller's transaction. Delivery rows (one per channel) are written with it, and the worker is woken
    when the transaction commits.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notices must be enqueued inside the transaction of the change that causes them")
    if applicant is None and not address:
        raise ValueError("a notice needs an applicant or an address")
    if (address or address_kind) and address_kind not in Channel.values:
        raise ValueError(f"address_kind must be one of {Channel.values}, not {address_kind!r}")
    clean = context_validate(kind, context or {})
    now = clock.now()
    expires_at = None
    if kind == NoticeKind.SIGNIN_CODE:
        expires_at = now + dt.timedelta(minutes=clean["minutes"])
        clean["code"] = crypto.seal(clean["code"], context=CODE_SEAL)
    language = language or (applicant.language if applicant else settings.LANGUAGE_CODE)
    if priority is None:
        priority = lane_of(kind)
    notice, created = Notice.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "kind": kind,
            "applicant_id": applicant.pk if applicant else None,
            "address": address or None,
            "address_kind": address_kind,
            "language": language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE,
            "context": clean,
            "priority": priority,
            "created_at": now,
            "expires_at": expires_at,
        },
    )
    if created:
        Delivery.objects.bulk_create(
            Delivery(
                notice=notice,
                channel=channel,
                priority=priority,
                next_attempt_at=now,
                updated_at=now,
            )
            for channel in channels_for(notice=notice, applicant=applicant)
        )
        deliver_on_commit()
    return notice


def notice_enqueue_many(
    *,
    kind: NoticeKind,
    applicant_ids: Sequence[int],
    dedup_keys: Sequence[str],
    context: Mapping[str, Any] | None = None,
    columns: Mapping[str, Sequence[Any]] | None = None,
    priority: int | None = None,
) -> int:
    """Owe one notice of `kind` to each applicant at once (a draw's million results); returns how many were
    new. A dedup key enqueued before is left as it is, so running it again adds nothing.

    Notice `i` goes to `applicant_ids[i]` under `dedup_keys[i]`; its context is `context` (the same for
    every notice) with `columns[key][i]` for each per-notice key. Everything is checked against the
    contract first, as `notice_enqueue` checks one notice, then the notices and their deliveries (on the
    channels `channels_for` picks: the applicant's contacts as they prefer) are written by two set-based
    statements in the caller's transaction, and the worker is woken when it commits. Sign-in codes and
    notices to a bare address go one by one through `notice_enqueue`.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notices must be enqueued inside the transaction of the change that causes them")
    if kind == NoticeKind.SIGNIN_CODE:
        raise ValueError("sign-in codes are sealed and expire one by one: use notice_enqueue")
    columns = dict(columns or {})
    count = len(applicant_ids)
    lengths = {len(dedup_keys), *(len(values) for values in columns.values())}
    if lengths != {count}:
        raise ValueError(f"applicant_ids has {count} items but dedup_keys or a column has {sorted(lengths)}")
    if not count:
        return 0
    shared, per_notice = context_validate_columns(kind, context or {}, columns)
    if priority is None:
        priority = lane_of(kind)
    params: dict[str, Any] = {
        "keys": list(dedup_keys),
        "applicants": list(applicant_ids),
        "kind": str(kind),
        "shared": Jsonb(shared),
        "priority": priority,
        "now": clock.now(),
        "languages": sorted(LANGUAGE_CODES),
        "default_language": settings.LANGUAGE_CODE,
    }
    unnest, pairs = ["%(keys)s::text[]", "%(applicants)s::bigint[]"], []
    names = ["dedup_key", "applicant_id"]
    strip = False
    for number, (key, values) in enumerate(per_notice.items()):
        sql_type, params[f"c{number}"] = _sql_column(values)
        params[f"k{number}"] = key
        unnest.append(f"%(c{number})s::{sql_type}[]")
        names.append(f"c{number}")
        pairs.append(f"%(k{number})s::text, u.c{number}")
        strip = strip or None in values
    built = f"jsonb_build_object({', '.join(pairs)})" if pairs else "'{}'::jsonb"
    if strip:  # an optional key without a value for some notices: left out of theirs
        built = f"jsonb_strip_nulls({built})"
    sql = f"""
        WITH input AS MATERIALIZED (
            SELECT u.*, CASE WHEN a.language = ANY(%(languages)s::text[]) THEN a.language
                             ELSE %(default_language)s END AS language,
                -- The channels `channels_for` gives: the contacts the applicant has, as they prefer; a
                -- preference for a channel they no longer have must not leave them without the message.
                ARRAY(
                    SELECT ch.channel
                    FROM (VALUES (1, 'sms', a.phone_index), (2, 'email', a.email_index))
                        AS ch(o, channel, contact)
                    WHERE COALESCE(ch.contact, '') <> ''
                      AND (p.channels IS NULL OR p.channels IN ('all', ch.channel)
                           OR COALESCE(CASE p.channels WHEN 'sms' THEN a.phone_index
                                                       WHEN 'email' THEN a.email_index END, '') = '')
                      -- "Not selected" by SMS only when asked for.
                      AND NOT (%(kind)s = 'not_selected' AND ch.channel = 'sms'
                               AND NOT COALESCE(p.not_selected_by_sms, false))
                    ORDER BY ch.o
                ) AS channels
            FROM unnest({", ".join(unnest)}) WITH ORDINALITY AS u({", ".join(names)}, position)
            LEFT JOIN registrations_applicant a ON a.id = u.applicant_id
            LEFT JOIN notifications_preference p ON p.applicant_id = u.applicant_id
        ), created AS (
            INSERT INTO notifications_notice (dedup_key, kind, applicant_id, address, address_kind, language,
                context, priority, created_at, expires_at, read_at)
            SELECT u.dedup_key, %(kind)s, u.applicant_id, NULL, '', u.language,
                %(shared)s::jsonb || {built}, %(priority)s, %(now)s, NULL, NULL
            FROM input u
            -- In the order given: ids follow it, and of a key given twice the first notice is kept.
            ORDER BY u.position
            ON CONFLICT (dedup_key) DO NOTHING
            RETURNING id, dedup_key, applicant_id
        ), delivered AS (
            INSERT INTO notifications_delivery (notice_id, channel, status, priority, attempts,
                next_attempt_at, last_error, provider_message_id, recipient_index, updated_at)
            SELECT c.id, ch.channel, 'pending', %(priority)s, 0, %(now)s, '', '', '', %(now)s
            FROM created c
            JOIN input u ON u.dedup_key = c.dedup_key AND u.applicant_id = c.applicant_id
            CROSS JOIN LATERAL unnest(u.channels) WITH ORDINALITY AS ch(channel, o)
            ORDER BY c.id, ch.o
            -- A key given twice for the same applicant: its one notice gets each channel once.
            ON CONFLICT (notice_id, channel) DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM delivered)
    """  # noqa: S608 - only fixed SQL fragments are formatted in; every value is a bound parameter
    with connection.cursor() as cursor:
        if count < BIG_BATCH:  # one request's notice (a submission): the statement alone
            cursor.execute(sql, params)
            created, _deliveries = cursor.fetchone()
        else:
            # Hash joins and the sort of a million rows in memory, for this statement only.
            cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', '256MB', true)")
            previous = cursor.fetchone()[0]
            cursor.execute(sql, params)
            created, _deliveries = cursor.fetchone()
            cursor.execute("SELECT set_config('work_mem', %s, true)", [previous])
    if created:
        deliver_on_commit()
    return int(created)


def _sql_column(values: list[Any]) -> tuple[str, list[Any]]:
    """The PostgreSQL array type that carries one normalised context column, and its values."""
    present = {type(value) for value in values if value is not None}
    if present <= {str}:
        return "text", values
    if present <= {bool}:
        return "boolean", values
    if present <= {int}:
        return "bigint", values
    # Mixed (an id given as a number for some notices, as text for others): each value as JSON.
    return "jsonb", [None if value is None else Jsonb(value) for value in values]


def channels_for(*, notice: Notice, applicant: Recipient | None) -> list[str]:
    """The channels a notice goes out on: the address it names; else the applicant's contact of
    `address_kind` when given (a sign-in code asked for on that contact); else the applicant's contacts as
    they prefer (a sign-in code on one channel only). The in-app inbox shows every notice of an applicant."""
    if notice.address:
        return [notice.address_kind]
    assert applicant is not None
    if notice.address_kind in (Channel.SMS, Channel.EMAIL):
        index = applicant.phone_index if notice.address_kind == Channel.SMS else applicant.email_index
        if index:
            return [notice.address_kind]
    have: list[str] = [
        c.value
        for c, index in ((Channel.SMS, applicant.phone_index), (Channel.EMAIL, applicant.email_index))
        if index
    ]
    choice, sms_when_not_selected = (
        Preference.objects.filter(applicant_id=applicant.pk)
        .values_list("channels", "not_selected_by_sms")
        .first()
    ) or (None, False)
    wanted = [c for c in have if choice in (None, ChannelChoice.ALL) or c == choice]
    # A preference for a channel they no longer have must not leave them without the message.
    wanted = wanted or have
    if notice.kind == NoticeKind.SIGNIN_CODE:
        return wanted[:1]
    if notice.kind == NoticeKind.NOT_SELECTED and not sms_when_not_selected:
        # By SMS only when asked for; the inbox (and email, when they have one) always has it.
        return [c for c in wanted if c != Channel.SMS]
    return wanted


def deliver_soon() -> None:
    """Queue a delivery run unless one is already waiting (called on commit; never raises: the sweep
    catches up when this fails)."""
    job_defer("notifications.deliver", net="notifications.sweep")


def deliver_on_commit() -> None:
    """Wake the delivery worker when the current transaction commits (once per transaction)."""
    on_commit_once(deliver_soon)


@transaction.atomic
def preference_set(
    *, actor: Actor, applicant: Recipient, channels: str, not_selected_by_sms: bool | None = None
) -> Preference:
    """Choose how cita reaches the applicant: every contact they gave, SMS only, or email only; and whether
    "not selected" comes by SMS too (None: leave it as it is; off unless asked for)."""
    if channels not in ChannelChoice.values:
        raise InvalidPreference("unknown channel choice", field="channels")
    values: dict[str, Any] = {"channels": channels, "updated_at": clock.now()}
    if not_selected_by_sms is not None:
        values["not_selected_by_sms"] = not_selected_by_sms
    preference, _ = Preference.objects.update_or_create(applicant_id=applicant.pk, defaults=values)
    audit_record(
        actor=actor,
        action="notification_preference.changed",
        object_type="applicant",
        object_id=applicant.pk,
        data={"channels": channels, "not_selected_by_sms": preference.not_selected_by_sms},
    )
    return preference


@transaction.atomic
def notices_mark_read(*, actor: Actor, applicant: Recipient, notice_ids: Sequence[int]) -> int:
    """Mark the applicant's notices read (those shown to them); returns how many were unread."""
    count = Notice.objects.filter(
        applicant_id=applicant.pk, pk__in=list(notice_ids), read_at__isnull=True
    ).update(read_at=clock.now())
    if count:
        audit_record(
            actor=actor,
            action="notices.read",
            object_type="applicant",
            object_id=applicant.pk,
            data={"count": count},
        )
    return count


@transaction.atomic
def delivery_retry(*, actor: Actor, delivery_id: int) -> Delivery:
    """Send a failed or dead-lettered delivery again, from a fresh count of attempts (admins only)."""
    if actor.role is not Role.ADMIN or not actor.is_staff:
        raise PermissionDenied("only admins may retry deliveries")
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("notice")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound("no such delivery")
    if delivery.status not in NEEDS_ATTENTION:
        raise DeliveryNotRetryable(
            f"delivery {delivery.pk} is {delivery.status}, not failed or dead-lettered"
        )
    if delivery.notice.kind == NoticeKind.SIGNIN_CODE:
        raise DeliveryNotRetryable("sign-in codes are not sent again: the person asks for a new code")
    previous = (delivery.status, delivery.attempts)
    now = clock.now()
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.updated_at = now
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor,
        action="delivery.retried",
        object_type="delivery",
        object_id=delivery.pk,
        data={
            "notice": delivery.notice_id,
            "kind": delivery.notice.kind,
            "channel": delivery.channel,
            "previous_status": previous[0],
            "previous_attempts": previous[1],
        },
    )
    deliver_on_commit()
    return delivery


def stopped_numbers_rekey(*, numbers: list[str]) -> int:
    """Move the STOP records of `numbers` kept under an older key of the index ring to the current key
    (`cita manage reindex` calls it with every applicant's phone); how many rows moved."""
    current_of: dict[str, str] = {}
    for number in numbers:
        current, *older = number_indexes(number)
        current_of.update(dict.fromkeys(older, current))
    if not current_of:
        return 0
    found = StoppedNumber.objects.filter(number_index__in=list(current_of)).values_list("pk", "number_index")
    moved = 0
    for pk, index in found:
        if not StoppedNumber.objects.filter(number_index=current_of[index]).exists():
            moved += StoppedNumber.objects.filter(pk=pk).update(number_index=current_of[index])
    return moved


def number_stop(*, number: str) -> StoppedNumber:
    """Record that `number` sent STOP: from now on only replies to its own messages go to it."""
    now = clock.now()
    stopped_numbers_rekey(numbers=[number])
    row, _ = StoppedNumber.objects.update_or_create(
        number_index=number_index(number), defaults={"stopped_at": now, "restarted_at": None}
    )
    return row


def number_start(*, number: str) -> bool:
    """Record that `number` sent START after a STOP; False when it had not stopped."""
    return bool(
        StoppedNumber.objects.filter(
            number_index__in=number_indexes(number), restarted_at__isnull=True
        ).update(restarted_at=clock.now())
    )
