"""`cita audit verify` (also `cita manage audit_verify`): chain what is pending, walk the chain, name the
first broken row."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from cita.audit.selectors import audit_chain_verify
from cita.audit.services import audit_chain_extend


class Command(BaseCommand):
    help = "Chain pending audit rows, verify the hash chain; exit 1 naming the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        audit_chain_extend()
        report = audit_chain_verify()
        if not report.ok:
            sys.stderr.write(
                f"cita: audit chain broken at {report.reason} ({report.rows} rows before it verified)\n"
            )
            raise SystemExit(1)
        self.stdout.write(f"verified: {report.rows} rows, head {report.head}")
        if report.pending:
            self.stdout.write(f"pending: {report.pending} rows written since then wait for the sequencer")
