"""`cita audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `audit` command group."""
    parser = sub.add_parser("audit", help="the tamper-evident audit log")
    commands = parser.add_subparsers(dest="audit_command", metavar="SUBCOMMAND", required=True)
    verify = commands.add_parser("verify", help="walk the hash chain and name the first broken row")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Verify the chain; exit 1 naming the first broken row."""
    from cita.cli.django_setup import setup

    setup()
    from django.core.management import call_command

    try:
        call_command("audit_verify")
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
