"""The summary and the comparison: figures that add up to the daily metrics, in plain words."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from cita.sim import Stats, compare, comparison_json, comparison_text, simulate, summary_compute, summary_text
from tests.factories.sim import pipeline_make, scenario_make


def test_percentiles_are_values_of_the_data_by_nearest_rank():
    stats = Stats.of(list(range(1, 101)))
    assert (stats.count, stats.mean, stats.p50, stats.p90, stats.p99, stats.max) == (
        100,
        50.5,
        50,
        90,
        99,
        100,
    )
    assert Stats.of([7]) == Stats(count=1, mean=7.0, p50=7, p90=7, p99=7, max=7)
    assert Stats.of([]) == Stats(count=0, mean=None, p50=None, p90=None, p99=None, max=None)


def test_the_summary_adds_up_the_days_of_the_run():
    outcome = simulate(scenario_make({"days": 40, "closures": [{"port": "BBB", "from": 20, "days": 2}]}))
    summary = summary_compute(outcome)
    days = outcome.days
    held = [d for d in days if d.appointments_drawn]
    assert summary.arrived == sum(d.arrivals for d in days)
    assert summary.final["waiting"] == days[-1].waiting == summary.backlog_end
    assert summary.backlog_peak == max(d.waiting for d in days)
    assert summary.appointment_days == len(held) == 40 - 4
    assert summary.seats_nominal == 35 * len(held)
    assert summary.seats_closed == 2 * 15
    assert summary.seats_booked == summary.seats_attended + summary.seats_no_show
    assert summary.seats_booked + summary.seats_unused == summary.seats_open
    assert (
        summary.wait.count
        == len(outcome.waits)
        == summary.final["booked"] + summary.final["attended"] + (summary.final["no_show"])
    )
    assert summary.confirmed >= summary.wait.count  # rebooking keeps a booking; displacement undoes one
    assert (
        summary.rounds
        == outcome.draws
        == 40
        + summary.second_chance_rounds
        - sum(1 for d in days if d.second_chance_rounds and not d.second_chance_entries)
    )
    assert json.loads(json.dumps(summary.to_json()))["wait"]["count"] == summary.wait.count


def test_the_text_summary_says_the_main_figures_in_words():
    summary = summary_compute(simulate(scenario_make()))
    text = summary_text(summary)
    assert text.startswith("Scenario: small (seed 7), 30 days from 2026-12-01 to 2026-12-30\n")
    assert "Capacity: 35 seats a day over 2 ports, reserve 20 %, appointments 4 days after the draw\n" in text
    assert (
        f"({summary.wait.count:,} groups): mean {summary.wait.mean:,.1f}, median {summary.wait.p50}" in text
    )
    assert "Backlog over the last 30 days: " in text
    assert "Seats by port (the same days): AAA " in text
    assert "Served by group size (groups that first asked before day 15: " in text
    assert text.count("\n") == 14


def test_the_summary_of_the_whole_chain_names_each_part():
    outcome = simulate(pipeline_make(), check=True)
    summary = summary_compute(outcome)
    text = summary_text(summary)
    people = summary.people
    assert people is not None
    assert people.seen == summary.seats_attended
    assert people.released + people.detained + people.to_remove == people.seen
    assert f"People seen: {people.seen:,} persons: {people.released:,} released" in text
    assert "Detention (detained and awaiting removal): 40 beds: peak " in text
    assert "Removal flights: " in text
    caravan = summary.caravans[0]
    assert caravan.people == 120
    assert f"Caravan spring: 120 persons in {caravan.groups:,} groups; " in text
    assert "Waiting in Alpha: 150 shelter places; " in text
    assert "Waiting in Beta: 60 shelter places; " in text
    assert summary.seats_officer_short > 0  # AAA has 1 officer (10 seats of 20) from day 20
    assert json.loads(json.dumps(summary.to_json()))["beds"]["beds"] == 40


def test_stats_of_counts_are_the_stats_of_the_values_they_count():
    rng = np.random.default_rng(3)
    for _ in range(200):
        values = rng.integers(0, 30, size=int(rng.integers(1, 200))).tolist()
        assert Stats.of_counts(Counter(values)) == Stats.of(values)
    assert Stats.of_counts({}) == Stats.of([])


def test_a_comparison_gives_both_values_and_the_difference():
    a = summary_compute(simulate(scenario_make({"days": 40})))
    b = summary_compute(simulate(scenario_make({"days": 40, "reserve_percent": 60, "name": "more reserve"})))
    differences = {d.key: d for d in compare(a, b)}
    reserve = differences["reserve_persons"]
    assert (reserve.a, reserve.b) == (a.reserve_persons, b.reserve_persons)
    assert reserve.change == b.reserve_persons - a.reserve_persons > 0
    text = comparison_text(a, b)
    assert text.splitlines()[0].split() == ["A:", "small", "B:", "more", "reserve", "B", "-", "A", "change"]
    assert "persons selected by the reserve" in text
    value = comparison_json(a, b)
    assert value["a"] == "small"
    assert value["b"] == "more reserve"
    assert {f["key"] for f in value["figures"]} == set(differences)
