"""Fast draws (`draws = "fast"`) are the lottery's draws with other keys: given the HMAC draw keys of
draw-v1, a fast run is, day by day, the run whose every round `cita.lottery` computed."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from cita.lottery import draw_keys_compute
from cita.sim import Simulation, simulate
from cita.sim.engine import IntArray
from tests.factories.sim import scenario_make


class HmacKeys(Simulation):
    """A fast run ranking each entry by the first 48 bits of its draw-v1 draw key (§Algorithm 3)."""

    def _keys(self, draw_id: str, groups: IntArray) -> IntArray:
        seed = hashlib.sha256(f"cita-sim|{self.scenario.seed}|{draw_id}".encode()).digest()
        keys = draw_keys_compute(key=seed, draw_id=draw_id, tickets=[b"G%09d" % g for g in groups.tolist()])
        return np.array([int.from_bytes(key[:6], "big") for key in keys], dtype=np.int64)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"size_priority": True},
        {"days": 40, "closures": [{"port": "AAA", "from": 12, "days": 4, "announced": 9}]},
        {"size_priority": True, "closures": [{"port": "AAA", "from": 10, "days": 3}], "displaced_draws": 2},
        {"reserve_percent": 50, "arrivals.group_sizes": {"1": 1, "4": 2, "6": 1}, "size_priority": True},
    ],
)
def test_a_fast_run_with_the_draw_keys_is_the_lottery_run(changes):
    lottery = simulate(scenario_make({**changes, "draws": "lottery"}), check=True)
    fast = HmacKeys(scenario_make({**changes, "draws": "fast"}), check=True).run()
    assert fast.days == lottery.days
    assert fast.waits == lottery.waits
    assert fast.served_by_size == lottery.served_by_size
    assert sum(day.selected for day in fast.days) > 100
    if changes.get("size_priority"):
        assert sum(day.passed_over for day in fast.days) > 0


def test_fast_draws_are_random_yet_reproducible():
    first = simulate(scenario_make())
    assert simulate(scenario_make()).days == first.days
    assert simulate(scenario_make({"seed": 8})).days != first.days
    lottery = simulate(scenario_make({"draws": "lottery"}))
    assert lottery.days != first.days  # other keys, other winners


def test_watching_the_rounds_needs_the_real_draw_keys():
    from cita.sim import SimError

    with pytest.raises(SimError, match='needs draws = "lottery"'):
        Simulation(scenario_make(), observer=lambda record: None)
