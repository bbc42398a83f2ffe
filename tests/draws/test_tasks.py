"""The jobs of the daily cycle are known to the worker, by name, with their schedules."""

from __future__ import annotations

import pytest
from procrastinate.contrib.django import app

JOBS = {
    "draws.open_due": "* * * * *",
    "draws.close_due": "* * * * *",
    "draws.expire_offers": "* * * * *",
    "draws.remind": "*/5 * * * *",
    "draws.notify_due": "*/5 * * * *",
    "appointments.no_shows": "*/15 * * * *",
    "appointments.day_before": "*/15 * * * *",
}


def test_every_job_of_the_cycle_is_registered_with_its_schedule():
    app.perform_import_paths()
    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    for name, cron in JOBS.items():
        assert name in app.tasks, name
        assert periodic.get(name) == cron, name
    assert "draws.notify" in app.tasks


@pytest.mark.django_db
def test_the_periodic_jobs_run_through_the_entry_points_the_worker_calls(frozen_clock):
    for name in JOBS:
        app.tasks[name](timestamp=int(frozen_clock.now().timestamp()))
    app.tasks["draws.notify"](draw_id="no-such-draw")
