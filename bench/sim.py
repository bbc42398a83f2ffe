"""`cita simulate` at scale, each part against a floor measured in the same run.

1. **A year** (the goal of issue 17): docs/simulator/realistic.toml for 365 days with 300,000 groups
   waiting on day 0 (2,000 new a day, 3 % giving up each day, 1,450 seats a day over 8 ports), fast draws.
   Goal: the simulation (everything but charts) in ≤ 30 s. Its floor is what any day-step simulation of
   this model must do with numpy, on the very sizes of the run: each day, one uniform number per waiting
   group for giving up and one for asking; each round, one random key per entry and the selection, by key,
   of as many entries as the round selected (`np.argpartition`). It is replayed right after each run, in
   the same process, from the counts the run recorded.
2. **Every round by cita.lottery** (`draws = "lottery"`), 90 days of realistic.toml: the floor is
   `entries_from_bytes` + `draw_allocate` recomputed on the very rounds the run drew (their bytes are warm
   in the caches, which if anything favours the floor), and the results must be identical. Goal: the
   simulation ≤ 1.5 × floor, i.e. the simulator's own bookkeeping adds at most half of what the draws cost.

Each part runs RUNS times; the best time of each is compared. Charts (matplotlib) are timed apart.
"""

from __future__ import annotations

from pathlib import Path
from time import perf_counter

import numpy as np

from cita.lottery import draw_allocate, entries_from_bytes
from cita.sim import DrawRecord, Simulation, scenario_load, summary_compute
from cita.sim.charts import charts_make

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "docs" / "simulator" / "realistic.toml"
YEAR = ["days=365", "initial_backlog.groups=300000", "draws=fast"]
LOTTERY = ["days=90", "draws=lottery"]
RUNS = 2
SECONDS_GOAL = 30.0
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


def numpy_floor(simulation: Simulation) -> float:
    """Seconds of the numpy work any day-step simulation of the run's sizes must do (module docstring)."""
    rng = np.random.default_rng(0)
    started = perf_counter()
    waiting = simulation.scenario.backlog.groups
    for day in simulation.metrics:
        rng.random(waiting)  # giving up
        rng.random(waiting - day.left + day.arrivals)  # asking
        waiting = day.waiting
    for entries, selected in simulation.rounds.trace:
        keys = rng.integers(0, 1 << 48, size=entries, dtype=np.int64)
        if 0 < selected < entries:
            np.argpartition(keys, selected - 1)
    return perf_counter() - started


def year() -> bool:
    """Part 1; True when the goal is met."""
    scenario = scenario_load(SCENARIO, overrides=YEAR)
    sims: list[float] = []
    floors: list[float] = []
    for _ in range(RUNS):
        simulation = Simulation(scenario)
        outcome = simulation.run()
        sims.append(outcome.seconds)
        floors.append(numpy_floor(simulation))
    summary = summary_compute(outcome)
    started = perf_counter()
    charts = charts_make(outcome)
    for chart in charts:
        chart.png()
    chart_seconds = perf_counter() - started
    best_sim, best_floor = min(sims), min(floors)
    print(
        f"year: {scenario.days} days, {scenario.seats_per_day:,} seats a day over {len(scenario.ports)} "
        "ports, "
        f"{scenario.arrivals.per_day:,.0f} new groups a day; backlog {summary.backlog_start:,} → "
        f"{summary.backlog_end:,} (peak {summary.backlog_peak:,}); {outcome.draws:,} rounds, "
        f"{outcome.entries:,} entries"
    )
    print(f"  floor (numpy: chances and keys of the same sizes): best {best_floor:.2f} s of {_times(floors)}")
    print(f"  simulation (everything but charts):               best {best_sim:.2f} s of {_times(sims)}")
    print(f"  charts ({len(charts)} SVG + PNG):                                   {chart_seconds:.2f} s")
    print(f"  ratio simulation/floor: {best_sim / best_floor:.2f}; goal: simulation ≤ {SECONDS_GOAL:.0f} s")
    return best_sim <= SECONDS_GOAL


def lottery() -> bool:
    """Part 2; True when the goal is met."""
    scenario = scenario_load(SCENARIO, overrides=LOTTERY)
    sims: list[float] = []
    floors: list[float] = []
    for _ in range(RUNS):
        floor = Floor()
        outcome = Simulation(scenario, observer=floor).run()  # its `seconds` leave out the observer's time
        sims.append(outcome.seconds)
        floors.append(floor.seconds)
    summary = summary_compute(outcome)
    best_sim, best_floor = min(sims), min(floors)
    ratio = best_sim / best_floor
    print(
        f"every round by cita.lottery: {scenario.days} days; backlog {summary.backlog_start:,} → peak "
        f"{summary.backlog_peak:,}; {floor.rounds:,} rounds, {floor.entries:,} entries"
    )
    print(f"  floor (cita.lottery on the same rounds): best {best_floor:.2f} s of {_times(floors)}")
    print(f"  simulation (everything but charts):      best {best_sim:.2f} s of {_times(sims)}")
    print(f"  ratio simulation/floor: {ratio:.2f} (goal ≤ {RATIO_GOAL})")
    return ratio <= RATIO_GOAL


def main() -> int:
    """Both parts; non-zero if a goal is missed."""
    met = year()
    met = lottery() and met
    print("goals met" if met else "GOAL MISSED")
    return 0 if met else 1


def _times(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    raise SystemExit(main())
