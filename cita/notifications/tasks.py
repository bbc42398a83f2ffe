"""Jobs of the notifications domain: deliver due messages, and a sweep every minute so that nothing waits
forever when a wake-up job was lost (a crash between commit and defer, a worker killed mid-run)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import close_old_connections, connection
from procrastinate.contrib.django import app

from cita.notifications.delivery import (
    codes_expire,
    deliveries_due_exist,
    deliveries_release_orphans,
    deliveries_send_due_threads,
)
from cita.notifications.services import deliver_soon

log = logging.getLogger(__name__)

QUEUE = "notifications"
# One run works for at most this long, then hands over to a fresh job (so a deploy or a stop is quick).
RUN_SECONDS = 50.0


@app.task(name="notifications.deliver", queue=QUEUE, queueing_lock="notifications.deliver")
def deliver() -> None:
    """Send every due delivery; if time ran out with more due, wake the next run."""
    _fresh_connection()
    try:
        stats = deliveries_send_due_threads(
            threads=int(settings.CITA_NOTIFY_THREADS), max_seconds=RUN_SECONDS
        )
        if stats.sent or stats.failed or stats.dead or stats.lost_claims:
            log.info(
                "notifications delivered",
                extra={
                    "sent": stats.sent,
                    "retried": stats.retried,
                    "failed": stats.failed,
                    "dead": stats.dead,
                    "skipped": stats.skipped,
                    "released": stats.lost_claims,
                },
            )
        if stats.more:
            deliver_soon()
    finally:
        _fresh_connection()


@app.periodic(cron="* * * * *", periodic_id="notifications.sweep")
@app.task(name="notifications.sweep", queue=QUEUE, queueing_lock="notifications.sweep")
def sweep(timestamp: int) -> None:
    """Put back deliveries of dead workers, wipe expired sign-in codes, and wake delivery if any is due."""
    _fresh_connection()
    try:
        deliveries_release_orphans()
        codes_expire()
        if deliveries_due_exist():
            deliver_soon()
    finally:
        _fresh_connection()


def _fresh_connection() -> None:
    # Worker threads keep their connection between jobs: drop it if it broke or aged (not inside a
    # transaction, which only happens when a test runs the job directly).
    if not connection.in_atomic_block:
        close_old_connections()
