"""The read replica for real: a streaming replica of the test database (`pg_basebackup -R`, `pg_ctl start`),
read through the router by the public pages. Where the test server refuses replication connections (the
system server's pg_hba.conf), the same tests run in a child pytest against a scratch primary this test
starts with `initdb`. Skipped only where no PostgreSQL binaries exist, never in CI.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client, override_settings

from cita.core import clock
from cita.core.replica import REPLICA, STICKY_COOKIE, health, replica_lag_seconds
from tests.conftest import sign_in_applicant, subprocess_env
from tests.factories.ports import PortFactory
from tests.factories.registrations import registered_group
from tests.pgcluster import (
    Cluster,
    bin_dir,
    conninfo,
    replication_refused,
    start_replica,
    start_scratch_primary,
)

REPLICA_TESTS = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
PORTS = "/api/v1/ports"


def _bin_dir_or_skip(server_version_num: int) -> Path:
    found = bin_dir(server_version_num=server_version_num)
    if found is None:
        message = f"no PostgreSQL {server_version_num // 10000} binaries (pg_ctl, pg_basebackup) here"
        if os.environ.get("CI"):
            pytest.fail(message + ", and CI must run the replica tests")
        pytest.skip(message)
    return found


def _server_version() -> int:
    import psycopg

    with psycopg.connect(conninfo(connections["default"].settings_dict, dbname="postgres")) as conn:
        return int(conn.info.server_version)


@pytest.fixture(scope="module")
def replica(django_db_setup: None) -> Iterator[Cluster]:
    """A streaming replica of the test database, known to Django as the `replica` alias."""
    bindir = _bin_dir_or_skip(_server_version())
    primary = conninfo(connections["default"].settings_dict, dbname="postgres")
    if replication_refused(primary):
        pytest.skip(
            "the test server refuses replication connections (pg_hba.conf): "
            "test_the_replica_tests_run_on_a_scratch_primary runs these tests against a primary of their own"
        )
    cluster = start_replica(bindir=bindir, primary=primary)
    default = dict(connections["default"].settings_dict)
    entry = {
        **default,
        "HOST": "127.0.0.1",
        "PORT": str(cluster.port),
        "OPTIONS": {**default["OPTIONS"], "connect_timeout": "2"},
        "CONN_MAX_AGE": 0,
        "TEST": {**default.get("TEST", {}), "MIRROR": "default"},
    }
    connections.settings[REPLICA] = connections.configure_settings({"default": default, REPLICA: entry})[
        REPLICA
    ]
    try:
        yield cluster
    finally:
        connections[REPLICA].close()
        del connections.settings[REPLICA]
        local = connections._connections  # type: ignore[attr-defined]  # Django's per-thread connections
        if hasattr(local, REPLICA):
            delattr(local, REPLICA)
        cluster.remove()


@pytest.fixture
def fresh_health() -> Iterator[None]:
    health.reset()
    yield
    health.reset()


def _wait_replayed(cluster: Cluster) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    with cluster.connect() as admin:
        for _ in range(200):
            row = admin.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the replica did not catch up within 10 s")


def _pause(cluster: Cluster, paused: bool) -> None:
    with cluster.connect() as admin:
        admin.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def _codes(client: Client) -> set[str]:
    response = client.get(PORTS)
    assert response.status_code == 200, response.content
    return {p["code"] for p in response.json()["ports"]}


@REPLICA_TESTS
@override_settings(CITA_REPLICA_MAX_LAG_SECONDS=3600, CITA_REPLICA_CHECK_SECONDS=0)
def test_public_reads_come_from_the_replica_and_see_the_primarys_writes(
    replica: Cluster, fresh_health: None
) -> None:
    PortFactory(code="RPA")
    _wait_replayed(replica)
    assert "RPA" in _codes(Client())

    _pause(replica, True)
    try:
        PortFactory(code="RPB")
        # Served by the replica, whose replay stands still: a lag it tolerates (an hour).
        assert "RPB" not in _codes(Client())
        # Pages that may not lag read the primary: the staff's and the applicant's own writes.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ports_port WHERE code = 'RPB'")
            assert cursor.fetchone()[0] == 1
    finally:
        _pause(replica, False)
    _wait_replayed(replica)
    assert "RPB" in _codes(Client())


@REPLICA_TESTS
@override_settings(
    CITA_REPLICA_MAX_LAG_SECONDS=3600, CITA_REPLICA_CHECK_SECONDS=0, CITA_REPLICA_STICKY_SECONDS=15
)
def test_a_browser_that_wrote_reads_from_the_primary_for_a_while(
    replica: Cluster, fresh_health: None
) -> None:
    applicant = registered_group()
    writer = Client()
    sign_in_applicant(writer, applicant)
    _wait_replayed(replica)
    _pause(replica, True)
    try:
        response = writer.post("/language", {"language": "fr", "next": "/"})
        assert response.status_code == 302
        assert STICKY_COOKIE in response.cookies
        PortFactory(code="RPC")
        assert "RPC" in _codes(writer)  # its own write's moment: the primary
        assert "RPC" not in _codes(Client())  # everyone else: the replica
        previous = clock.install(clock.RunningClock(clock.now() + dt.timedelta(seconds=16)))
        try:
            assert "RPC" not in _codes(writer)  # the while is over: the replica again
        finally:
            clock.install(previous)
    finally:
        _pause(replica, False)


@REPLICA_TESTS
@override_settings(CITA_REPLICA_MAX_LAG_SECONDS=0.3, CITA_REPLICA_CHECK_SECONDS=0)
def test_a_replica_that_lags_past_the_limit_is_bypassed_and_logged_once(
    replica: Cluster, fresh_health: None, caplog: pytest.LogCaptureFixture
) -> None:
    _wait_replayed(replica)
    assert "RPD" not in _codes(Client())
    assert not [r for r in caplog.records if "replica bypassed" in r.getMessage()]
    _pause(replica, True)
    try:
        PortFactory(code="RPD")
        deadline = time.monotonic() + 10
        while (replica_lag_seconds() or 0) <= 0.3:
            assert time.monotonic() < deadline, "the paused replica never fell behind"
            time.sleep(0.1)
        with caplog.at_level(logging.WARNING, logger="cita.core.replica"):
            for _ in range(3):
                assert "RPD" in _codes(Client())
        warnings = [r for r in caplog.records if "replica bypassed" in r.getMessage()]
        assert len(warnings) == 1, warnings
        assert "trails by" in warnings[0].getMessage()
    finally:
        _pause(replica, False)


@REPLICA_TESTS
@override_settings(CITA_REPLICA_MAX_LAG_SECONDS=3600, CITA_REPLICA_CHECK_SECONDS=3600)
def test_a_stopped_replica_falls_back_to_the_primary(
    replica: Cluster, fresh_health: None, caplog: pytest.LogCaptureFixture
) -> None:
    # Runs last: it stops the replica. The last check said "usable" and is not repeated for an hour,
    # so the first read after the stop fails on the replica mid-request and is served by the primary.
    _wait_replayed(replica)
    assert health.usable()
    replica.stop()
    PortFactory(code="RPE")
    with caplog.at_level(logging.WARNING, logger="cita.core.replica"):
        assert "RPE" in _codes(Client())
        assert "RPE" in _codes(Client())
    warnings = [r for r in caplog.records if "replica bypassed" in r.getMessage()]
    assert len(warnings) == 1, warnings
    # A new check finds it unreachable.
    with override_settings(CITA_REPLICA_CHECK_SECONDS=0):
        health.reset()
        assert not health.usable()
        assert "RPE" in _codes(Client())


CHILD_ENV = "CITA_TEST_REPLICA_CHILD"


@pytest.mark.slow
def test_the_replica_tests_run_on_a_scratch_primary_when_the_server_refuses_replication(
    django_db_setup: None, tmp_path: Path
) -> None:
    """Where the test server does not allow replication (the shared system server), the tests above run
    in a child pytest against a primary of their own (initdb from the same binaries), never not at all."""
    primary = conninfo(connections["default"].settings_dict, dbname="postgres")
    bindir = _bin_dir_or_skip(_server_version())
    if os.environ.get(CHILD_ENV) or not replication_refused(primary):
        pytest.skip("the test server allows replication: the tests above ran against it directly")
    scratch = start_scratch_primary(bindir=bindir)
    try:
        env = subprocess_env(**{"DATABASE_URL": scratch.url("postgres"), CHILD_ENV: "1"})
        env.pop("DATABASE_REPLICA_URL", None)
        env["CITA_TEST_DATABASE"] = "test_cita_replica"
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", __file__],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            timeout=600,
            check=False,
        )
    finally:
        scratch.remove()
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 passed" in summary, summary
    assert "1 skipped" in summary, summary
