"""`cita worker`: the job worker (procrastinate), running jobs and periodic tasks."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `worker` command."""
    parser = sub.add_parser("worker", help="run the procrastinate job worker")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the worker until interrupted, as the application role when one is set (`CITA_APP_DATABASE_URL`)."""
    import os

    from cita.cli.django_setup import load_dev_env, setup
    from cita.db import app_environment

    load_dev_env()
    os.environ.update(app_environment(os.environ))
    setup()
    from django.core.management import call_command

    call_command("procrastinate", "worker", f"--concurrency={args.concurrency}")
    return 0
