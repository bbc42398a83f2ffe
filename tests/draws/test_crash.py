"""Crash safety: the draw job killed with SIGKILL inside itself, then run again, ends exactly where an
uninterrupted run ends (same results, same offers, each notice once).

The job runs as `cita draw run` in a subprocess against this test's database. Before it runs, the database
is copied (CREATE DATABASE … TEMPLATE), and the copy gets the uninterrupted run, so both start from the
same sealed seed and the same requests.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from cita.draws.services import draw_open
from tests.conftest import subprocess_env
from tests.factories.draws import (
    APPOINTMENT_DAY,
    DRAW_DAY,
    JOB,
    WINDOW_CLOSES,
    WINDOW_OPENS,
    port_with_slots,
    submitted,
)

ROOT = Path(__file__).resolve().parents[2]
POINTS = [
    "draws.close.after_freeze",
    "draws.close.after_compute",
    "draws.close.after_apply",
    "draws.close.before_commit",
    "draws.notify.inside_batch",
    "draws.notify.after_batch",
]


def url_for(settings_dict: dict[str, object], name: str) -> str:
    """A postgresql:// URL (the form cita.db reads) for database `name` on the test server."""
    user = quote(str(settings_dict["USER"] or ""))
    password = quote(str(settings_dict["PASSWORD"] or ""))
    credentials = f"{user}:{password}@" if password else f"{user}@"
    host = str(settings_dict["HOST"] or "")
    port = str(settings_dict["PORT"] or "")
    if host.startswith("/"):
        return f"postgresql://{credentials}:{port or 5432}/{name}?host={quote(host, safe='')}"
    return f"postgresql://{credentials}{host}:{port or 5432}/{name}"


def run_job(url: str, day: dt.date, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = subprocess_env(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="tests.settings", CITA_DRAW_NOTICE_BATCH="7"
    )
    env.pop("CITA_TEST_CRASH_AT", None)
    if crash_at:
        env["CITA_TEST_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "cita", "draw", "run", "--date", day.isoformat()],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def outcome(url: str) -> dict[str, object]:
    """Everything the job decides, read straight from a database."""
    with psycopg.connect(url) as conn:

        def rows(sql: str) -> list[tuple[object, ...]]:
            return conn.execute(sql).fetchall()

        return {
            "files": rows(
                "SELECT d.draw_id, f.name, f.sha256 FROM draws_drawfile f "
                "JOIN draws_draw d ON d.id = f.draw_id ORDER BY 1, 2"
            ),
            "draws": rows(
                "SELECT draw_id, status, server_seed, results_sha256, notices_done FROM draws_draw ORDER BY 1"
            ),
            "requests": rows(
                "SELECT r.ticket, s.state FROM draws_request r "
                "JOIN draws_requeststatus s ON s.request_id = r.id ORDER BY 1"
            ),
            "offers": rows(
                "SELECT r.ticket, o.port_id, o.slot, o.phase, o.order, o.state FROM draws_offer o "
                "JOIN draws_request r ON r.id = o.request_id ORDER BY o.order"
            ),
            "seats": rows(
                'SELECT port_id, day, slot, seats, "left" FROM ports_slotcapacity ORDER BY 1, 2, 3'
            ),
            "notices": rows("SELECT dedup_key, kind FROM notifications_notice ORDER BY dedup_key"),
            "duplicate_notices": rows(
                "SELECT applicant_id, kind, context->>'ticket' FROM notifications_notice "
                "GROUP BY 1, 2, 3 HAVING count(*) > 1"
            ),
        }


@dataclass(frozen=True)
class Twin:
    """The test database and a copy of it made on demand (dropped afterwards)."""

    name: str
    url: str
    copy_url: str
    admin_url: str

    @property
    def copy_name(self) -> str:
        return f"{self.name}_twin"

    def make_copy(self) -> None:
        connection.close()  # a template database must have no other session
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.copy_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.copy_name}" TEMPLATE "{self.name}"')


@pytest.fixture
def twin() -> Iterator[Twin]:
    settings_dict = connection.settings_dict
    name = str(settings_dict["NAME"])
    twin = Twin(
        name=name,
        url=url_for(settings_dict, name),
        copy_url=url_for(settings_dict, f"{name}_twin"),
        admin_url=url_for(settings_dict, "postgres"),
    )
    yield twin
    with psycopg.connect(twin.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{twin.copy_name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", POINTS)
def test_the_draw_job_killed_midway_and_run_again_ends_as_an_uninterrupted_run(frozen_clock, twin, point):
    original, copy = twin.url, twin.copy_url
    # A draw whose window closed an hour ago (the job's process starts its clock where this test's is).
    day = DRAW_DAY
    port_with_slots("SYS", slots=[("08:00", 5), ("09:00", 4)], day=APPOINTMENT_DAY)
    port_with_slots("ELP", slots=[("08:00", 4)], day=APPOINTMENT_DAY, position=1)
    frozen_clock.set(WINDOW_OPENS + dt.timedelta(minutes=30))
    draw = draw_open(day=day, actor=JOB)
    for i in range(30):
        submitted(ports=["SYS", "ELP"] if i % 2 else ["ELP"], size=1 + i % 3, draw=draw)
    twin.make_copy()
    frozen_clock.set(WINDOW_CLOSES + dt.timedelta(hours=1))

    clean = run_job(copy, day)
    assert clean.returncode == 0, clean.stderr
    crashed = run_job(original, day, crash_at=point)
    assert crashed.returncode == -signal.SIGKILL, (crashed.returncode, crashed.stderr)
    rerun = run_job(original, day)
    assert rerun.returncode == 0, rerun.stderr

    expected, actual = outcome(copy), outcome(original)
    assert actual["draws"] == expected["draws"]
    assert actual["files"] == expected["files"]
    assert actual["offers"] == expected["offers"]
    assert actual["offers"]
    assert actual["requests"] == expected["requests"]
    assert actual["seats"] == expected["seats"]
    assert actual["notices"] == expected["notices"]
    notices = actual["notices"]
    assert isinstance(notices, list)
    assert len(notices) >= 30  # selected + not_selected + request_received, once each
    assert actual["duplicate_notices"] == []
