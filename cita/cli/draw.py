"""`cita draw …`: compute, verify and seed a draw-v1 bundle, with no database, no settings and no Django.

Exit status: 0 done; 1 the published results do not match the bundle (verify); 2 the bundle is refused
(invalid, unreadable or not yet revealed) or the command line is wrong.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeAlias

from cita.cli.base import CommandError
from cita.cli.draw_run import register_run
from cita.lottery import (
    DrawReport,
    LotteryError,
    VerifyError,
    bundle_compute,
    bundle_verify,
    seed_new,
)

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

STATUS_MISMATCH = 1
STATUS_REFUSED = 2


def register(subparsers: Subparsers) -> None:
    """Add the `draw` group and each of its subcommands."""
    parser = subparsers.add_parser(
        "draw",
        help="compute, verify or seed a daily draw (specs/draw-v1.md)",
        description="Compute, verify or seed a daily draw bundle (specs/draw-v1.md).",
    )
    commands = parser.add_subparsers(dest="draw_command", metavar="SUBCOMMAND", required=True)
    for add in SUBCOMMANDS:
        add(commands)


def _compute_register(commands: Subparsers) -> None:
    """`cita draw compute DIR`."""
    parser = commands.add_parser(
        "compute",
        help="check a revealed bundle, write its results.csv and results_sha256",
        description="Check a revealed bundle, write results.csv and set results_sha256 in manifest.json. "
        "Writes nothing if the bundle is invalid.",
    )
    parser.add_argument("directory", metavar="DIR", help="the bundle directory")
    parser.set_defaults(func=_compute)


def _verify_register(commands: Subparsers) -> None:
    """`cita draw verify DIR`."""
    parser = commands.add_parser(
        "verify",
        help="recompute a published bundle and compare it with its results.csv",
        description="Recompute a published bundle and compare it, byte for byte, with its results.csv and "
        "results_sha256. Prints `verified` or names the first line that differs.",
    )
    parser.add_argument("directory", metavar="DIR", help="the bundle directory")
    parser.add_argument(
        "--chain-info",
        metavar="FILE",
        help="the beacon chain's info JSON (drand: GET {chain}/info); with --round, the beacon round's BLS "
        "signature is checked against its public_key",
    )
    parser.add_argument(
        "--round", metavar="FILE", help="the beacon round's JSON (drand: GET {chain}/public/{round})"
    )
    parser.set_defaults(func=_verify)


def _new_seed_register(commands: Subparsers) -> None:
    """`cita draw new-seed`."""
    parser = commands.add_parser(
        "new-seed",
        help="print a fresh 32-byte server seed and its commitment",
        description="Print a fresh 32-byte server seed (from the operating system's secure random source) "
        "and its commitment, SHA-256 of the seed's bytes. Publish the commitment; keep the seed secret "
        "until the reveal.",
    )
    parser.set_defaults(func=_new_seed)


# Each entry adds one subcommand to `cita draw`. A subcommand that needs the database (the application's
# `cita draw run --date YYYY-MM-DD`) is added here too, by a register function from its own module that
# imports Django only inside its handler, so the commands above keep working without Django.
SUBCOMMANDS: list[Callable[[Subparsers], None]] = [
    _compute_register,
    _verify_register,
    _new_seed_register,
    register_run,  # `cita draw run --date`, from cita.cli.draw_run (needs Django, imported in its handler)
]


def _compute(args: argparse.Namespace) -> int:
    """Compute the bundle in `args.directory` and print one summary line."""
    try:
        report = bundle_compute(args.directory)
    except LotteryError as exc:
        raise CommandError(str(exc), status=STATUS_REFUSED) from None
    print(f"computed {report.draw_id}: {_summary(report)}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Verify the bundle in `args.directory` and print `verified` with a short summary."""
    try:
        report = bundle_verify(args.directory)
    except VerifyError as exc:
        raise CommandError(f"NOT verified: {exc}", status=STATUS_MISMATCH) from None
    except LotteryError as exc:
        raise CommandError(str(exc), status=STATUS_REFUSED) from None
    signed = ""
    if args.chain_info or args.round:
        signed = _beacon_check(args)
    print(f"verified {report.draw_id}: {_summary(report)}{signed}")
    return 0


def _beacon_check(args: argparse.Namespace) -> str:
    """Check the manifest's beacon against the chain's signed round; the text to add to `verified`."""
    import json
    from pathlib import Path

    from cita.core.beacon_signature import round_check
    from cita.lottery import manifest_from_bytes

    if not (args.chain_info and args.round):
        raise CommandError("give both --chain-info and --round to check the beacon", status=STATUS_REFUSED)
    manifest = manifest_from_bytes((Path(args.directory) / "manifest.json").read_bytes())
    if manifest.beacon is None:
        raise CommandError("NOT verified: the manifest has no beacon to check", status=STATUS_MISMATCH)
    try:
        chain_info = json.loads(Path(args.chain_info).read_text())
        answer = json.loads(Path(args.round).read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the beacon files: {exc}", status=STATUS_REFUSED) from None
    problem = round_check(
        chain_info=chain_info, answer=answer, round_number=manifest.beacon.round, value=manifest.beacon.value
    )
    if problem:
        raise CommandError(f"NOT verified: {problem}", status=STATUS_MISMATCH)
    return f"; beacon round {manifest.beacon.round} signed by the chain"


def _new_seed(args: argparse.Namespace) -> int:
    """Print a fresh seed and its commitment, one per line."""
    server_seed, commitment = seed_new()
    print(f"server_seed {server_seed}")
    print(f"commitment {commitment}")
    return 0


def _summary(report: DrawReport) -> str:
    """Entries, selections and seats used per phase, on one line."""
    used = report.reserve_used + report.lottery_used
    return (
        f"{report.entries} entries, {report.selected} selected; seats used: "
        f"reserve {report.reserve_used}/{report.reserve_seats}, "
        f"lottery {report.lottery_used}/{report.seats - report.reserve_used}, "
        f"total {used}/{report.seats}; results_sha256 {report.results_sha256}"
    )
