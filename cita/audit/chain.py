"""The hash chain: canonical JSON of a row and the SHA-256 link to its predecessor."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cita.audit.models import AuditEvent


def canonical(
    *,
    id: int,
    at: dt.datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Any,
    prev_hash: str,
) -> bytes:
    """The canonical JSON of a row: sorted keys, no spaces, UTF-8, time in UTC with microseconds."""
    row = {
        "id": id,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
        "prev_hash": prev_hash,
    }
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(prev_hash: str, canonical_row: bytes) -> str:
    """SHA-256 over the previous row's hash and this row's canonical JSON, as hex."""
    return hashlib.sha256(prev_hash.encode() + canonical_row).hexdigest()


def canonical_of(row: AuditEvent) -> bytes:
    """The canonical JSON of a stored or new row."""
    return canonical(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        data=row.data,
        prev_hash=row.prev_hash or "",
    )
