"""The worker side of the outbox: claim due deliveries safely, send them, record each outcome.

Claiming: one statement takes up to a batch of due rows, lane by lane (`priority`: sign-in codes first,
offers before the bulk of "not selected"), with `FOR UPDATE SKIP LOCKED` (so concurrent workers never take
the same row) and marks them `sending` with a random claim token, a lease, and the database backend of the
claimer. Each row is then sent over the run's kept connection; what the provider accepted is recorded a few
messages at a time (`CITA_NOTIFY_RECORD_EVERY`, at most a second apart, and always before the next batch
is claimed), guarded by the token; sign-in codes, failures and retries are recorded at once. So a worker
killed mid-batch leaves at most `CITA_NOTIFY_RECORD_EVERY` messages per thread in doubt. Rows whose claimer
is gone (its database backend ended: the process died) or whose lease ran out are put back by
`deliveries_release_orphans`, which every run and the periodic sweep call: nothing is lost; a message in
doubt is sent again (at least once; its Message-ID/reference stays the same). A run that ends normally
sends nothing twice.

Failures: permanent ones (refused or invalid address) stop at once (`failed`); temporary ones are retried
with exponential backoff and jitter until `CITA_NOTIFY_MAX_ATTEMPTS`, then dead-lettered (`dead`). Both
show on the admins' page with a retry button. When the provider cannot be reached at all, the rest of the
batch waits with the failed message instead of failing one by one.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q

from cita.core import clock, crypto
from cita.notifications import channels as channel_mod
from cita.notifications.models import (
    CODE_SEAL,
    Channel,
    Delivery,
    DeliveryStatus,
    Notice,
    NoticeKind,
    StoppedNumber,
)
from cita.notifications.rendering import render

log = logging.getLogger(__name__)
HOUR = dt.timedelta(hours=1)
# Messages accepted by the provider wait at most this long (and `CITA_NOTIFY_RECORD_EVERY` messages) for
# their `sent` to be written.
RECORD_SECONDS = 1.0


@dataclass
class RunStats:
    """What one run of the worker did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    postponed: int = 0
    lost_claims: int = 0
    more: bool = False
    by_channel: Counter[str] = field(default_factory=Counter)

    def add(self, other: RunStats) -> None:
        """Add another run's counts to these."""
        for name in ("sent", "retried", "failed", "dead", "skipped", "postponed", "lost_claims"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_channel.update(other.by_channel)


def backoff(attempt: int, *, retry_after: float | None = None) -> dt.timedelta:
    """The wait before attempt `attempt + 1`: base × 2^(attempt-1), capped, with jitter (half to all of it);
    never shorter than what the provider asked for."""
    base = float(settings.CITA_NOTIFY_BACKOFF_SECONDS)
    cap = float(settings.CITA_NOTIFY_BACKOFF_MAX_SECONDS)
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    delay = random.uniform(delay / 2, delay)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return dt.timedelta(seconds=delay)


def deliveries_send_due(*, max_seconds: float | None = None, batch_size: int | None = None) -> RunStats:
    """Send every due delivery, batch by batch, until none is due or `max_seconds` have passed."""
    started = time.monotonic()
    stats = RunStats()
    stats.lost_claims += deliveries_release_orphans()
    sender = _Sender()
    # Each write of outcomes is its own commit; waiting for its WAL flush would cost a disk sync each. If the
    # database server itself crashes, the last outcomes may be lost: those rows are still `sending` under a
    # dead claim and are sent again (a duplicate, never a loss). A killed worker loses nothing either way.
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        while True:
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                stats.more = deliveries_due_exist()
                break
            batch = _claim(batch_size or int(settings.CITA_NOTIFY_BATCH))
            if not batch:
                break
            stats.add(sender.send_batch(batch))
    finally:
        sender.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    return stats


def deliveries_send_due_threads(*, threads: int, max_seconds: float | None = None) -> RunStats:
    """`deliveries_send_due` in `threads` threads of this process, each with its own database and provider
    connections: sending is bound by round trips, not CPU, so one worker goes faster this way. Claims
    never overlap (SKIP LOCKED); the hourly per-recipient limits may be passed by up to `threads - 1`
    messages when several threads hold messages for the same person at once."""
    if threads <= 1:
        return deliveries_send_due(max_seconds=max_seconds)
    from django.db import connections

    results: list[RunStats] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(deliveries_send_due(max_seconds=max_seconds))
        except BaseException as exc:  # re-raised in the calling thread below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=work, name=f"notifications-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    total = RunStats()
    for result in results:
        total.add(result)
        total.more = total.more or result.more
    return total


def deliveries_due_exist() -> bool:
    """True when some delivery is waiting and due now."""
    return Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now()).exists()


