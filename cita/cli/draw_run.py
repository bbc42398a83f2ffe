"""`cita draw run --date YYYY-MM-DD`: run by hand whatever steps of that day's draw are due.

Kept apart from `cita.cli.draw` because it needs the database: Django is imported inside the handler only,
so `cita draw compute/verify/new-seed` still start without it.
"""

from __future__ import annotations

import argparse
import datetime as dt

from cita.cli.base import CommandError


def register_run(commands: argparse._SubParsersAction) -> None:
    """`cita draw run --date YYYY-MM-DD`."""
    parser = commands.add_parser(
        "run",
        help="run the due steps of the draw opened on a day (open, freeze, reveal, compute, notices)",
        description="Run whatever steps of the draw opened on DATE (its id) are due now: open its window, "
        "freeze and compute it once the window closed (waiting for the beacon if there is one), its "
        "second chances, and the result notices. Safe to run again: done steps are not repeated.",
    )
    parser.add_argument(
        "--date", required=True, metavar="YYYY-MM-DD", help="the draw's id: the day its window opened"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    """Run the due steps and print one line per draw (round)."""
    try:
        day = dt.date.fromisoformat(args.date)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, not {args.date!r}") from None
    from cita.cli.django_setup import setup

    setup()
    from cita.core.actors import system
    from cita.core.errors import CitaError
    from cita.draws.services import draw_run

    try:
        lines = draw_run(day=day, actor=system("cita draw run"))
    except CitaError as exc:
        raise CommandError(exc.message) from None
    for line in lines:
        print(line)
    return 0
