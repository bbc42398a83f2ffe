"""`cita manage …`: Django's management commands (migrate, createsuperuser, rotate_data_key, …)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `manage` command."""
    parser = sub.add_parser("manage", help="run a Django management command", add_help=False)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Hand the rest of the command line to Django."""
    from cita.cli.django_setup import setup

    setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cita manage", *args.args])
    return 0
