"""`cita backup DIR` and `cita restore DIR`: a `pg_dump` custom-format dump plus a manifest (row counts, the
audit chain head) that the restore checks itself against (docs/operations.md, "Backups").

The counts and the head are read in the very snapshot the dump is taken from (`pg_export_snapshot`), so
they describe the dump exactly. A restore goes only into an empty database: it never merges.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from cita.cli.base import CommandError

DUMP = "cita.dump"
MANIFEST = "manifest.json"
FORMAT = "cita-backup-1"
# Tables in these schemas are PostgreSQL's own; anything else means the database is in use.
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `backup` and `restore` commands."""
    backup = sub.add_parser(
        "backup", help="dump the database into DIR, with a manifest of counts and audit head"
    )
    backup.add_argument("dir", type=Path, help="folder to write (created; must not hold a backup yet)")
    backup.set_defaults(func=run_backup)
    restore = sub.add_parser(
        "restore", help="restore a backup from DIR into the empty database DATABASE_URL names"
    )
    restore.add_argument("dir", type=Path, help="folder that `cita backup` wrote")
    restore.set_defaults(func=run_restore)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg_temp%%' ORDER BY 1",
        [list(SYSTEM_SCHEMAS)],
    )
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - names quoted by quote_ident above
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _server_version() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0])


def _program(name: str) -> tuple[str, dict[str, str]]:
    from django.db import connection

    from cita.db import libpq_env, pg_program

    try:
        program = pg_program(name, server_version=_server_version())
    except FileNotFoundError as exc:
        raise CommandError(f"{exc}; install the PostgreSQL client programs", status=1) from None
    return program, {**os.environ, **libpq_env(connection.settings_dict)}


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise CommandError(f"{Path(command[0]).name} failed: {detail}", status=1)


def run_backup(args: argparse.Namespace) -> int:
    """Dump the database and write the manifest; print one line saying what was saved."""
    from cita.cli.django_setup import setup

    setup()
    from django.db import connection, transaction

    from cita.audit.selectors import audit_chain_head
    from cita.core import clock

    folder: Path = args.dir
    if (folder / MANIFEST).exists() or (folder / DUMP).exists():
        raise CommandError(f"{folder} already holds a backup; choose an empty folder", status=1)
    folder.mkdir(parents=True, exist_ok=True)
    pg_dump, env = _program("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _counts(cursor)
        head = audit_chain_head()
        # The dump reads the snapshot this transaction holds open, so it holds exactly what was counted.
        _run(
            [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}", "-f", str(folder / DUMP)],
            env,
        )
    manifest = {
        "format": FORMAT,
        "created_at": clock.now().isoformat(),
        "database": connection.settings_dict["NAME"],
        "server_version": _server_version(),
        "dump": DUMP,
        "dump_sha256": _sha256(folder / DUMP),
        "audit_head": {
            "last_id": head.last_id,
            "hash": head.hash,
            "at": head.at.isoformat() if head.at else None,
        },
        "counts": counts,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(
        f"backed up {sum(counts.values())} rows in {len(counts)} tables to {folder}; "
        f"audit head {head.last_id} {head.hash[:16]}"
    )
    return 0


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a backup folder, checked against its dump."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise CommandError(f"{folder} holds no {MANIFEST}: not a cita backup", status=1) from None
    if manifest.get("format") != FORMAT:
        raise CommandError(f"{folder / MANIFEST} is not a {FORMAT} manifest", status=1)
    dump = folder / manifest["dump"]
    if not dump.exists() or _sha256(dump) != manifest["dump_sha256"]:
        raise CommandError(f"{dump} is missing or does not match the manifest's checksum", status=1)
    return manifest


def run_restore(args: argparse.Namespace) -> int:
    """Restore into the empty database DATABASE_URL names, then check counts and audit head."""
    from cita.cli.django_setup import setup

    setup()
    from django.db import connection

    from cita.audit.selectors import audit_chain_head

    folder: Path = args.dir
    manifest = read_manifest(folder)
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        tables = _tables(cursor)
    if tables:
        raise CommandError(
            f"database {name} is not empty ({len(tables)} tables); restore only into a new, empty database",
            status=1,
        )
    pg_restore, env = _program("pg_restore")
    _run(
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "-d", name, str(folder / DUMP)], env
    )
    with connection.cursor() as cursor:
        counts = _counts(cursor)
    head = audit_chain_head()
    if counts != manifest["counts"]:
        differ = sorted(
            t for t in set(counts) | set(manifest["counts"]) if counts.get(t) != manifest["counts"].get(t)
        )
        raise CommandError(
            f"restored, but the counts differ from the manifest in {', '.join(differ)}", status=1
        )
    if (head.last_id, head.hash) != (manifest["audit_head"]["last_id"], manifest["audit_head"]["hash"]):
        raise CommandError("restored, but the audit chain head differs from the manifest's", status=1)
    print(
        f"restored {sum(counts.values())} rows in {len(counts)} tables into {name}; "
        f"audit head {head.last_id} {head.hash[:16]} matches the manifest; now run `cita audit verify`"
    )
    return 0