def deliveries_release_orphans() -> int:
    """Put back rows claimed by a worker that died (its database backend is gone) or whose lease ran out;
    a row already tried `CITA_NOTIFY_MAX_ATTEMPTS` times is dead-lettered instead. Returns rows touched."""
    now = clock.now()
    orphaned = """
        status = 'sending' AND (
            claimed_until < %(now)s
            OR NOT EXISTS (
                SELECT 1 FROM pg_stat_activity a
                WHERE a.pid = notifications_delivery.claim_pid
                  AND (a.backend_start IS NULL OR notifications_delivery.claim_backend_start IS NULL
                       OR a.backend_start = notifications_delivery.claim_backend_start)
            )
        )
    """
    params: dict[str, Any] = {"now": now, "max": int(settings.CITA_NOTIFY_MAX_ATTEMPTS)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE notifications_delivery SET status = 'dead', claim_token = NULL, claimed_until = NULL,
                   claim_pid = NULL, claim_backend_start = NULL, updated_at = %(now)s,
                   last_error = 'the worker stopped while sending it, ' || attempts || ' times'
               WHERE {orphaned} AND attempts >= %(max)s""",  # noqa: S608 - fixed SQL, values are parameters
            params,
        )
        dead = cursor.rowcount
        cursor.execute(
            f"""UPDATE notifications_delivery SET status = 'pending', claim_token = NULL,
                   claimed_until = NULL, claim_pid = NULL, claim_backend_start = NULL,
                   next_attempt_at = %(now)s, updated_at = %(now)s,
                   last_error = 'the worker stopped while sending it; sent again'
               WHERE {orphaned}""",  # noqa: S608 - fixed SQL, values are parameters
            params,
        )
        released = cursor.rowcount
    if dead or released:
        log.warning("released orphaned deliveries", extra={"released": released, "dead": dead})
    return dead + released


def codes_expire() -> int:
    """Wipe sign-in codes whose time is over and skip their unsent deliveries; returns notices wiped."""
    now = clock.now()
    with transaction.atomic():
        expired = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE, expires_at__lte=now)
        Delivery.objects.filter(notice__in=expired, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SKIPPED,
            last_error="the code expired before it could be sent",
            updated_at=now,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE notifications_notice SET context = (context - 'code') || '{"code_wiped": true}'
                   WHERE kind = 'signin_code' AND expires_at <= %s AND context ? 'code'""",
                [now],
            )
            return cursor.rowcount


def _code_wipe(notice_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE notifications_notice SET context = (context - 'code') || '{"code_wiped": true}'
               WHERE id = %s AND context ? 'code'""",
            [notice_id],
        )


@dataclass
class _Claim:
    token: uuid.UUID
    lease_ends: float  # time.monotonic() by which the lease must be renewed


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=float(settings.CITA_NOTIFY_LEASE_SECONDS))


# The claim, in one statement. The lanes with pending rows are found by walking the `delivery_due` index
# (priority, next_attempt_at, id) once per lane; then each lane in turn, lowest first, gives its due rows in
# the index's own order (`priority = lane AND next_attempt_at <= now`: an index range, whatever the
# planner's statistics say; right after a draw's million rows are written it has none), until the batch is
# full. So an offer is claimed by reading the few index entries ahead of it, never the bulk behind it, and
# rows waiting for a later attempt are not read either. `SKIP LOCKED`: concurrent workers never block on or
# take the same row.
CLAIM_SQL = """
WITH RECURSIVE lanes(priority) AS (
    (SELECT priority FROM notifications_delivery WHERE status = 'pending' ORDER BY priority LIMIT 1)
    UNION ALL
    SELECT (SELECT d.priority FROM notifications_delivery d
            WHERE d.status = 'pending' AND d.priority > lanes.priority ORDER BY d.priority LIMIT 1)
    FROM lanes WHERE lanes.priority IS NOT NULL
), due AS (
    SELECT row.id FROM lanes
    CROSS JOIN LATERAL (
        SELECT d.id FROM notifications_delivery d
        WHERE d.status = 'pending' AND d.priority = lanes.priority AND d.next_attempt_at <= %(now)s
        ORDER BY d.next_attempt_at, d.id
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    ) row
    WHERE lanes.priority IS NOT NULL
    LIMIT %(limit)s
)
UPDATE notifications_delivery d
SET status = 'sending', claim_token = %(token)s, claimed_until = %(until)s, claim_pid = pg_backend_pid(),
    claim_backend_start = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()),
    attempts = d.attempts + 1, updated_at = %(now)s
