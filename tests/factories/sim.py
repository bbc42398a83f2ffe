"""Scenarios for the simulator's tests: small enough to run in a fraction of a second."""

from __future__ import annotations

import copy
from typing import Any

from cita.sim import Scenario, scenario_from_mapping

# Two ports, three slots, 35 seats a day; more groups than seats, so that draws have losers.
SMALL: dict[str, Any] = {
    "name": "small",
    "start": "2026-12-01",
    "days": 30,
    "seed": 7,
    "horizon_days": 4,
    "reserve_percent": 20,
    "ask_rate": 0.7,
    "confirm_rate": 0.8,
    "no_show_rate": 0.1,
    "leave_rate": 0.02,
    "ports": [
        {"code": "AAA", "slots": {"08:00": 10, "09:00": 10}, "popularity": 2},
        {"code": "BBB", "seats": 15, "slot_count": 1},
    ],
    "arrivals": {
        "per_day": 18,
        "urgent_share": 0.05,
        "group_sizes": {"1": 4, "2": 3, "3": 2, "4": 1},
        "ports_ranked": {"1": 2, "2": 1},
    },
    "initial_backlog": {"groups": 60, "max_age_days": 20},
}


def scenario_mapping(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """SMALL with `changes` applied; keys are dotted paths (`arrivals.per_day`), a value None removes."""
    mapping = copy.deepcopy(SMALL)
    for key, value in (changes or {}).items():
        *path, last = key.split(".")
        target = mapping
        for part in path:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        if value is None:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return mapping


def scenario_make(changes: dict[str, Any] | None = None) -> Scenario:
    """A checked scenario: SMALL with `changes`."""
    return scenario_from_mapping(scenario_mapping(changes))
