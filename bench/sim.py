"""`cita simulate` at realistic scale, against a floor measured in the same run: cita.lottery alone.

The scenario is docs/simulator/realistic.toml: 90 days, 1,450 seats a day over 8 ports, 2,000 new groups
a day, 30,000 already waiting, 3 % giving up each day (the backlog stays at 30–46 thousand groups), every
second chance a draw allows. The simulator must call `cita.lottery` for every round, so the floor is
exactly that: reading each round's entries.csv bytes and allocating them (`entries_from_bytes` and
`draw_allocate`), timed on the very inputs of the run, in the same process, right after the simulator
computed them (which, if anything, favours the floor: its input is warm in the caches). Goal: the whole
simulation ≤ 1.5 × the floor, i.e. the simulator's own bookkeeping adds at most half of what the draws
cost. Charts (matplotlib) are timed apart.
"""

from __future__ import annotations

from pathlib import Path
from time import perf_counter

from cita.lottery import draw_allocate, entries_from_bytes
from cita.sim import DrawRecord, scenario_load, simulate, summary_compute
from cita.sim.charts import charts_make

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "docs" / "simulator" / "realistic.toml"
RUNS = 2
RATIO_GOAL = 1.5


class Floor:
    """An observer that recomputes each round with cita.lottery alone and adds up the time it takes."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.rounds = 0
        self.entries = 0

    def __call__(self, record: DrawRecord) -> None:
        ports = {slot.port for slot in record.manifest.capacity}
        started = perf_counter()
        entries = entries_from_bytes(record.entries, ports=ports)
        allocation = draw_allocate(manifest=record.manifest, entries=entries)
        self.seconds += perf_counter() - started
        if allocation.results != record.allocation.results:
            raise SystemExit(f"round {record.manifest.draw_id}: the recomputed results differ")
        self.rounds += 1
        self.entries += len(entries)


def main() -> int:
    """Run the realistic scenario RUNS times; print the figures; non-zero if the goal is missed."""
    scenario = scenario_load(SCENARIO)
    sims: list[float] = []
    floors: list[float] = []
    for _ in range(RUNS):
        floor = Floor()
        outcome = simulate(scenario, observer=floor)  # its `seconds` leave out the observer's time
        sims.append(outcome.seconds)
        floors.append(floor.seconds)
    summary = summary_compute(outcome)
    started = perf_counter()
    charts = charts_make(outcome)
    for chart in charts:
        chart.png()
    chart_seconds = perf_counter() - started
    print(
        f"scenario {scenario.name}: {scenario.days} days, {scenario.seats_per_day:,} seats a day over "
        f"{len(scenario.ports)} ports; backlog {summary.backlog_start:,} → peak {summary.backlog_peak:,}; "
        f"{floor.rounds} rounds, {floor.entries:,} entries"
    )
    print(
        f"wait (days to booking): median {summary.wait.p50}, 90th {summary.wait.p90}, 99th {summary.wait.p99}"
    )
    best_sim, best_floor = min(sims), min(floors)
    ratio = best_sim / best_floor
    print(f"floor (cita.lottery on the same rounds): best {best_floor:.2f} s of {_times(floors)}")
    print(f"simulation (everything but charts):      best {best_sim:.2f} s of {_times(sims)}")
    print(f"charts (3 SVG + 3 PNG):                  {chart_seconds:.2f} s")
    print(f"ratio simulation/floor: {ratio:.2f} (goal ≤ {RATIO_GOAL})")
    met = ratio <= RATIO_GOAL
    print("goal met" if met else "GOAL MISSED")
    return 0 if met else 1


def _times(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    raise SystemExit(main())
