"""Caravans: a pulse of people leaving on one day, arriving as groups over a spread of days, some never."""

from __future__ import annotations

from typing import Any

from cita.sim import Simulation, scenario_from_mapping, simulate, summary_compute


def with_caravans(*caravans: dict[str, Any], **changes: Any):
    """Two ports, no other arrivals, so that every group arriving comes with a caravan."""
    mapping: dict[str, Any] = {
        "days": 30,
        "horizon_days": 4,
        "ports": [
            {"code": "AAA", "seats": 20, "slot_count": 2},
            {"code": "BBB", "seats": 20, "slot_count": 2},
        ],
        "arrivals": {"per_day": 0},
        "caravans": list(caravans),
    }
    mapping.update(changes)
    return scenario_from_mapping(mapping)


def test_a_caravans_people_arrive_in_groups_over_its_spread_of_days_and_add_up():
    # 100 persons in groups of 2, leaving on day 3, the first arriving 5 days later, over 4 days: 50 groups
    # on days 8 to 11.
    outcome = simulate(
        with_caravans(
            {
                "name": "north",
                "people": 100,
                "leaves": 3,
                "travel_days": 5,
                "spread_days": 4,
                "group_sizes": {"2": 1},
            }
        ),
        check=True,
    )
    days = outcome.days
    assert {d.day for d in days if d.caravan_groups} == {8, 9, 10, 11}
    assert sum(d.caravan_groups for d in days) == 50
    assert sum(d.caravan_persons for d in days) == 100
    assert [d.arrivals for d in days] == [d.caravan_groups for d in days]
    (caravan,) = summary_compute(outcome).caravans
    assert (caravan.people, caravan.groups, caravan.arriving_persons, caravan.arrived_persons) == (
        100,
        50,
        100,
        100,
    )


def test_the_last_group_of_a_caravan_is_whoever_is_left():
    simulation = Simulation(
        with_caravans({"people": 100, "leaves": 0, "travel_days": 1, "group_sizes": {"3": 1}}), check=True
    )
    simulation.run()
    assert sorted(simulation.size[: simulation.count].tolist()) == [1] + [3] * 33


def test_a_share_of_the_groups_never_arrives_and_several_caravans_add_up():
    outcome = simulate(
        with_caravans(
            {
                "name": "dispersing",
                "people": 400,
                "leaves": 0,
                "travel_days": 2,
                "spread_days": 10,
                "never_arrive": 0.5,
            },
            {"name": "gone", "people": 300, "leaves": 1, "never_arrive": 1.0},
            {"name": "late", "people": 50, "leaves": 25, "travel_days": 10},
        ),
        check=True,
    )
    dispersing, gone, late = summary_compute(outcome).caravans
    assert 100 < dispersing.arriving_persons < 300  # about half; this seed's is fixed
    assert dispersing.arrived_persons == dispersing.arriving_persons
    assert (gone.arriving_persons, gone.arrived_persons) == (0, 0)
    assert (late.arriving_persons, late.arrived_persons) == (50, 0)  # they arrive after the run
    assert sum(d.caravan_persons for d in outcome.days) == dispersing.arriving_persons
    assert outcome.days[-1].arrived_total == dispersing.arrived_groups


def test_a_caravans_groups_rank_the_ports_it_heads_for():
    simulation = Simulation(
        with_caravans(
            {"people": 200, "leaves": 0, "travel_days": 1, "spread_days": 3, "popularity": {"BBB": 1}},
            arrivals={"per_day": 0, "ports_ranked": {"1": 1, "2": 1}},
        )
    )
    simulation.run()
    rankings = {simulation.rankings[r] for r in simulation.ranking[: simulation.count].tolist()}
    assert rankings == {("BBB",)}
