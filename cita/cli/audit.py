"""`cita audit verify`: check the audit log's hash chain; `cita audit check-heads HEADS.json`: check it
against the daily heads someone kept from `heads.json`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from cita.cli.base import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `audit` command group."""
    parser = sub.add_parser("audit", help="the tamper-evident audit log")
    commands = parser.add_subparsers(dest="audit_command", metavar="SUBCOMMAND", required=True)
    verify = commands.add_parser("verify", help="walk the hash chain and name the first broken row")
    verify.set_defaults(func=run_verify)
    check = commands.add_parser(
        "check-heads",
        help="check the database DATABASE_URL names (live, or a restored backup) against kept daily heads",
    )
    check.add_argument("heads", type=Path, help="a heads.json file (as /audit/heads.json publishes it)")
    check.set_defaults(func=run_check_heads)


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


def run_check_heads(args: argparse.Namespace) -> int:
    """Exit 0 when every kept head matches the chain, else log an error, list the differences, exit 1."""
    try:
        document = json.loads(args.heads.read_text())
        from_file = [
            (dt.date.fromisoformat(h["day"]), int(h["last_id"]), str(h["hash"]), h) for h in document["heads"]
        ]
        keys = dict(document.get("keys") or {})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"{args.heads}: not a heads.json file ({exc})", status=2) from None
    from cita.audit.heads import head_message, head_signature_valid

    # Signatures first (no database needed): a kept head whose signature fails was altered after publication.
    problems = []
    for day, last_id, hash_, raw in from_file:
        if "signature" not in raw:
            continue
        message = head_message(day=day, last_id=last_id, hash_=hash_, at=str(raw.get("at", "")))
        key = keys.get(str(raw.get("key_id")))
        if key is None or not head_signature_valid(message, signature=str(raw["signature"]), public_key=key):
            problems.append(f"{day}: the head's signature does not verify (edited after publication?)")
    from cita.cli.django_setup import setup

    setup()
    from cita.audit.selectors import PublishedHead, audit_heads_check

    heads = [PublishedHead(day, last_id, hash_) for day, last_id, hash_, _ in from_file]
    problems += audit_heads_check(heads=heads)
    if problems:
        logging.getLogger("cita.audit").error(
            "audit heads do not match: the history was rewritten", extra={"problems": problems}
        )
        for problem in problems:
            print(f"cita: {problem}", file=sys.stderr)
        return 1
    signed = sum(1 for *_, raw in from_file if "signature" in raw)
    print(f"checked {len(heads)} heads ({signed} signed): every one matches the chain")
    return 0
