"""Jobs of the registrations domain."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from cita.core.actors import system
from cita.registrations.retention import retention_purge_due
from cita.registrations.signin import one_time_code_purge

log = logging.getLogger(__name__)


@app.periodic(cron="17 * * * *", periodic_id="registrations.one_time_code_purge")
@app.task(name="registrations.one_time_code_purge", queueing_lock="registrations.one_time_code_purge")
def one_time_code_purge_job(timestamp: int) -> None:
    """Every hour: delete one-time codes that expired a day ago or more (idempotent)."""
    deleted = one_time_code_purge()
    log.info("one-time codes purged", extra={"deleted": deleted})


@app.periodic(cron="23 3 * * *", periodic_id="registrations.retention_purge")
@app.task(name="registrations.retention_purge", queueing_lock="registrations.retention_purge")
def retention_purge_job(timestamp: int) -> None:
    """Every day: purge the personal data of cases closed CITA_RETENTION_DAYS ago (idempotent)."""
    retention_purge_due(actor=system("registrations.retention_purge"))
