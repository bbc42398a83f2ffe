"""`cita manage reindex [--batch-size N]`: re-compute every keyed hash with the current key of
CITA_INDEX_KEY after a rotation (cita/registrations/reindex.py says how; docs/operations.md when)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cita.core.crypto import key_ring
from cita.registrations.reindex import reindex_all


class Command(BaseCommand):
    help = "Re-compute every keyed hash with the current key of CITA_INDEX_KEY (resumable, in batches)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        kid = key_ring("CITA_INDEX_KEY").current
        for done in reindex_all(batch_size=batch_size):
            self.stdout.write(f"{done.label}: {done.rows} rows walked, {done.changed} moved to key {kid!r}")
        self.stdout.write(f"every re-computable keyed hash is under key {kid!r}")
