"""Shelters: waiting groups stay in the city of their first-ranked port, in its shelters while there is
room, outside otherwise, until their appointment day."""

from __future__ import annotations

from typing import Any

import pytest

from cita.sim import InvariantBroken, Simulation, scenario_from_mapping, simulate, summary_compute


def border(**changes: Any):
    """Tijuana's port serves 10 single travellers a day from day 6; 30 arrive on day 2, 40 on day 5."""
    mapping: dict[str, Any] = {
        "days": 12,
        "horizon_days": 4,
        "reserve_percent": 0,
        "ask_rate": 1.0,
        "confirm_rate": 1.0,
        "no_show_rate": 0.0,
        "ports": [{"code": "SYS", "slots": {"08:00": 10}, "city": "Tijuana"}],
        "arrivals": {"per_day": 0, "group_sizes": {"1": 1}},
        "caravans": [
            {"people": 30, "leaves": 0, "travel_days": 2},
            {"people": 40, "leaves": 0, "travel_days": 5},
        ],
        "shelters": [{"city": "Tijuana", "capacity": 50}],
    }
    mapping.update(changes)
    return scenario_from_mapping(mapping)


def test_a_shelter_overflows_on_the_day_more_people_wait_than_it_has_places():
    # 30 from day 2, 70 on day 5; from day 6 each day's 10 appointments leave the city: 60, 50, 40, …
    outcome = simulate(border(), check=True)
    assert [d.city_persons for d in outcome.days] == [0, 0, 30, 30, 30, 70, 60, 50, 40, 30, 20, 10]
    assert [d.outside_persons for d in outcome.days] == [0] * 5 + [20, 10] + [0] * 5
    assert [d.sheltered_persons for d in outcome.days] == [0, 0, 30, 30, 30, 50, 50, 50, 40, 30, 20, 10]
    (city,) = summary_compute(outcome).cities
    assert (city.first_over, city.days_over, city.outside_peak, city.peak) == ("2026-12-06", 2, 20, 70)


def test_groups_wait_in_the_city_of_their_first_ranked_port_and_a_city_without_shelter_has_no_places():
    scenario = border(
        ports=[
            {"code": "SYS", "slots": {"08:00": 10}, "city": "Tijuana"},
            {"code": "ELP", "slots": {"08:00": 10}, "city": "Ciudad Juárez"},
        ],
        caravans=[{"people": 30, "leaves": 0, "travel_days": 2, "popularity": {"ELP": 1}}],
    )
    outcome = simulate(scenario, check=True)
    assert outcome.cities == ["Tijuana", "Ciudad Juárez"]
    assert outcome.city_capacity == [50, 0]
    assert outcome.city_persons[2] == [0, 30]
    assert outcome.days[2].outside_persons == 30


def test_the_bookkeeping_check_catches_people_counted_in_the_wrong_city():
    simulation = Simulation(border(), check=True)
    for _ in range(4):
        simulation.step()
    simulation.shelters.persons[0] += 1
    with pytest.raises(InvariantBroken, match="persons per city"):
        simulation.invariants_check()
