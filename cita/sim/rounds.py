"""The rounds of a run's draws: by `cita.lottery` from entries.csv bytes (`draws = "lottery"`), or by
`cita.sim.allocate` on the simulator's arrays with random ranks (`draws = "fast"`).

Either way a round yields (group, slot, phase) of each selected entry in allocation order, and the groups
it passed over for their size (`cita.lottery.passed_over`'s rule; found only with `size_priority`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from time import perf_counter

import numpy as np
import numpy.typing as npt

from cita.lottery import (
    Capacity,
    Manifest,
    commitment_compute,
    draw_allocate,
    entries_from_bytes,
    passed_over,
)
from cita.sim.allocate import Walks, allocate
from cita.sim.metrics import DrawRecord, Observer

IntArray = npt.NDArray[np.int64]
Results = list[tuple[int, int, str]]
ENTRIES_HEADER = b"ticket,group_size,tier,waiting_since,ports\n"
KEY_BITS = 48  # random bits of a fast draw's rank, below its tier or first-request day
DAY_BIAS = 8192  # added to first-request days (≥ -MAX_DAYS) so that ranks are never negative


class Rounds:
    """Computes rounds, and counts them, their entries and the time `cita.lottery` (or `allocate`) took."""

    def __init__(
        self,
        *,
        seed: int,
        reserve_percent: int,
        size_priority: bool,
        slot_port: list[str],
        slot_name: list[str],
        port_slots: dict[str, list[int]],
        port_codes: list[str],
        rankings: list[tuple[str, ...]],
        observer: Observer | None,
    ) -> None:
        self.seed = seed
        self.reserve_percent = reserve_percent
        self.size_priority = size_priority
        self.slot_port = slot_port
        self.slot_name = slot_name
        self.port_slots = port_slots
        self.port_codes = port_codes
        self.port_number = {code: number for number, code in enumerate(port_codes)}
        self.slot_of = {(p, s): i for i, (p, s) in enumerate(zip(slot_port, slot_name, strict=True))}
        self.rankings = rankings  # shared with the population: grows as new rankings appear
        self.observer = observer
        self.walk_tables: dict[tuple[frozenset[str], int], tuple[IntArray, Walks]] = {}
        self.draws = 0
        self.entries = 0
        self.seconds = 0.0
        self.observer_seconds = 0.0
        self.trace: list[tuple[int, int]] = []  # (entries, selected) of each round, for bench/sim.py

    def walks(self, closed: set[str]) -> tuple[IntArray, Walks]:
        """Per ranking, the walk of slots of its ports open that day (-1: none open), and the walks."""
        key = (frozenset(closed), len(self.rankings))
        cached = self.walk_tables.get(key)
        if cached is not None:
            return cached
        walk_id: dict[tuple[int, ...], int] = {}
        of_ranking = []
        for ranking in self.rankings:
            walk = tuple(slot for port in ranking if port not in closed for slot in self.port_slots[port])
            of_ranking.append(walk_id.setdefault(walk, len(walk_id)) if walk else -1)
        table = Walks(
            walks=list(walk_id),
            slot_count=len(self.slot_port),
            slot_port=[self.port_number[port] for port in self.slot_port],
            port_count=len(self.port_codes),
        )
        result = (np.array(of_ranking, dtype=np.int64), table)
        self.walk_tables[key] = result
        return result

    def fast(
        self,
        *,
        closed: set[str],
        slots: list[int],
        seats: list[int],
        groups: IntArray,
        sizes: IntArray,
        rankings: IntArray,
        tiers: IntArray,
        first_requests: IntArray,
        keys: IntArray,
    ) -> tuple[Results, IntArray]:
        """One round by `cita.sim.allocate`: each entry ranked by `keys` (`KEY_BITS` random bits) under its
        tier (lottery phase) or its first-request day (reserve phase)."""
        self.draws += 1
        self.entries += len(groups)
        walk_of, table = self.walks(closed)
        capacity = [0] * len(self.slot_port)
        for slot, count in zip(slots, seats, strict=True):
            capacity[slot] = count
        started = perf_counter()
        placement = allocate(
            sizes=sizes,
            walks=walk_of[rankings],
            table=table,
            seats=capacity,
            reserve_percent=self.reserve_percent,
            reserve_rank=((first_requests + DAY_BIAS) << KEY_BITS) | keys,
            lottery_rank=(tiers << KEY_BITS) | keys,
            passed=self.size_priority,
        )
        self.seconds += perf_counter() - started
        chosen = groups[placement.entries].tolist()
        results = [
            (group, slot, "reserve" if order < placement.reserve else "lottery")
            for order, (group, slot) in enumerate(zip(chosen, placement.slots.tolist(), strict=True))
        ]
        passed: IntArray = groups[placement.passed_over]
        self.trace.append((len(groups), len(results)))
        return results, passed

    def lottery(
        self,
        *,
        today: int,
        draw_id: str,
        round_number: int,
        appointment_date: dt.date,
        slots: list[int],
        seats: list[int],
        lines: list[bytes],
    ) -> tuple[Results, IntArray]:
        """One round by `cita.lottery`, from entries.csv bytes, exactly as the application computes it."""
        self.draws += 1
        self.entries += len(lines)
        capacity = tuple(
            Capacity(port=self.slot_port[slot], slot=self.slot_name[slot], seats=count)
            for slot, count in zip(slots, seats, strict=True)
        )
        data = ENTRIES_HEADER + b"".join(lines)
        # Each round's seed is derived from the run's seed and the draw id: reproducible, and as unrelated
        # between draws as real seeds are.
        server_seed = hashlib.sha256(f"cita-sim|{self.seed}|{draw_id}".encode()).hexdigest()
        started = perf_counter()
        entries = entries_from_bytes(data, ports={c.port for c in capacity})
        manifest = Manifest(
            draw_id=draw_id,
            appointment_date=appointment_date,
            commitment=commitment_compute(server_seed),
            server_seed=server_seed,
            beacon=None,
            reserve_percent=self.reserve_percent,
            capacity=capacity,
            entries_sha256=entries.sha256,
        )
        allocation = draw_allocate(manifest=manifest, entries=entries)
        passed = np.zeros(0, dtype=np.int64)
        if self.size_priority:
            tickets = passed_over(manifest=manifest, entries=entries, results=allocation.results)
            passed = np.array(sorted(int(ticket[1:]) for ticket in tickets), dtype=np.int64)
        self.seconds += perf_counter() - started
        if self.observer is not None:
            observed = perf_counter()
            self.observer(
                DrawRecord(
                    day=today, round=round_number, manifest=manifest, entries=data, allocation=allocation
                )
            )
            self.observer_seconds += perf_counter() - observed
        results: Results = [
            (int(result.ticket[1:]), self.slot_of[(result.port, result.slot)], result.phase)
            for result in allocation.results
        ]
        self.trace.append((len(lines), len(results)))
        return results, passed
