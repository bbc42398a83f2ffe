"""The `cita` command.

One module per command group; each exposes `register(subparsers)` and keeps heavy imports (Django above
all) inside its handlers, so that `cita draw …` starts fast and works with no database and no settings.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from cita.cli.base import CommandError
from cita.core import clock

# Order is the order `cita --help` lists them in.
GROUPS = (
    "cita.cli.demo",
    "cita.cli.demo_sms",
    "cita.cli.serve",
    "cita.cli.worker",
    "cita.cli.manage",
    "cita.cli.audit",
    "cita.cli.backup",
    "cita.cli.draw",
    "cita.cli.passes",
    "cita.cli.simulate",
    "cita.cli.rebooking",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command group."""
    parser = argparse.ArgumentParser(prog="cita", description="cita: fair, verifiable appointment scheduling")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in GROUPS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cita` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if clock.install_from_environment(os.environ):
        print(
            f"cita: the clock starts at {clock.now():%Y-%m-%d %H:%M:%S} UTC (CITA_TEST_CLOCK: tests only)",
            file=sys.stderr,
        )
    try:
        status: int = args.func(args)
    except CommandError as exc:
        print(f"cita: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
