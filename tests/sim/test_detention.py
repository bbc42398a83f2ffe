"""Outcomes, detention beds and removal flights, on one port with 4 seats a day and single travellers who
always ask, confirm and come: 4 persons are seen every day from day 4 (the horizon) on, so every figure
below follows by hand."""

from __future__ import annotations

from typing import Any

import pytest

from cita.sim import InvariantBroken, Simulation, scenario_from_mapping, simulate, summary_compute


def steady(**changes: Any):
    """4 persons seen a day from day 4, by appointments drawn 4 days ahead."""
    mapping: dict[str, Any] = {
        "days": 16,
        "horizon_days": 4,
        "reserve_percent": 0,
        "ask_rate": 1.0,
        "confirm_rate": 1.0,
        "no_show_rate": 0.0,
        "leave_rate": 0.0,
        "ports": [{"code": "AAA", "slots": {"08:00": 4}}],
        "arrivals": {"per_day": 20, "group_sizes": {"1": 1}},
        "initial_backlog": {"groups": 50},
    }
    mapping.update(changes)
    return scenario_from_mapping(mapping)


def test_beds_fill_for_a_stay_and_empty_after_it():
    # Each day's 4 detained persons stay 3 days: 4, 8, 12 held, then each day 4 leave as 4 come.
    days = simulate(steady(outcomes={"detained": 1.0}, detention={"stay_days": {"3": 1}}), check=True).days
    assert [d.detained_persons for d in days] == [0] * 4 + [4] * 12
    assert [d.beds_occupied for d in days] == [0, 0, 0, 0, 4, 8] + [12] * 10
    assert [d.beds_freed for d in days] == [0] * 7 + [4] * 9
    assert all(d.beds_overflow == 0 and d.notice_to_appear_persons == 0 for d in days)


def test_with_the_beds_full_those_without_a_bed_are_released_with_a_notice_to_appear():
    # 8 beds, stays of 3 days: days 4 and 5 fill them, day 6's people find none, day 7 frees day 4's beds
    # for day 7's people, day 8 frees day 5's, and day 9 frees none (nobody came in on day 6).
    outcome = simulate(
        steady(outcomes={"detained": 1.0}, detention={"beds": 8, "stay_days": {"3": 1}}), check=True
    )
    days = outcome.days
    assert [d.notice_to_appear_persons for d in days] == [0] * 6 + [4, 0, 0] * 3 + [4]
    assert max(d.beds_occupied for d in days) == 8
    summary = summary_compute(outcome)
    assert summary.beds is not None
    assert summary.beds.notice_to_appear == 16
    assert summary.beds.peak == 8


def test_back_pressure_withholds_the_seats_the_beds_cannot_take():
    # 10 beds, stays of 5 days. The draw of day 2 (for day 6) expects 8 persons from days 4 and 5 already
    # booked: 2 seats of 4. Day 3's draw (for day 7) expects 10: none. Day 4's (for day 8): day 4's 4 persons
    # stay past day 8, and days 5 and 6 bring 6 more: none. Day 5's (for day 9): day 4's people leave on
    # day 9, so 10 - 4 (day 5's) - 2 (day 6) = 4 seats. And so on, every 5 days.
    outcome = simulate(
        steady(
            outcomes={"detained": 1.0},
            detention={"beds": 10, "stay_days": {"5": 1}, "when_full": "back_pressure"},
        ),
        check=True,
    )
    days = outcome.days[4:]
    assert [d.back_pressure_seats for d in days] == [0, 0, 2, 4, 4, 0, 0, 2, 4, 4, 0, 0]
    assert [d.booked_persons for d in days] == [4, 4, 2, 0, 0, 4, 4, 2, 0, 0, 4, 4]
    assert all(d.booked_persons + d.unused_seats + d.back_pressure_seats == 4 for d in days)
    assert max(d.beds_occupied for d in days) == 10
    assert all(d.beds_overflow == 0 for d in days)
    assert summary_compute(outcome).seats_back_pressure == 20


def test_a_flight_removes_exactly_its_seats_first_come_first_served():
    # One flight a week (days 0, 7, 14) of 10 seats. By day 7, 12 persons wait (4 from each of days 4, 5,
    # 6); the flight takes 10: days 4 and 5's people and 2 of day 6's.
    outcome = simulate(
        steady(outcomes={"removed": 1.0}, removals={"flights_per_week": 1, "seats_per_flight": 10}),
        check=True,
    )
    days = outcome.days
    assert [d.flight_seats for d in days] == [10 if d.day % 7 == 0 else 0 for d in days]
    assert [d.flown_persons for d in days] == [10 if d.day in (7, 14) else 0 for d in days]
    assert [d.beds_awaiting_removal for d in days[4:9]] == [4, 8, 12, 6, 10]
    # Waits for the flight of day 7: 3 days (day 4's), 2 (day 5's), 1 (2 of day 6's); of day 14: 8, 7, 6.
    assert outcome.removal_waits == {1: 2, 2: 4, 3: 4, 6: 4, 7: 4, 8: 2}
    assert outcome.removal_waiting == 16 * 4 - 4 * 4 - 20
    summary = summary_compute(outcome)
    assert summary.removals is not None
    assert summary.removals.flown == 20


def test_flights_spread_over_the_week():
    from cita.sim.pipeline import Removals

    assert [Removals(flights_per_week=3, seats_per_flight=1).flights_on(d) for d in range(14)] == [
        1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0
    ]  # fmt: skip
    assert [Removals(flights_per_week=9, seats_per_flight=1).flights_on(d) for d in range(7)] == [
        2, 1, 1, 2, 1, 1, 1
    ]  # fmt: skip


def test_outcome_shares_apply_per_nationality_group():
    # Two groups of equal share: "a" always released, "b" always to be removed (and removed the same day:
    # no flights modelled). Everyone seen is one or the other, in about equal numbers.
    outcome = simulate(
        steady(
            days=60,
            outcomes={
                "groups": [
                    {"name": "a", "released": 1.0},
                    {"name": "b", "removed": 1.0},
                ]
            },
        ),
        check=True,
    )
    released = sum(d.released_persons for d in outcome.days)
    removed = sum(d.removal_persons for d in outcome.days)
    assert released + removed == sum(d.attended_persons for d in outcome.days) == 56 * 4
    assert 0.35 < released / (released + removed) < 0.65
    assert all(d.beds_occupied == 0 for d in outcome.days)


def test_the_bookkeeping_check_catches_beds_that_do_not_add_up():
    simulation = Simulation(steady(outcomes={"detained": 1.0}, detention={"stay_days": {"3": 1}}), check=True)
    for _ in range(6):
        simulation.step()
    simulation.beds.detained += 1  # a person in a bed whose stay never ends
    with pytest.raises(InvariantBroken, match="persons detained"):
        simulation.invariants_check()
