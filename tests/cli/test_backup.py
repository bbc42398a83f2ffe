"""`cita backup` and `cita restore` as an operator runs them: the real commands in their own processes, a
round trip from the test database into a scratch database on the same server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection, transaction

from cita.audit.services import Event, audit_chain_extend, audit_record_many
from cita.core.actors import system
from tests.factories.ports import PortFactory
from tests.factories.registrations import registered_group
from tests.pgcluster import conninfo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def run_cita(*args: str, database: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `cita` console script against `database` (the test database by default)."""
    db = connection.settings_dict
    host = db["HOST"] or "localhost"
    netloc = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        netloc += ":" + quote(db["PASSWORD"], safe="")
    url = f"postgresql://{netloc}@/{quote(database or db['NAME'])}?host={quote(host, safe='')}"
    if db["PORT"]:
        url += f"&port={db['PORT']}"
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_REPLICA_URL"}}
    env["DATABASE_URL"] = url
    cita = Path(sys.executable).with_name("cita")
    return subprocess.run(
        [str(cita), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    name = connection.settings_dict["NAME"] + "_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts(database: str) -> dict[str, int]:
    with psycopg.connect(conninfo(connection.settings_dict, dbname=database)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
        ]
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # type: ignore[index]


def test_a_backup_restores_into_an_empty_database_with_the_same_rows_and_audit_chain(
    tmp_path: Path, scratch_database: str
) -> None:
    registered_group(size=3)
    registered_group(size=1)
    PortFactory(code="BKP")
    with transaction.atomic():
        audit_record_many(
            actor=system("test"), events=[Event("test.happened", "thing", str(i), {"i": i}) for i in range(5)]
        )
    audit_chain_extend()  # as the sequencer does within seconds: the head is the last chained row
    folder = tmp_path / "backup"

    saved = run_cita("backup", str(folder))
    assert saved.returncode == 0, saved.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    source_counts = _counts(connection.settings_dict["NAME"])
    assert manifest["counts"] == source_counts
    assert manifest["counts"]["public.ports_port"] >= 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, hash FROM audit_auditevent WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        )
        last_id, last_hash = cursor.fetchone()
    assert (manifest["audit_head"]["last_id"], manifest["audit_head"]["hash"]) == (last_id, last_hash)

    restored = run_cita("restore", str(folder), database=scratch_database)
    assert restored.returncode == 0, restored.stderr
    assert "matches the manifest" in restored.stdout

    check = run_cita("manage", "migrate", "--check", database=scratch_database)
    assert check.returncode == 0, check.stdout + check.stderr
    verified = run_cita("audit", "verify", database=scratch_database)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"verified: {last_id} rows, head {last_hash}")
    assert _counts(scratch_database) == source_counts


def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path) -> None:
    registered_group()
    folder = tmp_path / "backup"
    assert run_cita("backup", str(folder)).returncode == 0
    before = _counts(connection.settings_dict["NAME"])

    refused = run_cita("restore", str(folder))
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith(f"cita: database {connection.settings_dict['NAME']} is not empty (")
    assert _counts(connection.settings_dict["NAME"]) == before


def test_restore_refuses_a_dump_that_does_not_match_its_manifest(
    tmp_path: Path, scratch_database: str
) -> None:
    folder = tmp_path / "backup"
    assert run_cita("backup", str(folder)).returncode == 0
    dump = folder / "cita.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    refused = run_cita("restore", str(folder), database=scratch_database)
    assert refused.returncode != 0
    assert "does not match the manifest's checksum" in refused.stderr
    assert _counts(scratch_database) == {}
