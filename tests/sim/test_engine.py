"""The day-step simulation: reproducible, conserving groups and seats, drawing exactly with cita.lottery,
and modelling closures, second chances and the reserve as docs/daily-cycle.md and shared/DESIGN.md say."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

import numpy as np
import pytest

from cita.lottery import draw_compute, entries_from_bytes, entries_to_bytes
from cita.sim import DrawRecord, InvariantBroken, Simulation, simulate, summary_compute
from cita.sim.engine import BOOKED, OFFERED, WAITING
from tests.factories.sim import scenario_make


def entries_of(record: DrawRecord) -> list:
    """The entries of a round as lottery `Entry` values."""
    return list(entries_from_bytes(record.entries, ports={c.port for c in record.manifest.capacity}))


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    first = simulate(scenario_make())
    again = simulate(scenario_make())
    assert first.days == again.days
    assert first.waits == again.waits
    assert first.waiting_ages == again.waiting_ages
    other = simulate(scenario_make({"seed": 8}))
    assert other.days != first.days


def test_every_group_that_arrived_is_in_exactly_one_state_on_every_day():
    outcome = simulate(scenario_make({"days": 40}), check=True)
    for day in outcome.days:
        counted = (
            day.waiting + day.offered + day.booked + day.attended_total + day.no_show_total + day.left_total
        )
        assert counted == day.arrived_total, day
    last = outcome.days[-1]
    assert last.arrived_total == 60 + sum(day.arrivals for day in outcome.days)
    assert last.left_total == sum(day.left for day in outcome.days) > 0
    assert last.attended_total + last.no_show_total > 0


def test_the_bookkeeping_check_fails_when_a_seat_is_counted_twice():
    simulation = Simulation(scenario_make(), check=True)
    for _ in range(8):
        simulation.step()
    simulation.invariants_check()
    _, (day, slot) = next(iter(simulation.holding.items()))
    simulation.left_seats[day][slot] += 1  # a seat both free and held
    with pytest.raises(InvariantBroken, match=rf"day {day} slot {slot}: "):
        simulation.invariants_check()


def test_no_seat_is_held_twice_and_no_slot_holds_more_than_its_seats():
    scenario = scenario_make(
        {"days": 40, "closures": [{"port": "AAA", "from": 12, "days": 4, "announced": 9}]}
    )
    simulation = Simulation(scenario)
    seats = simulation.slot_seats
    for _ in range(scenario.days):
        day = simulation.step()
        held: Counter[tuple[int, int]] = Counter()
        for group, (appointment, slot) in simulation.holding.items():
            assert simulation.state[group] in (OFFERED, BOOKED)
            held[(appointment, slot)] += int(simulation.size[group])
        for (appointment, slot), persons in held.items():
            closed = simulation.slot_port[slot] in simulation.closed.get(appointment, set())
            assert persons <= (0 if closed else seats[slot]), (appointment, slot)
        if day.appointments_drawn:
            assert day.booked_persons == day.attended_persons + day.no_show_persons
            assert day.booked_persons + day.unused_seats == day.appointment_seats - day.appointment_closed


def test_every_round_is_exactly_what_cita_lottery_computes_and_its_results_are_applied():
    records: list[DrawRecord] = []
    simulation = Simulation(scenario_make({"days": 25, "draws": "lottery"}), observer=records.append)
    checked = 0
    for _ in range(25):
        records.clear()
        simulation.step()
        for record in records:
            entries = entries_of(record)
            # The bytes the simulator drew are the canonical entries.csv of those entries …
            assert entries_to_bytes(entries) == record.entries
            # … and the public function, given the same manifest and entries, gives the same results.
            assert draw_compute(manifest=record.manifest, entries=entries) == record.allocation.results
            for result in record.allocation.results:
                group = int(result.ticket[1:])
                day, slot = simulation.holding[group]
                assert simulation.state[group] == OFFERED
                assert (simulation.slot_port[slot], simulation.slot_name[slot]) == (result.port, result.slot)
                assert simulation.scenario.date_of(day) == record.manifest.appointment_date
            checked += 1
    assert checked > 40
    assert {record.round for record in records} <= set(range(1, 4))


def test_round_one_draws_the_appointment_day_one_horizon_ahead_with_its_free_seats():
    records: list[DrawRecord] = []
    scenario = scenario_make({"draws": "lottery"})
    simulate(scenario, observer=records.append)
    first = [r for r in records if r.round == 1]
    assert [r.manifest.draw_id for r in first] == [scenario.date_of(d).isoformat() for d in range(30)]
    for day, record in enumerate(first):
        assert record.manifest.appointment_date == scenario.date_of(day + scenario.horizon_days)
        assert record.manifest.reserve_percent == 20
        assert [(c.port, c.slot, c.seats) for c in record.manifest.capacity] == [
            ("AAA", "08:00", 10),
            ("AAA", "09:00", 10),
            ("BBB", "08:00", 15),
        ]
    # waiting_since is the date of the group's first request, tier 0 the urgent groups.
    tiers = Counter(entry.tier for record in first for entry in entries_of(record))
    assert tiers[0] > 0
    assert tiers[1] > 10 * tiers[0]


def test_second_chances_draw_the_seats_given_back_among_unselected_groups_not_asking_again():
    records: list[DrawRecord] = []
    simulation = Simulation(scenario_make({"days": 20, "draws": "lottery"}), observer=records.append)
    entered: dict[str, set[str]] = {}
    selected: dict[str, set[str]] = defaultdict(set)
    for _ in range(20):
        records.clear()
        day = simulation.step()
        asking = {e.ticket for r in records if r.round == 1 for e in entries_of(r)}
        for record in sorted(records, key=lambda r: r.round):
            first_id = record.manifest.draw_id.split("-")[:3]
            chain = "-".join(first_id)
            tickets = {e.ticket for e in entries_of(record)}
            if record.round == 1:
                entered[chain] = tickets
            else:
                # Entries of that day's first round, never selected in it, not asking in today's draw.
                assert record.manifest.draw_id == f"{chain}-{record.round}"
                assert tickets <= entered[chain]
                assert not tickets & selected[chain]
                assert not tickets & asking
                # Its seats are exactly those the previous round's offers gave back.
                assert sum(c.seats for c in record.manifest.capacity) <= day.lapsed_persons
            selected[chain] |= {r.ticket for r in record.allocation.results}
    assert sum(day.second_chance_rounds for day in simulation.metrics) > 5
    assert sum(day.second_chance_persons for day in simulation.metrics) > 0


def test_without_second_chances_lapsed_seats_stay_unused():
    with_rounds = summary_compute(simulate(scenario_make({"days": 40, "confirm_rate": 0.5})))
    without = summary_compute(simulate(scenario_make({"days": 40, "confirm_rate": 0.5, "max_rounds": 1})))
    assert without.second_chance_rounds == 0
    assert with_rounds.second_chance_rounds > 0
    assert without.seats_unused > with_rounds.seats_unused


def test_a_closure_announced_ahead_removes_the_port_from_the_draws_of_its_days():
    records: list[DrawRecord] = []
    scenario = scenario_make(
        {"draws": "lottery", "closures": [{"port": "AAA", "from": 12, "days": 3, "announced": 5}]}
    )
    outcome = simulate(scenario, observer=records.append, check=True)
    for record in records:
        day = (record.manifest.appointment_date - scenario.start).days
        ports = {c.port for c in record.manifest.capacity}
        assert ports == ({"BBB"} if 12 <= day <= 14 else {"AAA", "BBB"}), record.manifest.draw_id
        if ports == {"BBB"}:
            assert all(entry.ports == ("BBB",) for entry in entries_of(record))
    held = {d.day: d for d in outcome.days}
    for day in (12, 13, 14):
        assert held[day].appointment_closed == 20
        assert held[day].booked_persons + held[day].unused_seats == 15
    # Groups ranking only AAA asked on the draw days of the closed days but were not entered.
    for day in (8, 9, 10):
        assert held[day].entered < held[day].asked
    assert held[15].appointment_closed == 0


def test_a_sudden_closure_rebooks_who_it_can_and_puts_the_others_first_in_their_next_draws():
    scenario = scenario_make(
        {
            "days": 30,
            "draws": "lottery",
            "arrivals.urgent_share": 0,
            "confirm_rate": 1.0,  # offers out this morning all become appointments before the announcement
            "displaced_draws": 2,
            "rebook_days": 2,  # rebooked up to day 14: 2 days after the closure
            "closures": [{"port": "AAA", "from": 10, "days": 3}],
        }
    )
    records: list[DrawRecord] = []
    simulation = Simulation(scenario, observer=records.append, check=True)
    for _ in range(10):
        simulation.step()

    def at_closed_port(place: tuple[int, int]) -> bool:
        return 10 <= place[0] <= 12 and simulation.slot_port[place[1]] == "AAA"

    # Booked there, or holding an offer there (confirmed this morning, before the announcement).
    affected = {g for g, place in simulation.holding.items() if at_closed_port(place)}
    assert affected
    records.clear()
    day = simulation.step()  # day 10: the closure is announced
    assert day.rebooked + day.displaced == len(affected)
    assert day.rebooked > 0
    assert day.displaced > 0
    assert not any(at_closed_port(place) for place in simulation.holding.values())
    rebooked = {g for g in affected if simulation.state[g] == BOOKED and 11 <= simulation.holding[g][0] <= 14}
    displaced = affected - rebooked
    assert (len(rebooked), len(displaced)) == (day.rebooked, day.displaced)
    for group in rebooked:
        new_day, slot = simulation.holding[group]
        assert simulation.slot_port[slot] in simulation.rankings[simulation.ranking[group]]
        assert simulation.slot_port[slot] not in simulation.closed.get(new_day, set())
    # Displaced groups are in tier 0 in the next two first rounds they enter (today's included); after the
    # second, a group still waiting is back in tier 1.
    seen: Counter[int] = Counter()
    for step in range(13):
        if step:
            records.clear()
            simulation.step()
        for record in records:
            if record.round != 1:
                continue
            for entry in entries_of(record):
                group = int(entry.ticket[1:])
                if group in displaced:
                    seen[group] += 1
                    assert entry.tier == (0 if seen[group] <= 2 else 1), (group, seen[group])
        for group in displaced:
            if simulation.state[group] in (WAITING, OFFERED):  # not served yet: the priority counts down
                assert simulation.displaced[group] == max(0, 2 - seen[group])
                tier = b"0" if seen[group] < 2 else b"1"
                assert simulation.lines[group].split(b",")[2] == tier
    assert seen
    assert max(seen.values()) >= 2


def test_a_displaced_group_loses_its_priority_once_it_confirms_an_appointment():
    scenario = scenario_make(
        {
            "arrivals.urgent_share": 0,
            "displaced_draws": 30,
            "rebook_days": 0,
            "closures": [{"port": "AAA", "from": 10, "days": 2}],
        }
    )
    simulation = Simulation(scenario, check=True)
    for _ in range(30):
        simulation.step()
    booked_after = [g for g in range(simulation.count) if simulation.state[g] == BOOKED]
    assert all(simulation.displaced[g] == 0 for g in booked_after)
    assert sum(d.displaced for d in simulation.metrics) > 0
    assert sum(d.rebooked for d in simulation.metrics) == 0  # no rebooking window: all displaced


def test_the_reserve_lowers_the_99th_percentile_wait_of_the_longest_waiting():
    def run(reserve: int):
        return summary_compute(
            simulate(
                scenario_make(
                    {
                        "days": 200,
                        "horizon_days": 2,
                        "reserve_percent": reserve,
                        "ask_rate": 1.0,
                        "confirm_rate": 1.0,
                        "no_show_rate": 0.0,
                        "leave_rate": 0.0,
                        "ports": [{"code": "SYS", "slots": {"08:00": 30}}],
                        "arrivals": {"per_day": 28, "group_sizes": {"1": 1}, "ports_ranked": {"1": 1}},
                        "initial_backlog": {"groups": 300, "max_age_days": 10},
                    }
                )
            )
        )

    lottery_only, reserve = run(0), run(50)
    assert lottery_only.wait.count == reserve.wait.count  # the same groups are served …
    assert lottery_only.wait.mean == reserve.wait.mean  # … with the same mean wait (as many seats) …
    assert reserve.wait.p99 is not None
    assert lottery_only.wait.p99 is not None
    assert reserve.wait.p99 <= 0.6 * lottery_only.wait.p99  # … but the longest waits are cut short
    assert reserve.wait.max is not None
    assert lottery_only.wait.max is not None
    assert reserve.wait.max < lottery_only.wait.max
    assert reserve.reserve_persons > 0 == lottery_only.reserve_persons


def test_groups_too_large_for_what_is_left_leave_seats_unused():
    # Slots of 5 seats and groups of 3 only: after one group, 2 seats per slot stay empty.
    outcome = simulate(
        scenario_make(
            {
                "ports": [{"code": "SYS", "slots": {"08:00": 5, "09:00": 5}}],
                "arrivals.group_sizes": {"3": 1},
                "arrivals.ports_ranked": {"1": 1},
                "max_rounds": 1,
                "confirm_rate": 1.0,
            }
        )
    )
    held = [d for d in outcome.days if d.appointments_drawn]
    assert held
    assert all(d.booked_persons == 6 and d.unused_seats == 4 for d in held)


def test_a_run_that_outlasts_its_time_budget_stops():
    from cita.sim import SimulationTooLarge

    with pytest.raises(
        SimulationTooLarge, match=r"^stopped after .* s on day 1 of 30: too large for this budget$"
    ):
        simulate(scenario_make(), budget_seconds=0.0)


def test_metrics_rows_are_one_per_day_in_order():
    outcome = simulate(scenario_make({"days": 12}))
    assert [d.day for d in outcome.days] == list(range(12))
    assert outcome.days[0].date == "2026-12-01"
    assert all(isinstance(getattr(d, f.name), int | str) for d in outcome.days for f in dataclasses.fields(d))


def test_arrivals_change_level_on_the_days_the_scenario_says():
    scenario = scenario_make({"arrivals.changes": [{"from": 10, "per_day": 0}, {"from": 20, "per_day": 60}]})
    assert [scenario.arrivals.mean_on(day) for day in (0, 9, 10, 19, 20, 29)] == [18, 18, 0, 0, 60, 60]
    days = simulate(scenario).days
    assert all(d.arrivals == 0 for d in days[10:20])
    assert sum(d.arrivals for d in days[20:]) > 2 * sum(d.arrivals for d in days[:10])


def test_rebooking_may_use_any_open_port_only_when_the_scenario_allows_it():
    def run(any_port: bool):
        # Every group ranks AAA alone; nobody draws BBB's seats, so they are free when AAA closes. Rebooking
        # looks no further than the closure's last day.
        return simulate(
            scenario_make(
                {
                    "ports.1.popularity": 0,
                    "ports.1.seats": 100,
                    "arrivals.ports_ranked": {"1": 1},
                    "rebook_days": 0,
                    "rebook_notice_days": 0,  # BBB is another city: no notice needed here
                    "rebook_any_port": any_port,
                    "closures": [{"port": "AAA", "from": 12, "days": 2}],
                }
            ),
            check=True,
        )

    ranked_only = run(False).days[12]
    any_port = run(True).days[12]
    assert ranked_only.displaced > 0
    assert any_port.displaced == 0
    assert any_port.rebooked == ranked_only.rebooked + ranked_only.displaced


def test_overlapping_closures_of_one_port_remove_its_seats_once():
    outcome = simulate(
        scenario_make(
            {
                "closures": [
                    {"port": "AAA", "from": 10, "days": 3, "announced": 6},
                    {"port": "AAA", "from": 12, "days": 3, "announced": 8},
                ]
            }
        ),
        check=True,
    )
    assert [d.appointment_closed for d in outcome.days[9:16]] == [0, 20, 20, 20, 20, 20, 0]


def _stepped_to(day: int, changes: dict) -> Simulation:
    simulation = Simulation(scenario_make({"arrivals.urgent_share": 0, **changes}), check=True)
    for _ in range(day):
        simulation.step()
    return simulation


def _group_ranking(simulation: Simulation, ports: tuple[str, ...]) -> int:
    """A waiting group, made to rank exactly `ports`."""
    group = int(next(g for g in range(simulation.count) if simulation.state[g] == WAITING))
    if ports not in simulation.rankings:
        simulation.rankings.append(ports)
    simulation.ranking[group] = simulation.rankings.index(ports)
    return group


def _port_day(simulation: Simulation, placed: tuple[int, int] | None) -> tuple[str, int] | None:
    return None if placed is None else (simulation.slot_port[placed[1]], placed[0])


def _only_seats(simulation: Simulation, free: dict[tuple[int, str], int], days: range) -> None:
    """Every slot of every day in `days` full, but the first slot of (day, port) in `free`."""
    for day in days:
        seats = simulation._seats(day)
        seats[:] = [0] * len(seats)
    for (day, port), n in free.items():
        simulation._seats(day)[simulation.port_slots[port][0]] = n


def test_rebooking_searches_port_by_port_and_day_by_day_only_within_a_port():
    # DESIGN "Closures and rebooking": a group that ranked AAA first goes to AAA a day later rather than
    # to its second port earlier (issue 15, item 1).
    simulation = _stepped_to(10, {"ports.0.city": "Tijuana", "ports.1.city": "Tijuana"})
    group = _group_ranking(simulation, ("AAA", "BBB"))
    simulation.closed.setdefault(11, set()).add("AAA")
    _only_seats(simulation, {(12, "BBB"): 10, (14, "AAA"): 10}, range(11, 16))
    assert _port_day(simulation, simulation._rebook(group, home="AAA", last=15)) == ("AAA", 14)


def test_rebooking_uses_a_port_in_another_city_only_with_the_minimum_notice():
    simulation = _stepped_to(10, {"ports.0.city": "Tijuana", "ports.1.city": "Laredo"})
    group = _group_ranking(simulation, ("BBB",))
    # Tomorrow and the day after at Laredo are too soon (notice 3 days): the first day is day 13.
    _only_seats(simulation, {(11, "BBB"): 10, (12, "BBB"): 10, (13, "BBB"): 10}, range(11, 16))
    assert _port_day(simulation, simulation._rebook(group, home="AAA", last=15)) == ("BBB", 13)
    _only_seats(simulation, {(11, "BBB"): 10, (12, "BBB"): 10}, range(11, 16))
    assert simulation._rebook(group, home="AAA", last=15) is None
    # The same city needs no notice.
    same = _stepped_to(10, {"ports.0.city": "Tijuana", "ports.1.city": "Tijuana"})
    group = _group_ranking(same, ("BBB",))
    _only_seats(same, {(11, "BBB"): 10, (13, "BBB"): 10}, range(11, 16))
    assert _port_day(same, same._rebook(group, home="AAA", last=15)) == ("BBB", 11)


def test_a_group_that_waits_for_its_first_port_asks_again_with_that_port_only():
    # A group that gives its new appointment back to wait for its first port wants that port: it asks
    # with it alone from then on (before, it still asked with its whole ranking, and could be drawn at
    # the very port it had just refused).
    scenario = scenario_make(
        {
            "days": 30,
            "draws": "lottery",
            "arrivals.urgent_share": 0,
            "confirm_rate": 1.0,
            "rebook_days": 0,
            "rebook_notice_days": 0,
            "rebook_wait_rate": 1.0,
            "arrivals.ports_ranked": {"2": 1},
            "ports.1.seats": 200,
            "closures": [{"port": "AAA", "from": 9, "days": 4, "announced": 8}],
        }
    )
    records: list[DrawRecord] = []
    simulation = Simulation(scenario, observer=records.append, check=True)
    for _ in range(8):
        simulation.step()
    before = {g: simulation.rankings[simulation.ranking[g]] for g in simulation.holding}
    day = simulation.step()  # day 8: the closure is announced
    waiting = sorted(simulation.wait_from)
    assert day.rebook_waited == len(waiting) > 0
    assert all(len(before[g]) == 2 for g in waiting)
    assert {simulation.rankings[simulation.ranking[g]] for g in waiting} == {("AAA",)}
    assert {line.rsplit(b",", 1)[1] for line in simulation._entry_lines(waiting, set(), 13)} == {b"AAA\n"}
    records.clear()
    for _ in range(8):
        simulation.step()
    asked = [
        entry.ports
        for record in records
        for entry in entries_of(record)
        if int(entry.ticket[1:]) in set(waiting)
    ]
    assert asked
    assert {tuple(ports) for ports in asked} == {("AAA",)}


def test_a_group_that_waits_for_its_first_port_is_in_tier_0_only_in_draws_for_days_after_the_closure():
    scenario = scenario_make(
        {
            "days": 30,
            "draws": "lottery",
            "arrivals.urgent_share": 0,
            "confirm_rate": 1.0,
            "displaced_draws": 2,
            "rebook_days": 0,  # AAA has no day left to give: groups go to BBB, their second port
            "rebook_notice_days": 0,
            "rebook_wait_rate": 1.0,  # every group sent away from its first port prefers to wait
            "arrivals.ports_ranked": {"2": 1},
            "ports.1.seats": 200,  # BBB has room for everyone
            # Announced on day 8, from day 9: that day's draw (for day 12) is still for a closed day.
            "closures": [{"port": "AAA", "from": 9, "days": 4, "announced": 8}],
        }
    )
    records: list[DrawRecord] = []
    simulation = Simulation(scenario, observer=records.append, check=True)
    for _ in range(8):
        simulation.step()
    held = dict(simulation.holding)
    records.clear()
    day = simulation.step()  # day 8: the closure is announced
    assert day.rebook_waited > 0
    waiting = set(simulation.wait_from)
    assert len(waiting) == day.rebook_waited
    for group in waiting:
        assert simulation.rankings[simulation.ranking[group]][0] == "AAA"
        assert held[group][0] in (9, 10, 11, 12)
        assert simulation.slot_port[held[group][1]] == "AAA"
        assert simulation.wait_from[group] == 13
    ids = np.array(sorted(waiting), dtype=np.int64)
    # Tier 1 in draws for the closed days, tier 0 in those for the days after (entries.csv lines too).
    assert simulation._tiers(ids, appointment_day=12).tolist() == [1] * len(ids)
    assert simulation._tiers(ids, appointment_day=13).tolist() == [0] * len(ids)
    assert {line.split(b",")[2] for line in simulation._entry_lines(ids.tolist(), set(), 12)} == {b"1"}
    assert {line.split(b",")[2] for line in simulation._entry_lines(ids.tolist(), set(), 13)} == {b"0"}
    tiers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for step in range(10):
        if step:
            records.clear()
            simulation.step()
        for record in records:
            appointment = (record.manifest.appointment_date - scenario.start).days
            for entry in entries_of(record):
                group = int(entry.ticket[1:])
                if group in waiting:
                    tiers[group].append((appointment, entry.tier))
    # They ask with AAA alone now: the draws for the closed days (to day 12) do not enter them at all,
    # the next ones enter them in tier 0 for their 2 draws of priority.
    assert tiers
    assert all(appointment > 12 for pairs in tiers.values() for appointment, _ in pairs)
    for group, pairs in tiers.items():
        assert all(tier == 0 for _, tier in pairs[:2]), (group, pairs)
