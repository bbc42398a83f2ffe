"""How big a run is before running it: the entries its draws will read, estimated from the scenario.

Almost all of a run's time goes into `cita.lottery` reading and ordering entries, so the entries of all
rounds are the measure of its size. The estimate follows the expected number of waiting groups day by day
(arrivals in, leavers and the groups a day's seats serve out); it is meant to tell a quick run from a long
one before starting, not to predict the run (tests/sim/test_cost.py keeps it within a factor of two).
"""

from __future__ import annotations

from cita.sim.scenario import Scenario


def scenario_cost(scenario: Scenario) -> int:
    """Estimated entries read by every round of the run (round 1 and second chances)."""
    sizes = scenario.arrivals.group_sizes
    mean_size = sum(size * weight for size, weight in sizes) / sum(weight for _, weight in sizes)
    served = scenario.seats_per_day / mean_size  # groups selected a day (second chances refill lapses)
    lapse = 1.0 - scenario.confirm_rate
    # Second chances a draw runs: while its offers give back at least about one group's seats.
    second_chances = 0
    released = served * lapse
    while released >= 0.5 and second_chances < scenario.rounds - 1:
        second_chances += 1
        released *= lapse
    ask = scenario.ask_rate
    waiting = float(scenario.backlog.groups)
    total = 0.0
    caravans: dict[int, float] = {}  # day → groups expected to arrive with a caravan
    for caravan in scenario.caravans:
        size = sum(s * w for s, w in caravan.group_sizes) / sum(w for _, w in caravan.group_sizes)
        groups = caravan.people / size * (1.0 - caravan.never_arrive) / caravan.spread_days
        for day in range(caravan.first_arrival, caravan.first_arrival + caravan.spread_days):
            caravans[day] = caravans.get(day, 0.0) + groups
    for day in range(scenario.days):
        waiting *= 1.0 - scenario.leave_rate
        arrivals = scenario.arrivals.mean_on(day) + caravans.get(day, 0.0)
        entries = ask * waiting + arrivals
        # A second chance reads yesterday's entries that are not asking again today.
        total += entries + second_chances * (1.0 - ask) * entries
        waiting = max(0.0, waiting + arrivals - min(served, entries))
    return round(total)
