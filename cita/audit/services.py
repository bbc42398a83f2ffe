"""Writing to the audit log. Always inside the caller's transaction, so the event commits with the change."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection

from cita.audit.chain import canonical_of, link
from cita.audit.models import GENESIS, AuditEvent
from cita.core import clock
from cita.core.actors import Actor
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


def audit_record_many(*, actor: Actor, events: Iterable[Event]) -> list[AuditEvent]:
    """Append events to the chain in order (within the current transaction)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be written inside the transaction of the change they record")
    # Held until commit, so rows are chained in commit order (decision 0004).
    advisory_lock("audit", "chain")
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    next_id, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = clock.now()
    rows: list[AuditEvent] = []
    for event in events:
        data = _plain(dict(event.data))
        row = AuditEvent(
            id=next_id,
            at=at,
            actor=actor.label,
            action=event.action,
            object_type=event.object_type,
            object_id=str(event.object_id),
            data=data,
            prev_hash=prev_hash,
        )
        row.hash = link(prev_hash, canonical_of(row))
        rows.append(row)
        prev_hash, next_id = row.hash, next_id + 1
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    return rows


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
    """Walk the whole chain now and record the outcome in it (`audit.chain_verified`); returns the report.

    The walk reads outside any transaction (it can take a while); rows written meanwhile lie beyond the
    verified head and are checked next time.
    """
    from django.db import transaction

    from cita.audit.selectors import VERIFIED_ACTION, audit_chain_verify

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
