"""Reading and checking the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cita.audit.chain import link
from cita.audit.models import GENESIS, AuditEvent
from cita.audit.services import canonical_of


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain: rows checked, and the first broken row if any."""

    rows: int
    broken_id: int | None = None
    reason: str = ""
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        """True when every row links to its predecessor and matches its content."""
        return self.broken_id is None


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in id order and name the first row that does not check out."""
    expected_prev, expected_id, count = GENESIS, 1, 0
    for row in _rows(batch_size):
        if row.id != expected_id:
            return ChainReport(count, expected_id, f"row {expected_id} is missing (next row is {row.id})")
        if row.prev_hash != expected_prev:
            return ChainReport(count, row.id, f"row {row.id} does not link to row {row.id - 1}")
        if link(row.prev_hash, canonical_of(row)) != row.hash:
            return ChainReport(count, row.id, f"row {row.id} ({row.action}) does not match its hash")
        expected_prev, expected_id, count = row.hash, expected_id + 1, count + 1
    return ChainReport(count, head=expected_prev)


def _rows(batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].id