WHERE d.id = ANY(ARRAY(SELECT id FROM due))
RETURNING d.id
"""


def _claim_params(batch_size: int, token: uuid.UUID) -> dict[str, Any]:
    now = clock.now()
    return {"now": now, "limit": batch_size, "token": token, "until": now + _lease()}


def explain_claim(batch_size: int | None = None) -> list[str]:
    """The plan of the claim statement, run for real (EXPLAIN ANALYZE): call it in a transaction and roll
    back (the benchmark shows it on a million queued rows)."""
    params = _claim_params(batch_size or int(settings.CITA_NOTIFY_BATCH), uuid.uuid4())
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {CLAIM_SQL}", params)
        return [row[0] for row in cursor.fetchall()]


def _claim(batch_size: int) -> list[tuple[Delivery, _Claim]]:
    token = uuid.uuid4()
    # One statement: atomic on its own, so no BEGIN and COMMIT round trips around it.
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, _claim_params(batch_size, token))
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    claim = _Claim(token=token, lease_ends=time.monotonic() + _lease().total_seconds() * 0.7)
    rows = (
        Delivery.objects.filter(id__in=ids, claim_token=token)
        .select_related("notice", "notice__applicant")
        .order_by("priority", "next_attempt_at", "id")
    )
    return [(row, claim) for row in rows]


def _address(delivery: Delivery) -> str | None:
    notice = delivery.notice
    if notice.address:
        return notice.address if notice.address_kind == delivery.channel else None
    applicant = notice.applicant
    if applicant is None:
        return None
    if delivery.channel == Channel.WHATSAPP:
        return None  # only replies to a WhatsApp message go there, and they name their address
    return applicant.phone if delivery.channel == Channel.SMS else applicant.email


def number_index(number: str) -> str:
    """The keyed hash a STOP is kept under (an E.164 number, the same for SMS and WhatsApp)."""
    return crypto.blind_index(number, purpose="notify-stop")


def number_indexes(number: str) -> list[str]:
    """`number_index` under every key of the index ring, newest first (what lookups match)."""
    return crypto.blind_indexes(number, purpose="notify-stop")


def _stopped(numbers: dict[int, str]) -> set[int]:
    """The deliveries (of `numbers`: delivery id → phone number) whose number sent STOP and not START."""
    if not numbers:
        return set()
    keys = {delivery_id: set(number_indexes(number)) for delivery_id, number in numbers.items()}
    found = set(
        StoppedNumber.objects.filter(
            number_index__in=set().union(*keys.values()), restarted_at__isnull=True
        ).values_list("number_index", flat=True)
    )
    return {delivery_id for delivery_id, key in keys.items() if key & found}


def _recipient_index(channel: str, address: str) -> str:
    return crypto.blind_index(address, purpose=f"notify-{channel}")


def _is_signin(delivery: Delivery) -> bool:
    return delivery.notice.kind == NoticeKind.SIGNIN_CODE


class _Sender:
    """Sends claimed deliveries over channels opened once per run."""

    def __init__(self) -> None:
        self._channels: dict[str, Any] = {}
        # Messages the provider accepted whose `sent` is not written yet (at most `CITA_NOTIFY_RECORD_EVERY`,
        # and never across the end of a batch): (delivery, claim, provider id, recipient index, sent at).
        self._unrecorded: list[tuple[Delivery, _Claim, str, str, dt.datetime]] = []
        self._unrecorded_since = 0.0

    def channel(self, name: str) -> Any:
        if name not in self._channels:
            opens = {
                Channel.SMS: channel_mod.sms_channel,
                Channel.WHATSAPP: channel_mod.whatsapp_channel,
                Channel.EMAIL: channel_mod.email_channel,
            }
            self._channels[name] = opens[Channel(name)]()
        return self._channels[name]

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    def send_batch(self, batch: list[tuple[Delivery, _Claim]]) -> RunStats:
        stats = RunStats()
        try:
            self._send_batch(batch, stats)
        finally:
            self._record(stats)
        return stats

    def _send_batch(self, batch: list[tuple[Delivery, _Claim]], stats: RunStats) -> None:
        now = clock.now()
        addresses = {d.pk: _address(d) for d, _ in batch}
        indexes = {d.pk: _recipient_index(d.channel, a) for d, _ in batch if (a := addresses[d.pk])}
        counts = _recent_counts(set(indexes.values()), now)
        stopped = _stopped(
            {d.pk: a for d, _ in batch if (a := addresses[d.pk]) and d.channel != Channel.EMAIL}
        )
        down: dict[str, tuple[str, dt.datetime]] = {}
        # Settings read once a batch, not once a message.
        signin_limit = int(settings.CITA_NOTIFY_SIGNIN_RATE_PER_HOUR)
        rate_limit = int(settings.CITA_NOTIFY_RATE_PER_HOUR)
        record_every = int(settings.CITA_NOTIFY_RECORD_EVERY)
        for delivery, claim in batch:
            if time.monotonic() > claim.lease_ends:
                _renew(claim)
            address = addresses[delivery.pk]
            index = indexes.get(delivery.pk, "")
            signin = _is_signin(delivery)
            notice = delivery.notice
            if notice.expires_at is not None and notice.expires_at <= clock.now():
                self._finish(
                    delivery, claim, stats, DeliveryStatus.SKIPPED, "expired before it could be sent"
                )
                if signin:
                    _code_wipe(notice.pk)
                continue
            if address is None:
                self._finish(delivery, claim, stats, DeliveryStatus.FAILED, f"no {delivery.channel} address")
                continue
            if delivery.pk in stopped and notice.kind != NoticeKind.REPLY:
                self._finish(delivery, claim, stats, DeliveryStatus.SKIPPED, "the recipient sent STOP")
                if signin:
                    _code_wipe(notice.pk)
                continue
            if delivery.channel in down:
                error, at = down[delivery.channel]
                self._postpone(delivery, claim, stats, at, f"not tried: {error}")
                continue
            limit = signin_limit if signin else rate_limit
            # A reply answers the person's own message: their messages are limited where they come in
            # (cita.conversations), so a conversation is not held back by the hourly notice limit.
            if notice.kind != NoticeKind.REPLY and counts[(index, signin)] >= limit:
                if signin:
                    # A code that waits is useless, and a flood of codes is how SMS fraud looks.
                    self._finish(
                        delivery, claim, stats, DeliveryStatus.SKIPPED, "over the sign-in code limit"
                    )
                    _code_wipe(notice.pk)
                else:
                    at = _window_frees_at(index, now)
                    self._postpone(delivery, claim, stats, at, "over the per-recipient hourly limit")
                continue
            try:
                provider_id = self._send(delivery, address)
            except channel_mod.ChannelDown as exc:
                at = self._retry(delivery, claim, stats, str(exc), exc.retry_after)
                down[delivery.channel] = (str(exc), at)
            except channel_mod.TemporaryFailure as exc:
                self._retry(delivery, claim, stats, str(exc), exc.retry_after)
            except channel_mod.PermanentFailure as exc:
                self._finish(delivery, claim, stats, DeliveryStatus.FAILED, str(exc))
            except Exception as exc:
                # A bug (a template, an odd answer) must not stop the others: retry, then dead-letter.
                log.exception("delivery raised", extra={"delivery": delivery.pk})
                self._retry(delivery, claim, stats, f"{type(exc).__name__}: {exc}", None)
            else:
                if signin:
                    # A code is wiped from the outbox in the very statement that records it sent.
                    self._sent(delivery, claim, stats, provider_id, index)
                else:
                    self._unrecorded.append((delivery, claim, provider_id, index, clock.now()))
                    if len(self._unrecorded) == 1:
                        self._unrecorded_since = time.monotonic()
                    if (
                        len(self._unrecorded) >= record_every
                        or time.monotonic() - self._unrecorded_since > RECORD_SECONDS
                    ):
                        self._record(stats)
                counts[(index, signin)] += 1

    def _send(self, delivery: Delivery, address: str) -> str:
        notice = delivery.notice
        context = dict(notice.context)
        if notice.kind == NoticeKind.SIGNIN_CODE:
            if not context.get("code"):
                raise channel_mod.PermanentFailure("the sign-in code was already wiped")
            context["code"] = crypto.unseal(context["code"], context=CODE_SEAL)
        text = render(kind=notice.kind, context=context, language=notice.language)
        reference = f"cita-n{notice.pk}-{delivery.channel}"
        channel = self.channel(delivery.channel)
        if delivery.channel in (Channel.SMS, Channel.WHATSAPP):
            return str(channel.send(channel_mod.SmsOut(reference=reference, to=address, text=text.sms)))
        return str(
            channel.send(
                channel_mod.EmailOut(
                    reference=reference,
                    to=address,
                    subject=text.subject,
                    body=text.body,
                    language=notice.language,
                )
            )
        )

    def _record(self, stats: RunStats) -> None:
        """Write `sent` for the messages accepted since the last call, in one statement (one round trip and
        one commit for up to `CITA_NOTIFY_RECORD_EVERY` messages), each guarded by its claim token."""
        if not self._unrecorded:
            return
        rows, self._unrecorded = self._unrecorded, []
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE notifications_delivery d SET status = 'sent', sent_at = u.sent_at,
                       updated_at = u.sent_at, provider_message_id = u.provider, recipient_index = u.index,
                       last_error = '', claim_token = NULL, claimed_until = NULL, claim_pid = NULL,
                       claim_backend_start = NULL
                   FROM unnest(%(ids)s::bigint[], %(tokens)s::uuid[], %(providers)s::text[],
                               %(indexes)s::text[], %(at)s::timestamptz[])
                       AS u(id, token, provider, index, sent_at)
                   WHERE d.id = u.id AND d.claim_token = u.token AND d.status = 'sending'
                   RETURNING d.id""",
                {
                    "ids": [d.pk for d, *_ in rows],
                    "tokens": [c.token for _, c, *_ in rows],
                    "providers": [p[:200] for _, _, p, _, _ in rows],
                    "indexes": [i for *_, i, _ in rows],
                    "at": [at for *_, at in rows],
                },
            )
            recorded = {row[0] for row in cursor.fetchall()}
        for delivery, *_ in rows:
            if delivery.pk in recorded:
                stats.sent += 1
                stats.by_channel[delivery.channel] += 1
            else:
                log.warning(
                    "delivery claim lost before its outcome was written", extra={"delivery": delivery.pk}
                )
                stats.lost_claims += 1

    def _update(self, delivery: Delivery, claim: _Claim, **changes: Any) -> bool:
        done = Delivery.objects.filter(
            pk=delivery.pk, claim_token=claim.token, status=DeliveryStatus.SENDING
        ).update(claim_token=None, claimed_until=None, claim_pid=None, claim_backend_start=None, **changes)
        if not done:
            log.warning("delivery claim lost before its outcome was written", extra={"delivery": delivery.pk})
        return bool(done)

    def _sent(self, delivery: Delivery, claim: _Claim, stats: RunStats, provider_id: str, index: str) -> None:
        # One statement, so one round trip and one commit per message: the delivery is marked sent and, for
        # a sign-in code, the code is wiped from its notice in the same instant.
        now = clock.now()
        with connection.cursor() as cursor:
            cursor.execute(
                """WITH d AS (
                       UPDATE notifications_delivery SET status = 'sent', sent_at = %(now)s,
                           updated_at = %(now)s, provider_message_id = %(provider)s,
                           recipient_index = %(index)s, last_error = '', claim_token = NULL,
                           claimed_until = NULL, claim_pid = NULL, claim_backend_start = NULL
                       WHERE id = %(id)s AND claim_token = %(token)s AND status = 'sending'
                       RETURNING notice_id),
                   w AS (
                       UPDATE notifications_notice n
                       SET context = (n.context - 'code') || '{"code_wiped": true}'
                       FROM d WHERE n.id = d.notice_id AND n.kind = 'signin_code' AND n.context ? 'code'
                       RETURNING n.id)
                   SELECT count(*) FROM d""",
                {
                    "now": now,
                    "provider": provider_id[:200],
                    "index": index,
                    "id": delivery.pk,
                    "token": claim.token,
                },
            )
            recorded = cursor.fetchone()[0]
        if recorded:
            stats.sent += 1
            stats.by_channel[delivery.channel] += 1
        else:
            log.warning("delivery claim lost before its outcome was written", extra={"delivery": delivery.pk})
            stats.lost_claims += 1

    def _finish(self, delivery: Delivery, claim: _Claim, stats: RunStats, status: str, error: str) -> None:
        error = redact(error)
        if self._update(delivery, claim, status=status, last_error=error[:300], updated_at=clock.now()):
            if status == DeliveryStatus.FAILED:
                stats.failed += 1
                log.warning("delivery failed for good", extra={"delivery": delivery.pk, "error": error})
            else:
                stats.skipped += 1

    def _retry(
        self, delivery: Delivery, claim: _Claim, stats: RunStats, error: str, retry_after: float | None
    ) -> dt.datetime:
        error = redact(error)
        now = clock.now()
        if delivery.attempts >= int(settings.CITA_NOTIFY_MAX_ATTEMPTS):
            if self._update(
                delivery, claim, status=DeliveryStatus.DEAD, last_error=error[:300], updated_at=now
            ):
                stats.dead += 1
                log.error("delivery dead-lettered", extra={"delivery": delivery.pk, "error": error})
            return now + backoff(1)
        at = now + backoff(delivery.attempts, retry_after=retry_after)
        if self._update(
            delivery,
            claim,
            status=DeliveryStatus.PENDING,
            next_attempt_at=at,
            last_error=error[:300],
            updated_at=now,
        ):
            stats.retried += 1
        return at

    def _postpone(
        self, delivery: Delivery, claim: _Claim, stats: RunStats, at: dt.datetime, why: str
    ) -> None:
        # Not tried: the attempt counted at claim time is given back.
        if self._update(
            delivery,
            claim,
            status=DeliveryStatus.PENDING,
            next_attempt_at=at,
            attempts=F("attempts") - 1,
            last_error=why[:300],
            updated_at=clock.now(),
        ):
            stats.postponed += 1


