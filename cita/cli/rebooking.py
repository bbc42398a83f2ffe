"""`cita rebooking verify FILE`: replay a closure's rebooking offline, with no database and no Django.

FILE is the document a closure's page publishes to staff and auditors (`/staff/closures/<id>/plan.json`):
the snapshot the rebooking started from and the plan it applied, with their SHA-256 (the same hashes are in
the audit log, event `closure.rebooked`). The plan is computed again from the snapshot with the same code
(`cita.appointments.rebook_plan`). Exit status: 0 the same plan; 1 it differs or a hash does not match;
2 the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cita.cli.base import CommandError

STATUS_DIFFERENT = 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `rebooking` command group."""
    parser = sub.add_parser("rebooking", help="replay the rebooking of a port closure offline")
    commands = parser.add_subparsers(dest="rebooking_command", metavar="COMMAND", required=True)
    verify = commands.add_parser(
        "verify",
        help="compute a rebooking's plan again from its snapshot and compare",
        description="Compute the plan again from the snapshot in FILE and compare it, and both documents, "
        "with the SHA-256 recorded when the rebooking ran.",
    )
    verify.add_argument("file", metavar="FILE", help="the closure's plan.json")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Print one line per check and a verdict."""
    from cita.appointments.rebook_plan import plan_compute, plan_to_json, sha256_of, snapshot_from_json

    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
        snapshot = snapshot_from_json(document["snapshot"])
        stored_plan, snapshot_sha, plan_sha = (
            document["plan"],
            document["snapshot_sha256"],
            document["plan_sha256"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"cannot read {args.file}: {exc}") from None
    replayed = plan_to_json(plan_compute(snapshot))
    checks = [
        ("snapshot matches its SHA-256", sha256_of(document["snapshot"]) == snapshot_sha),
        ("stored plan matches its SHA-256", sha256_of(stored_plan) == plan_sha),
        ("plan computed again is the stored plan", sha256_of(replayed) == plan_sha),
    ]
    for label, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {label}")
    groups = len(replayed["placements"])
    placed = sum(1 for p in replayed["placements"] if p["via"] != "none")
    print(
        f"closure {snapshot.closure} ({snapshot.port} {snapshot.start} to {snapshot.end}): "
        f"{groups} groups, {placed} placed, {groups - placed} escalated"
    )
    if not all(ok for _, ok in checks):
        raise CommandError("the rebooking does not replay", status=STATUS_DIFFERENT)
    print("verified: the same plan")
    return 0
