"""Calibration: the scenario's rates replaced by the last 30 days of the database (`--from-db`), as sums
read by a selector outside cita.sim; the planner's `--set` still has the last word."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cita.cli import main
from cita.sim import Calibration, scenario_calibrate, scenario_from_mapping
from tests.factories.sim import SMALL, scenario_mapping
from tests.factories.transparency import recent_history

NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_measured_rates_replace_the_scenarios_and_what_was_not_measured_is_kept():
    mapping = scenario_mapping(
        {"outcomes": {"groups": [{"name": "a", "released": 1.0}, {"name": "b", "detained": 1.0}]}}
    )
    calibration = Calibration(
        *NOVEMBER,
        confirm_rate=0.9,
        no_show_rate=None,
        outcomes=(0.6, 0.3, 0.1),
        arrivals_per_day=42.0,
        seats={"AAA": 30, "ZZZ": 7},
    )
    calibrated, notes = scenario_calibrate(mapping, calibration)
    scenario = scenario_from_mapping(calibrated)
    assert scenario.confirm_rate == 0.9
    assert scenario.no_show_rate == SMALL["no_show_rate"]
    assert [(g.name, g.released, g.detained, g.removed) for g in scenario.outcomes] == [
        ("all", 0.6, 0.3, 0.1)
    ]
    assert scenario.arrivals.per_day == 42
    # AAA's slots (10 + 10) scaled to 30; BBB not measured: its 15 seats kept.
    assert [(slot.name, slot.seats) for slot in scenario.ports[0].slots] == [("08:00", 15), ("09:00", 15)]
    assert scenario.ports[1].seats == 15
    assert notes == [
        "confirm_rate: 0.8 -> 0.9",
        "no_show_rate: nothing measured, kept 0.1",
        "outcomes (replacing the nationality groups): released 0.6, detained 0.3, removed 0.1",
        "arrivals.per_day: 18 -> 42.0",
        "seats a day: AAA 20 -> 30",
        "ports in the database but not in the scenario (left out): ZZZ",
    ]
    assert mapping == scenario_mapping(
        {"outcomes": {"groups": [{"name": "a", "released": 1.0}, {"name": "b", "detained": 1.0}]}}
    )  # the input is left as it was


@pytest.mark.django_db
def test_simulate_from_db_runs_the_scenario_with_the_last_30_days_of_the_database(
    frozen_clock, tmp_path: Path, capsys
):
    recent_history()
    scenario = tmp_path / "border.json"
    scenario.write_text(
        json.dumps(
            {
                "arrivals": {"per_day": 500},
                "ports": [
                    {"code": "SYS", "seats": 100},
                    {"code": "ELP", "slots": {"08:00": 30, "09:00": 10}},
                    {"code": "OTM", "seats": 20},
                ],
            }
        )
    )
    out = tmp_path / "out"
    assert main(["simulate", "--from-db", str(scenario), "--days", "5", "--no-plots", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(
        "calibrated from the database, 2026-11-01 to 2026-11-30:\n"
        "  confirm_rate: 0.85 -> 0.8667\n"
        "  no_show_rate: 0.05 -> 0.08\n"
        "  outcomes (overall): released 0.7333, detained 0.1667, removed 0.1\n"
        "  arrivals.per_day: 500 -> 0.1\n"
        "  seats a day: SYS 100 -> 10, ELP 40 -> 5\n"
        "Scenario: border (seed 1), 5 days"
    )
    ran = json.loads((out / "scenario.json").read_text())
    assert (ran["confirm_rate"], ran["no_show_rate"], ran["arrivals"]["per_day"]) == (0.8667, 0.08, 0.1)
    assert [p["slots"] for p in ran["ports"]] == [
        {f"{hour:02d}:00": seats for hour, seats in zip(range(8, 16), [2, 2, 1, 1, 1, 1, 1, 1], strict=True)},
        {"08:00": 4, "09:00": 1},
        {f"{hour:02d}:00": seats for hour, seats in zip(range(8, 16), [3, 3, 3, 3, 2, 2, 2, 2], strict=True)},
    ]
    assert ran["outcomes"]["groups"] == [
        {"name": "all", "share": 1.0, "released": 0.7333, "detained": 0.1667, "removed": 0.1}
    ]
    # A --set is applied after the calibration.
    again = tmp_path / "again"
    argv = [
        "simulate",
        "--from-db",
        str(scenario),
        "--days",
        "2",
        "--set",
        "confirm_rate=0.5",
        "--out",
        str(again),
    ]
    assert main([*argv, "--no-plots"]) == 0
    assert "confirm_rate: 0.85 -> 0.8667" in capsys.readouterr().out
    assert json.loads((again / "scenario.json").read_text())["confirm_rate"] == 0.5
