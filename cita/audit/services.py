"""Writing to the audit log: appending (always inside the caller's transaction, so the event commits with the
change) and chaining (the sequencer, decision 0012)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from cita.audit.chain import canonical_of, link
from cita.audit.errors import TooManyChecks
from cita.audit.models import GENESIS, AuditEvent
from cita.core import clock
from cita.core.actors import Actor
from cita.core.crypto import blind_index
from cita.core.locks import advisory_lock

if TYPE_CHECKING:
    from cita.audit.selectors import ChainReport


@dataclass(frozen=True)
class Event:
    """An action to record: what happened, to which object, with which (non-personal) details."""

    action: str
    object_type: str = ""
    object_id: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str = "",
    object_id: object = "",
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain (within the current transaction)."""
    return audit_record_many(actor=actor, events=[Event(action, object_type, str(object_id), data or {})])[0]


# The window in which the public checks of one network address are counted (the pass check, the ticket
# lookup).
CHECK_WINDOW = dt.timedelta(minutes=15)


def audit_source_limit(*, action: str, ip: str, purpose: str, limit: int, message: str, field: str) -> str:
    """The short keyed hash of the network address `ip` (what a public check records as its `source`),
    once the events `action` recorded from it in the last 15 minutes are fewer than `limit`; past it,
    `TooManyChecks` with `message` (about the form field `field`). The log is the counter: every check
    is audited anyway, and the address itself is never stored."""
    source = blind_index(ip or "-", purpose=purpose)[:16]
    recent = AuditEvent.objects.filter(
        action=action, at__gt=clock.now() - CHECK_WINDOW, data__source=source
    ).count()
    if recent >= limit:
        raise TooManyChecks(message, field=field)
    return source


def audit_record_many(*, actor: Actor, events: Iterable[Event]) -> list[AuditEvent]:
    """Append events in order (within the current transaction). No lock: writers do not wait for each
    other; the sequencer chains the rows once they are committed (decision 0012)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be written inside the transaction of the change they record")
    at = clock.now()
    rows = [
        AuditEvent(
            at=at,
            actor=actor.label,
            action=event.action,
            object_type=event.object_type,
            object_id=str(event.object_id),
            data=_plain(dict(event.data)),
        )
        for event in events
    ]
    return AuditEvent.objects.bulk_create(rows, batch_size=2000)


def audit_chain_extend(*, batch_size: int = 5000) -> int:
    """Chain every committed pending row, in id order, after the chain's head; returns how many.

    The sequencer: one at a time (an advisory lock), each batch in its own transaction. A row committed
    after a higher id was chained simply comes next: the chain's order is `seq`, and its links."""
    chained = 0
    while True:
        with transaction.atomic():
            advisory_lock("audit", "sequencer")
            head = (
                AuditEvent.objects.filter(seq__isnull=False)
                .order_by("-seq")
                .values_list("seq", "hash")
                .first()
            )
            seq, prev_hash = (
                (head[0] or 0, head[1] or GENESIS) if head else (0, GENESIS)
            )  # never None: a constraint
            rows = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:batch_size])
            if not rows:
                return chained
            now = clock.now()
            for row in rows:
                seq += 1
                row.seq, row.prev_hash, row.chained_at = seq, prev_hash, now
                row.hash = prev_hash = link(prev_hash, canonical_of(row))
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE audit_auditevent a SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, "
                    "chained_at = %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) "
                    "AS v(id, seq, prev_hash, hash) WHERE a.id = v.id",
                    [
                        now,
                        [r.id for r in rows],
                        [r.seq for r in rows],
                        [r.prev_hash for r in rows],
                        [r.hash for r in rows],
                    ],
                )
            chained += len(rows)


def _plain(value: Any) -> Any:
    """JSON that survives a round trip through jsonb unchanged: no floats, dates as ISO text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, float):
        raise TypeError("audit data holds no floats (their text form changes in jsonb); use str or int")
    return str(value)


def audit_chain_verify_record(*, actor: Actor) -> ChainReport:
    """Chain what is pending, walk the whole chain and record the outcome in it (`audit.chain_verified`);
    returns the report.

    The walk reads outside any transaction (it can take a while); rows written meanwhile lie beyond the
    verified head and are checked next time.
    """
    from cita.audit.selectors import VERIFIED_ACTION, audit_chain_verify

    audit_chain_extend()
    report = audit_chain_verify()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=VERIFIED_ACTION,
            object_type="audit",
            data={
                "ok": report.ok,
                "rows": report.rows,
                "head": report.head,
                "broken_id": report.broken_id,
                "reason": report.reason,
            },
        )
    return report
