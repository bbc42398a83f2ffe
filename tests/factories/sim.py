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
        value = copy.deepcopy(value)  # never share a caller's nested tables
        if value is None:
            target.pop(last, None)
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return mapping


def scenario_make(changes: dict[str, Any] | None = None) -> Scenario:
    """A checked scenario: SMALL with `changes`."""
    return scenario_from_mapping(scenario_mapping(changes))


# SMALL with every part around the draw: officers and a move, outcomes per nationality group, beds,
# flights, a caravan and shelters. Numbers are small enough to follow by hand.
PIPELINE: dict[str, Any] = {
    "ports.0.officers": 2,
    "ports.0.city": "Alpha",
    "ports.1.city": "Beta",
    "staffing": {
        "persons_per_shift": 10,
        "changes": [{"port": "AAA", "from": 20, "officers": 1}],
        "moves": [
            {"officers": 1, "from_port": "AAA", "to_port": "BBB", "from": 12, "days": 3, "announced": 10}
        ],
    },
    "outcomes": {
        "groups": [
            {"name": "north", "share": 2, "released": 0.5, "detained": 0.3, "removed": 0.2},
            {"name": "south", "share": 1, "released": 0.8, "detained": 0.2, "removed": 0.0},
        ]
    },
    "detention": {"beds": 40, "stay_days": {"3": 1, "10": 1}, "when_full": "release"},
    "removals": {"flights_per_week": 2, "seats_per_flight": 12},
    "caravans": [
        {
            "name": "spring",
            "people": 120,
            "leaves": 5,
            "travel_days": 4,
            "spread_days": 6,
            "never_arrive": 0.25,
            "popularity": {"BBB": 1},
            "nationality": "south",
        }
    ],
    "shelters": [{"city": "Alpha", "capacity": 150}, {"city": "Beta", "capacity": 60}],
}


def pipeline_make(changes: dict[str, Any] | None = None) -> Scenario:
    """SMALL with every part of PIPELINE, then `changes`."""
    return scenario_make({**PIPELINE, **(changes or {})})