_EMAIL = re.compile(r"[^\s@<>()\[\]'\",;:]+@[^\s@<>()\[\]'\",;:]+")
_NUMBER = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def redact(text: str) -> str:
    """A provider's error without personal data (issue 14, item 10): email addresses become `<email>`,
    runs of 7 or more digits (phone numbers) `<number>`; reply codes such as `550 5.1.1` stay."""
    text = _EMAIL.sub("<email>", text)
    return _NUMBER.sub(lambda m: "<number>" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)


def _renew(claim: _Claim) -> None:
    Delivery.objects.filter(claim_token=claim.token, status=DeliveryStatus.SENDING).update(
        claimed_until=clock.now() + _lease()
    )
    claim.lease_ends = time.monotonic() + _lease().total_seconds() * 0.7


def _recent_counts(indexes: Iterable[str], now: dt.datetime) -> Counter[tuple[str, bool]]:
    """Messages sent in the last hour to each recipient, sign-in codes apart."""
    counts: Counter[tuple[str, bool]] = Counter()
    indexes = [i for i in indexes if i]
    if not indexes:
        return counts
    signin = Q(notice__kind=NoticeKind.SIGNIN_CODE)
    rows = (
        Delivery.objects.filter(
            status=DeliveryStatus.SENT, recipient_index__in=indexes, sent_at__gt=now - HOUR
        )
        .values("recipient_index")
        .annotate(codes=Count("id", filter=signin), others=Count("id", filter=~signin))
    )
    for row in rows:
        counts[(row["recipient_index"], True)] = row["codes"]
        counts[(row["recipient_index"], False)] = row["others"]
    return counts


def _window_frees_at(index: str, now: dt.datetime) -> dt.datetime:
    oldest = (
        Delivery.objects.filter(status=DeliveryStatus.SENT, recipient_index=index, sent_at__gt=now - HOUR)
        .exclude(notice__kind=NoticeKind.SIGNIN_CODE)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return (oldest or now) + HOUR + dt.timedelta(seconds=1)
