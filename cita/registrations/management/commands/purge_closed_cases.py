"""`cita manage purge_closed_cases [--dry-run] [--limit N]`: purge the personal data of cases closed
CITA_RETENTION_DAYS ago or more, now (the daily job `registrations.retention_purge` does the same)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from cita.core.actors import system
from cita.registrations.retention import retention_purge_due


class Command(BaseCommand):
    help = (
        "Purge the personal data of closed cases older than CITA_RETENTION_DAYS (docs/privacy-retention.md)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be purged; change nothing"
        )
        parser.add_argument("--limit", type=int, default=None, help="purge at most this many cases")

    def handle(self, *args: Any, dry_run: bool, limit: int | None, **options: Any) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        try:
            report = retention_purge_due(
                actor=system("manage.purge_closed_cases"), dry_run=dry_run, limit=limit
            )
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        verb = "would purge" if report.dry_run else "purged"
        line = (
            f"{verb} {report.cases} closed case(s) ({report.people} people) and "
            f"{report.address_notices} sign-in notice(s) to addresses; cases closed on or before "
            f"{report.cutoff:%Y-%m-%d %H:%M} UTC (CITA_RETENTION_DAYS={report.days})"
        )
        if report.skipped:
            line += f"; {report.skipped} skipped (active again)"
        self.stdout.write(line)
