"""cita.sim: the capacity simulator for planners (docs/simulator.md).

A day-step simulation of the daily cycle: groups arrive, ask, are drawn, confirm or let offers lapse,
come or miss their appointment, or give up; ports close. Every draw and second chance is computed by
`cita.lottery`, from entries.csv bytes and a manifest, exactly as the application computes them.

Pure Python with numpy and matplotlib: it imports nothing from Django nor from another cita package but
`cita.lottery`, so it runs anywhere `cita simulate` does. Charts (`cita.sim.charts`) load matplotlib only
when asked for.

    scenario = scenario_load("scenario.toml", overrides=["reserve_percent=20"])
    outcome = simulate(scenario)
    print(summary_text(summary_compute(outcome)))
"""

from cita.sim.calibrate import Calibration, scenario_calibrate
from cita.sim.engine import METRIC_FIELDS, DayMetrics, DrawRecord, Observer, Outcome, Simulation, simulate
from cita.sim.errors import InvariantBroken, ScenarioError, SimError, SimulationTooLarge
from cita.sim.output import bundle_writer, comparison_write, outcome_write
from cita.sim.report import (
    Difference,
    Stats,
    Summary,
    compare,
    comparison_json,
    comparison_rows,
    comparison_text,
    summary_compute,
    summary_facts,
    summary_text,
)
from cita.sim.scenario import (
    Arrivals,
    Closure,
    Port,
    Scenario,
    Slot,
    scenario_from_mapping,
    scenario_load,
    scenario_override,
)

__all__ = [
    "METRIC_FIELDS",
    "Arrivals",
    "Calibration",
    "Closure",
    "DayMetrics",
    "Difference",
    "DrawRecord",
    "InvariantBroken",
    "Observer",
    "Outcome",
    "Port",
    "Scenario",
    "ScenarioError",
    "SimError",
    "Simulation",
    "SimulationTooLarge",
    "Slot",
    "Stats",
    "Summary",
    "bundle_writer",
    "compare",
    "comparison_json",
    "comparison_rows",
    "comparison_text",
    "comparison_write",
    "outcome_write",
    "scenario_calibrate",
    "scenario_from_mapping",
    "scenario_load",
    "scenario_override",
    "simulate",
    "summary_compute",
    "summary_facts",
    "summary_text",
]
