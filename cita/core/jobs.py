"""Queueing jobs from a change: by name, after the change commits (never before), and never at the price
of the change. A job that cannot be queued (the queue's database is down, say) is logged, and the periodic
job named as its net catches up; a job already waiting (its queueing lock) will do the work anyway."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def job_defer(name: str, *, net: str, queueing_lock: str | None = None, **arguments: Any) -> None:
    """Queue the job `name` with `arguments` now; never raises (`net` is the periodic job that catches up)."""
    from procrastinate.contrib.django import app
    from procrastinate.exceptions import AlreadyEnqueued

    try:
        # Without a lock of its own here, a job keeps the one its task declares (passing None would drop it).
        if queueing_lock is None:
            deferrer = app.configure_task(name=name)
        else:
            deferrer = app.configure_task(name=name, queueing_lock=queueing_lock)
        deferrer.defer(**arguments)
    except AlreadyEnqueued:
        pass  # one is waiting to start: it does this work too
    except Exception:
        log.warning(
            "could not queue a job; its net catches up", extra={"job": name, "net": net}, exc_info=True
        )


def defer_on_commit(name: str, *, net: str, queueing_lock: str | None = None, **arguments: Any) -> None:
    """Queue the job `name` when the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(
        functools.partial(job_defer, name, net=net, queueing_lock=queueing_lock, **arguments)
    )


def on_commit_once(callback: Callable[[], None]) -> None:
    """Run `callback` when the current transaction commits, once however often a transaction asks."""
    connection = transaction.get_connection()
    if any(entry[1] is callback for entry in connection.run_on_commit):
        return
    transaction.on_commit(callback)


def job_counts() -> dict[tuple[str, str], int]:
    """How many jobs each (task name, state) holds in the queue table, for the operators' metrics."""
    from django.db.models import Count
    from procrastinate.contrib.django.models import ProcrastinateJob

    rows = ProcrastinateJob.objects.values_list("task_name", "status").annotate(n=Count("id")).order_by()
    return {(name, status): n for name, status, n in rows}
