"""Officers make the seats: a port's seats are at most what its officers process, and moving officers from
a port closed to traffic to another port trades the one's seats for the other's."""

from __future__ import annotations

from typing import Any

from cita.sim import DrawRecord, Simulation, scenario_from_mapping, simulate, summary_compute
from cita.sim.engine import BOOKED
from cita.sim.staffing import spread


def plain(**changes: Any):
    """Single travellers who always ask, confirm and come; appointments 4 days after the draw."""
    mapping: dict[str, Any] = {
        "days": 20,
        "horizon_days": 4,
        "reserve_percent": 0,
        "ask_rate": 1.0,
        "confirm_rate": 1.0,
        "no_show_rate": 0.0,
        "ports": [{"code": "AAA", "slots": {"08:00": 10, "09:00": 10}}],
        "arrivals": {"per_day": 40, "group_sizes": {"1": 1}},
        "initial_backlog": {"groups": 100},
    }
    mapping.update(changes)
    return scenario_from_mapping(mapping)


def test_seats_are_split_in_proportion_the_first_slots_taking_the_rest():
    assert spread(15, [10, 10]) == [8, 7]
    assert spread(60, [10, 30]) == [15, 45]
    assert spread(7, [0, 0, 0]) == [3, 2, 2]
    assert spread(0, [5, 5]) == [0, 0]


def test_a_port_has_at_most_the_seats_its_officers_process_and_a_change_of_officers_changes_them():
    # 1 officer processing 15 persons a shift: 15 of the 20 seats (8 + 7); from day 10, 3 officers could
    # process 30, but the port has 20 seats.
    scenario = plain(
        ports=[{"code": "AAA", "slots": {"08:00": 10, "09:00": 10}, "officers": 1}],
        staffing={"persons_per_shift": 15, "changes": [{"port": "AAA", "from": 10, "officers": 3}]},
        draws="lottery",
    )
    records: list[DrawRecord] = []
    outcome = simulate(scenario, observer=records.append, check=True)
    first = {r.manifest.appointment_date: r for r in records if r.round == 1}
    assert [c.seats for c in first[scenario.date_of(9)].manifest.capacity] == [8, 7]
    assert [c.seats for c in first[scenario.date_of(10)].manifest.capacity] == [10, 10]
    held = {d.day: d for d in outcome.days if d.appointments_drawn}
    assert [(held[t].appointment_seats, held[t].officer_short_seats) for t in (4, 9, 10, 19)] == [
        (15, 5),
        (15, 5),
        (20, 0),
        (20, 0),
    ]
    assert all(d.booked_persons == d.appointment_seats for d in held.values())
    summary = summary_compute(outcome)
    assert summary.seats_officer_short == 5 * 6  # days 4 to 9
    assert summary.seats_nominal == 15 * 6 + 20 * 10


def two_ports(**changes: Any):
    """AAA (10 seats) and BBB (40), as popular; enough groups for both."""
    return plain(
        arrivals={"per_day": 120, "group_sizes": {"1": 1}},
        initial_backlog={"groups": 400},
        ports=[
            {"code": "AAA", "slots": {"08:00": 10}, "popularity": 1},
            {"code": "BBB", "slots": {"08:00": 10, "09:00": 30}, "popularity": 1},
        ],
        **changes,
    )


def test_moving_officers_closes_their_port_and_adds_their_seats_where_they_go():
    # 2 officers of 10 persons a shift leave AAA (closed to traffic on days 10-12, announced on day 5) for
    # BBB: its 40 seats become 60, spread 15 + 45 like its slots' 10 + 30.
    scenario = two_ports(
        staffing={
            "persons_per_shift": 10,
            "moves": [
                {"officers": 2, "from_port": "AAA", "to_port": "BBB", "from": 10, "days": 3, "announced": 5}
            ],
        },
        draws="lottery",
    )
    records: list[DrawRecord] = []
    outcome = simulate(scenario, observer=records.append, check=True)
    capacity = {
        (r.manifest.appointment_date - scenario.start).days: [
            (c.port, c.slot, c.seats) for c in r.manifest.capacity
        ]
        for r in records
        if r.round == 1
    }
    assert capacity[9] == [("AAA", "08:00", 10), ("BBB", "08:00", 10), ("BBB", "09:00", 30)]
    for day in (10, 11, 12):
        assert capacity[day] == [("BBB", "08:00", 15), ("BBB", "09:00", 45)]
    assert capacity[13] == capacity[9]
    held = {d.day: d for d in outcome.days}
    for day in (10, 11, 12):
        assert (held[day].appointment_seats, held[day].appointment_closed) == (70, 10)
        assert held[day].booked_persons == 60
    assert (held[13].appointment_seats, held[13].appointment_closed) == (50, 0)
    ports = {p.port: p for p in summary_compute(outcome).ports_seats}
    assert (ports["AAA"].seats, ports["AAA"].closed) == (10 * 16, 30)
    assert ports["BBB"].seats == 40 * 16 + 20 * 3


def test_a_sudden_move_rebooks_the_closed_ports_appointments_into_the_seats_it_adds():
    # Announced on its first day: the draws for days 10-12 ran before, with AAA open. Its appointments
    # there are rebooked in their allocation order from day 11 to 12 (AAA has no day in that window):
    # those who ranked BBB take its new seats (notice 0: the ports have no city, so each is a city).
    scenario = two_ports(
        staffing={
            "persons_per_shift": 10,
            "moves": [{"officers": 2, "from_port": "AAA", "to_port": "BBB", "from": 10, "days": 3}],
        },
        rebook_notice_days=0,
        rebook_days=0,
    )
    simulation = Simulation(scenario, check=True)
    for _ in range(10):
        simulation.step()
    affected = {
        g
        for g, (day, slot) in simulation.holding.items()
        if 10 <= day <= 12 and simulation.slot_port[slot] == "AAA"
    }
    assert len(affected) == 30
    day = simulation.step()  # day 10: the move is announced
    ranked_bbb = 0
    for group in affected:
        ranking = simulation.rankings[simulation.ranking[group]]
        if "BBB" not in ranking:  # AAA only, and AAA has no day in the window: waits, first in its draws
            assert simulation.state[group] != BOOKED or simulation.holding[group][0] > 12
            continue
        ranked_bbb += 1
        new_day, slot = simulation.holding[group]
        assert simulation.state[group] == BOOKED
        assert (simulation.slot_port[slot], new_day) in {("BBB", 11), ("BBB", 12)}
    assert (day.rebooked, day.displaced) == (ranked_bbb, 30 - ranked_bbb)
    assert ranked_bbb > 0
    # Day 10's own 20 new seats came too late for anyone: nobody is rebooked on the day itself.
    assert (day.appointment_seats, day.appointment_closed) == (70, 10)
    assert day.booked_persons == 40
    assert day.unused_seats == 20
