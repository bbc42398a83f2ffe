"""`cita simulate SCENARIO`: the capacity simulator (docs/simulator.md), with no database and no Django;
with `--from-db`, the scenario's rates are first replaced by the last 30 days' aggregates of the database.

Exit status: 0 done; 2 the scenario or the command line is refused (one line saying which field and what
was expected), or the output cannot be written.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from cita.cli.base import CommandError

if TYPE_CHECKING:
    from cita.sim.calibrate import Calibration

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(subparsers: Subparsers) -> None:
    """Add the `simulate` command."""
    parser = subparsers.add_parser(
        "simulate",
        help="simulate capacity, backlog and waiting times for a scenario (docs/simulator.md)",
        description="Simulate the daily cycle day by day for a scenario file (.toml or .json): arrivals, "
        "requests, draws and second chances computed by cita.lottery, offers, appointments, closures. "
        "Prints a summary; with --out, writes daily metrics (CSV), the summary (text, JSON) and charts "
        "(SVG, PNG). With --compare or --compare-set, runs a second scenario and reports the difference.",
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file, .toml or .json")
    parser.add_argument("--days", type=int, help="days to simulate (overrides the scenario's days)")
    parser.add_argument("--seed", type=int, help="random seed (overrides the scenario's seed)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change one field, e.g. --set reserve_percent=20 --set arrivals.per_day=3000 (repeatable)",
    )
    parser.add_argument("--compare", metavar="SCENARIO2", help="a second scenario to run and compare with")
    parser.add_argument(
        "--compare-set",
        dest="compare_overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="compare with SCENARIO (or SCENARIO2) changed this way, e.g. --compare-set reserve_percent=20",
    )
    parser.add_argument("--out", metavar="DIR", type=Path, help="write metrics, summaries and charts here")
    parser.add_argument("--no-plots", action="store_true", help="write no charts (faster)")
    parser.add_argument(
        "--bundles",
        action="store_true",
        help="also write every round as a draw-v1 bundle under DIR/bundles (`cita draw verify` checks one); "
        "every round is then computed by cita.lottery (draws = lottery)",
    )
    parser.add_argument(
        "--check", action="store_true", help="check the simulator's own bookkeeping after every day (slower)"
    )
    parser.add_argument(
        "--from-db",
        action="store_true",
        help="replace the scenario's rates with the last 30 days' aggregates of the database: confirm and "
        "no-show rates, outcome shares, new groups a day, seats per port (--set still applies after)",
    )
    parser.set_defaults(func=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    """Run one scenario, or two and their comparison; print the summaries; write files with --out."""
    from cita.sim import (
        SimError,
        bundle_writer,
        comparison_text,
        comparison_write,
        outcome_write,
        scenario_calibrate,
        scenario_load,
        simulate,
        summary_compute,
        summary_text,
    )

    if args.bundles and args.out is None:
        raise CommandError("--bundles needs --out DIR")
    common = [
        f"{key}={value}" for key, value in (("days", args.days), ("seed", args.seed)) if value is not None
    ]
    if args.bundles:
        common.append("draws=lottery")  # a bundle holds real draw keys: every round by cita.lottery
    comparing = args.compare is not None or bool(args.compare_overrides)
    change = None
    if args.from_db:
        calibration = _calibration()
        notes: list[str] = []

        def change(mapping: dict[str, Any]) -> dict[str, Any]:
            calibrated, said = scenario_calibrate(mapping, calibration)
            if not notes:
                notes.extend(said)
            return calibrated

    try:
        scenario_a = scenario_load(args.scenario, overrides=[*args.overrides, *common], change=change)
        scenario_b = None
        if comparing:
            # B: the second file, or the first with the same --set changes, then --compare-set on top.
            base = args.compare or args.scenario
            changes = [] if args.compare else list(args.overrides)
            scenario_b = scenario_load(
                base, overrides=[*changes, *args.compare_overrides, *common], change=change
            )
            if args.compare_overrides and not any(o.startswith("name=") for o in args.compare_overrides):
                # Tell the runs apart in the comparison: "realistic (reserve_percent=20)".
                scenario_b = replace(
                    scenario_b, name=f"{scenario_b.name} ({', '.join(args.compare_overrides)})"
                )
        out: Path | None = args.out
        bundles_a = bundles_b = None
        if args.bundles and out is not None:
            bundles_a = bundle_writer((out / "a" if comparing else out) / "bundles")
            bundles_b = bundle_writer(out / "b" / "bundles") if comparing else None
        if args.from_db:
            print(f"calibrated from the database, {calibration.first} to {calibration.last}:")
            print("".join(f"  {note}\n" for note in notes), end="")
        outcome_a = simulate(scenario_a, observer=bundles_a, check=args.check)
        summary_a = summary_compute(outcome_a)
        if scenario_b is None:
            print(summary_text(summary_a), end="")
            if out is not None:
                written = outcome_write(outcome_a, summary_a, out, plots=not args.no_plots)
                print(f"wrote {len(written)} files to {out}")
            return 0
        outcome_b = simulate(scenario_b, observer=bundles_b, check=args.check)
        summary_b = summary_compute(outcome_b)
        print("A:", summary_text(summary_a), sep=" ", end="\n")
        print("B:", summary_text(summary_b), sep=" ", end="\n")
        print(comparison_text(summary_a, summary_b), end="")
        if out is not None:
            written = comparison_write(
                outcome_a, outcome_b, summary_a, summary_b, out, plots=not args.no_plots
            )
            print(f"wrote {len(written)} files to {out}")
    except SimError as exc:
        raise CommandError(str(exc)) from None
    return 0


def _calibration() -> Calibration:
    """The last 30 days' aggregates of the database, as the simulator's rates (needs Django)."""
    from cita.cli.django_setup import setup

    setup()
    from cita.sim.calibrate import Calibration
    from cita.transparency.selectors import recent_rates

    rates = recent_rates()
    seen = rates.seen
    return Calibration(
        first=rates.first,
        last=rates.last,
        confirm_rate=rates.confirm_rate,
        no_show_rate=rates.no_show_rate,
        outcomes=(rates.released / seen, rates.detained / seen, rates.removed / seen) if seen else None,
        arrivals_per_day=rates.new_groups / rates.days if rates.new_groups else None,
        seats={code: round(total / rates.days) for code, total in rates.seats.items()},
    )
