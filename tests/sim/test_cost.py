"""The size estimate the planner page relies on stays within a factor of two of the entries a run reads."""

from __future__ import annotations

import pytest

from cita.sim import simulate
from cita.sim.cost import scenario_cost
from tests.factories.sim import scenario_make


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"days": 60, "leave_rate": 0.0},
        {"ask_rate": 0.3, "confirm_rate": 0.5},
        {"arrivals.per_day": 5, "initial_backlog.groups": 10},
        {"arrivals.per_day": 60, "initial_backlog.groups": 400, "leave_rate": 0.05},
        {"max_rounds": 1},
        {
            "arrivals.per_day": 4,
            "caravans": [
                {"people": 900, "leaves": 3, "travel_days": 4, "spread_days": 6, "never_arrive": 0.3}
            ],
        },
    ],
)
def test_the_estimate_is_within_a_factor_of_two_of_the_entries_read(changes):
    scenario = scenario_make(changes)
    estimate = scenario_cost(scenario)
    actual = simulate(scenario).entries
    assert actual / 2 <= estimate <= actual * 2, (estimate, actual)


def test_the_estimate_grows_with_days_and_arrivals():
    base = scenario_cost(scenario_make())
    assert scenario_cost(scenario_make({"days": 60})) > base
    assert scenario_cost(scenario_make({"arrivals.per_day": 40})) > base
    assert scenario_cost(scenario_make({"caravans": [{"people": 500, "leaves": 2}]})) > base
