"""`cita serve`: the web server (granian, WSGI)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping

from cita.db import app_environment, web_threads


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `serve` command."""
    parser = sub.add_parser("serve", help="serve the web application with granian")
    parser.add_argument("--host", default=os.environ.get("CITA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CITA_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=workers_default())
    parser.set_defaults(func=run)


def workers_default() -> int:
    """Granian worker processes: `CITA_WEB_WORKERS`, else 2."""
    return int(os.environ.get("CITA_WEB_WORKERS", "2"))


def granian_command(
    *, host: str, port: int, workers: int, application: str = "cita.wsgi:application"
) -> list[str]:
    """The granian command line serving cita's WSGI application (bench/http.py serves its floor, a bare
    Django application, with the same line)."""
    granian = shutil.which("granian", path=os.path.dirname(sys.executable)) or "granian"
    return [
        granian,
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-ws",
        # Each blocking thread serves one request at a time and holds one database connection.
        "--blocking-threads",
        str(web_threads()),
        "--log-level",
        "warning",
        application,
    ]


def metrics_folder_prepare(*, port: int) -> None:
    """Give the worker processes one folder for their request metrics (PROMETHEUS_MULTIPROC_DIR; a
    scrape adds them up), emptied at start: the counters of a previous server are not this one's."""
    import shutil

    from cita.db import cita_home

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(cita_home() / f"metrics-{port}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def serve_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The environment of the web processes: `env` connecting as the application role when one is set
    (`CITA_APP_DATABASE_URL`), with a connection pool as large as the threads (`CITA_DB_POOL`) unless it
    says otherwise: a thread holds one connection while it serves a request."""
    return {"CITA_DB_POOL": str(web_threads()), **app_environment(env)}


def run(args: argparse.Namespace) -> int:
    """Replace this process with granian."""
    from cita.cli.django_setup import load_dev_env

    load_dev_env()
    os.environ.update(serve_environment(os.environ))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cita.settings")
    metrics_folder_prepare(port=args.port)
    command = granian_command(host=args.host, port=args.port, workers=args.workers)
    os.execv(command[0], command)  # noqa: S606 - a fixed command line, no shell
