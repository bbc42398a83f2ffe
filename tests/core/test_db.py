"""The database connection of each kind of process, and the web server's threads (issue 19)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from cita.cli.serve import granian_command, serve_environment
from cita.db import THREADS_PER_CORE, cores, django_database

URL = "postgresql://cita@db.example/cita"


def test_the_web_server_runs_a_few_threads_per_core_unless_told(monkeypatch):
    monkeypatch.delenv("CITA_WEB_THREADS", raising=False)
    command = granian_command(host="127.0.0.1", port=8000, workers=2)
    assert command[command.index("--blocking-threads") + 1] == str(THREADS_PER_CORE * cores())
    monkeypatch.setenv("CITA_WEB_THREADS", "3")
    command = granian_command(host="127.0.0.1", port=8000, workers=2)
    assert command[command.index("--blocking-threads") + 1] == "3"


def test_web_processes_get_a_pool_as_large_as_their_threads(monkeypatch):
    monkeypatch.setenv("CITA_WEB_THREADS", "3")
    assert serve_environment({})["CITA_DB_POOL"] == "3"
    assert serve_environment({"CITA_DB_POOL": "7"})["CITA_DB_POOL"] == "7"


def test_the_pool_is_bounded_by_the_environment(monkeypatch):
    monkeypatch.setenv("CITA_DB_POOL", "4")
    monkeypatch.setenv("CITA_DB_POOL_TIMEOUT", "2.5")
    entry = django_database(URL + "?sslmode=require")
    assert entry["OPTIONS"] == {"sslmode": "require", "pool": {"min_size": 1, "max_size": 4, "timeout": 2.5}}
    assert entry["CONN_MAX_AGE"] == 0  # Django refuses persistent connections beside a pool


def test_other_processes_keep_a_connection_per_thread(monkeypatch):
    monkeypatch.delenv("CITA_DB_POOL", raising=False)
    entry = django_database(URL)
    assert "pool" not in entry["OPTIONS"]
    assert entry["CONN_MAX_AGE"] == 60
    monkeypatch.setenv("CITA_DB_POOL", "0")
    assert "pool" not in django_database(URL)["OPTIONS"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("pool", "reused"), [(True, True), (False, False)])
def test_a_closed_connection_goes_back_to_the_pool(pool, reused):
    """At the end of each request Django closes its connection: with the pool it is handed back and the next
    request gets the same server connection; without one, the next request opens a new one."""
    config = {**connection.settings_dict, "CONN_MAX_AGE": 0}
    if pool:
        config["OPTIONS"] = {**config["OPTIONS"], "pool": {"min_size": 1, "max_size": 1, "timeout": 5}}
    wrapper = DatabaseWrapper(config, alias="pooled")
    pids = []
    try:
        for _request in range(2):
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
            wrapper.close()
    finally:
        if pool:
            wrapper.close_pool()  # type: ignore[attr-defined]  # Django 5.1+, not in the stubs yet
    assert (pids[0] == pids[1]) is reused
