"""Reading and checking the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Min, QuerySet

from cita.audit.chain import canonical_of, link
from cita.audit.models import GENESIS, AuditEvent
from cita.core.errors import NotFound


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain: rows checked, the first broken row if any, and the rows not chained
    yet (`pending`, the oldest written at `pending_since`)."""

    rows: int
    broken_id: int | None = None
    reason: str = ""
    head: str = GENESIS
    pending: int = 0
    pending_since: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        """True when every chained row links to its predecessor and matches its content."""
        return self.broken_id is None


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Walk the chain in its order (`seq`, contiguous from 1) and name the first row that does not check
    out: a missing place (a deleted row), a link to anything but the row before (an inserted or reordered
    row), or content that does not match its hash (an edited row). Rows not chained yet are counted."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for row in _rows(batch_size):
        if row.seq != expected_seq:
            return ChainReport(
                count, row.id, f"place {expected_seq} in the chain is missing (next is row {row.id})"
            )
        if row.prev_hash != expected_prev:
            return ChainReport(count, row.id, f"row {row.id} does not link to the row before it")
        if link(expected_prev, canonical_of(row)) != row.hash:
            return ChainReport(count, row.id, f"row {row.id} ({row.action}) does not match its hash")
        expected_prev, expected_seq, count = row.hash, expected_seq + 1, count + 1
    pending = AuditEvent.objects.filter(seq__isnull=True).aggregate(n=Count("id"), since=Min("at"))
    return ChainReport(count, head=expected_prev, pending=pending["n"], pending_since=pending["since"])


def _rows(batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq or 0


@dataclass(frozen=True)
class ChainHead:
    """The newest chained row: its place in the chain (`seq`), hash and the time it was chained (0 and the
    genesis hash when nothing is chained). Rows still pending are not part of it."""

    last_id: int
    hash: str
    at: dt.datetime | None


def audit_chain_head() -> ChainHead:
    """The head of the chain as it stands (not verified: `audit_chain_verify` walks it)."""
    row = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash", "chained_at")
        .first()
    )
    if row is None or row[0] is None or row[1] is None:
        return ChainHead(0, GENESIS, None)
    return ChainHead(row[0], row[1], row[2])


# -- reading the log in the browser, and the daily heads the transparency page publishes ------------------

PAGE_SIZE = 50
MAX_HEAD_DAYS = 366
VERIFIED_ACTION = "audit.chain_verified"


@dataclass(frozen=True)
class EventFilter:
    """What to show: action and actor match from the start (`staff.` gives every staff action), object type
    and id match exactly, days are UTC dates (inclusive)."""

    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class EventPage:
    """One page of events, newest first, with keyset links (ids) to the older and newer pages."""

    events: list[AuditEvent]
    older: int | None
    newer: int | None


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _filtered(f: EventFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if f.action:
        events = events.filter(action__startswith=f.action)
    if f.object_type:
        events = events.filter(object_type=f.object_type)
    if f.object_id:
        events = events.filter(object_id=f.object_id)
    if f.actor:
        events = events.filter(actor__startswith=f.actor)
    if f.start:
        events = events.filter(at__gte=_utc_midnight(f.start))
    if f.end:
        events = events.filter(at__lt=_utc_midnight(f.end + dt.timedelta(days=1)))
    return events


def audit_event_page(
    *, filters: EventFilter, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> EventPage:
    """A page of events matching `filters`, newest first: the ones just before id `before`, or just after
    id `after`, or the newest. Keyset paging: as fast on page 10,000 as on page 1."""
    events = _filtered(filters)
    if after is not None:
        rows = list(events.filter(id__gt=after).order_by("id")[: size + 1])
        newer_exists = len(rows) > size
        rows = list(reversed(rows[:size]))
        older_exists = bool(rows) and events.filter(id__lt=rows[-1].id).exists()
    else:
        events_page = events.filter(id__lt=before) if before is not None else events
        rows = list(events_page.order_by("-id")[: size + 1])
        older_exists = len(rows) > size
        rows = rows[:size]
        newer_exists = before is not None and bool(rows) and events.filter(id__gt=rows[0].id).exists()
    return EventPage(
        events=rows,
        older=rows[-1].id if rows and older_exists else None,
        newer=rows[0].id if rows and newer_exists else None,
    )


def audit_event_get(*, event_id: int) -> AuditEvent:
    """One event."""
    event = AuditEvent.objects.filter(id=event_id).first()
    if event is None:
        raise NotFound("no such event")
    return event


def audit_event_checks(*, event: AuditEvent) -> bool | None:
    """True when the row's content still matches its own hash (the chain as a whole is checked by
    `audit_chain_verify`); None while the row is not chained yet."""
    if event.prev_hash is None:
        return None
    return link(event.prev_hash, canonical_of(event)) == event.hash


def audit_last_verification() -> AuditEvent | None:
    """The last recorded run of the chain verification, if any."""
    return AuditEvent.objects.filter(action=VERIFIED_ACTION).order_by("-id").first()


@dataclass(frozen=True)
class DailyHead:
    """The hash of the last row chained on one UTC day: it commits to every row chained up to then.
    `last_id` is that row's place in the chain (`seq`; the same as its id for rows before decision 0012)."""

    day: dt.date
    last_id: int
    hash: str
    at: dt.datetime | None = None


def audit_daily_heads(*, start: dt.date, end: dt.date) -> list[DailyHead]:
    """The chain head of each UTC day from `start` to `end` (inclusive) that chained rows, oldest first.

    One index lookup per day (one sequencer chains, so `chained_at` follows `seq`).
    """
    if end < start or (end - start).days >= MAX_HEAD_DAYS:
        raise ValueError(f"ask for 1 to {MAX_HEAD_DAYS} days of heads")
    heads = []
    day = start
    while day <= end:
        row = (
            AuditEvent.objects.filter(
                chained_at__gte=_utc_midnight(day), chained_at__lt=_utc_midnight(day + dt.timedelta(days=1))
            )
            .order_by("-chained_at", "-seq")
            .values_list("seq", "hash", "chained_at")
            .first()
        )
        if row is not None and row[0] is not None and row[1] is not None:
            heads.append(DailyHead(day=day, last_id=row[0], hash=row[1], at=row[2]))
        day += dt.timedelta(days=1)
    return heads


@dataclass(frozen=True)
class PublishedHead:
    """A chain head as someone kept it from `heads.json`: the day, the place in the chain of its last row
    (`last_id`), its hash."""

    day: dt.date
    last_id: int
    hash: str


def audit_heads_check(*, heads: list[PublishedHead]) -> list[str]:
    """What does not match between the heads someone kept and this database's chain (empty: all match).

    Each head's row must still exist, carry the same hash and fall on the same UTC day, and the chain must
    verify: a rewritten history changes the hash of every row after the first change."""
    problems = []
    report = audit_chain_verify()
    if not report.ok:
        problems.append(f"the chain is broken at row {report.broken_id}: {report.reason}")
    kept = AuditEvent.objects.filter(seq__in=[h.last_id for h in heads]).only("seq", "hash", "chained_at")
    rows = {row.seq: row for row in kept}
    for head in heads:
        row = rows.get(head.last_id)
        if row is None or row.chained_at is None:
            problems.append(f"{head.day}: place {head.last_id} of the chain is missing")
        elif row.hash != head.hash:
            problems.append(f"{head.day}: place {head.last_id} has hash {row.hash}, published {head.hash}")
        elif row.chained_at.astimezone(dt.UTC).date() != head.day:
            problems.append(
                f"{head.day}: place {head.last_id} was chained on {row.chained_at.astimezone(dt.UTC).date()}"
            )
    return problems
