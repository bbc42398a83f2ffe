"""Calibration: a scenario's rates replaced by what the system measured lately (`cita simulate --from-db`).

The simulator never reads the database: `cita.transparency.selectors.recent_rates` sums the last 30 days
(counts only, no person), the command turns the sums into a `Calibration`, and `scenario_calibrate`
writes its rates into the scenario's fields before any `--set`. What was replaced is said in words.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cita.sim.staffing import spread


@dataclass(frozen=True, slots=True)
class Calibration:
    """Rates measured over the days from `first` to `last`; None where nothing was measured."""

    first: dt.date
    last: dt.date
    confirm_rate: float | None = None
    no_show_rate: float | None = None
    outcomes: tuple[float, float, float] | None = None  # shares released, detained, removed
    arrivals_per_day: float | None = None
    seats: dict[str, int] = field(default_factory=dict)  # port → seats a day


def scenario_calibrate(
    mapping: Mapping[str, Any], calibration: Calibration
) -> tuple[dict[str, Any], list[str]]:
    """The scenario's fields with the measured rates, and one line per change (or per rate left alone)."""
    result: dict[str, Any] = copy.deepcopy(dict(mapping))
    notes: list[str] = []
    for key, value, default in (
        ("confirm_rate", calibration.confirm_rate, 0.85),
        ("no_show_rate", calibration.no_show_rate, 0.05),
    ):
        if value is None:
            notes.append(f"{key}: nothing measured, kept {result.get(key, default)}")
            continue
        notes.append(f"{key}: {result.get(key, default)} -> {round(value, 4)}")
        result[key] = round(value, 4)
    if calibration.outcomes is None:
        notes.append("outcomes: no outcome recorded, kept")
    else:
        released, detained, _ = (round(share, 4) for share in calibration.outcomes)
        removed = round(1.0 - released - detained, 4)
        replaced = "replacing the nationality groups" if "groups" in result.get("outcomes", {}) else "overall"
        result["outcomes"] = {"released": released, "detained": detained, "removed": removed}
        notes.append(f"outcomes ({replaced}): released {released}, detained {detained}, removed {removed}")
    arrivals = result.setdefault("arrivals", {})
    if calibration.arrivals_per_day is None:
        notes.append(f"arrivals.per_day: nothing measured, kept {arrivals.get('per_day')}")
    else:
        notes.append(
            f"arrivals.per_day: {arrivals.get('per_day')} -> {round(calibration.arrivals_per_day, 1)}"
        )
        arrivals["per_day"] = round(calibration.arrivals_per_day, 1)
    changed = []
    listed = set()
    for port in result.get("ports", []):
        if not isinstance(port, dict) or port.get("code") not in calibration.seats:
            continue
        code = port["code"]
        listed.add(code)
        seats = calibration.seats[code]
        if isinstance(port.get("slots"), dict):
            names = list(port["slots"])
            before = sum(port["slots"].values())
            port["slots"] = dict(zip(names, spread(seats, list(port["slots"].values())), strict=True))
        else:
            before = port.get("seats")
            port["seats"] = seats
        changed.append(f"{code} {before} -> {seats}")
    notes.append(f"seats a day: {', '.join(changed)}" if changed else "seats a day: no port measured, kept")
    missing = sorted(set(calibration.seats) - listed)
    if missing:
        notes.append(f"ports in the database but not in the scenario (left out): {', '.join(missing)}")
    return result, notes
