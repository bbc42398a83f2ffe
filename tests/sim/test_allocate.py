"""The fast draws' allocation is draw-v1's: given the ranks the HMAC draw keys make, `cita.sim.allocate`
selects the same entries, in the same order, slots and phases as `cita.lottery`, and passes over the same
entries as `cita.lottery.passed_over`."""

from __future__ import annotations

import datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cita.lottery import (
    Capacity,
    Entry,
    Manifest,
    draw_allocate,
    draw_keys_compute,
    entries_from_bytes,
    key_derive,
)
from cita.lottery import entries_to_bytes as to_bytes
from cita.lottery.priority import passed_over
from cita.sim.allocate import Walks, allocate
from tests.lottery.builders import draws, manifest_make


def ranks(manifest: Manifest, entries: list[Entry]) -> tuple[np.ndarray, np.ndarray]:
    """Each entry's place in the reserve order and in the lottery order (draw-v1 §Algorithm 5–6)."""
    assert manifest.server_seed is not None
    key = key_derive(server_seed=manifest.server_seed, beacon=manifest.beacon)
    keys = draw_keys_compute(
        key=key, draw_id=manifest.draw_id, tickets=[entry.ticket.encode() for entry in entries]
    )
    numbers = range(len(entries))
    by_age = sorted(numbers, key=lambda i: (entries[i].waiting_since, keys[i], entries[i].ticket))
    by_tier = sorted(numbers, key=lambda i: (entries[i].tier, keys[i], entries[i].ticket))
    reserve = np.empty(len(entries), dtype=np.int64)
    lottery = np.empty(len(entries), dtype=np.int64)
    reserve[by_age] = np.arange(len(entries))
    lottery[by_tier] = np.arange(len(entries))
    return reserve, lottery


def fast(manifest: Manifest, entries: list[Entry], *, shuffle_ranks: bool = False):
    """The fast allocation of the same draw: (results as tuples, passed-over tickets)."""
    capacity = manifest.capacity
    ports = sorted({slot.port for slot in capacity})
    port_number = {port: number for number, port in enumerate(ports)}
    walk_id: dict[tuple[str, ...], int] = {}
    walks: list[tuple[int, ...]] = []
    for entry in entries:
        if entry.ports not in walk_id:
            walk_id[entry.ports] = len(walks)
            walks.append(
                tuple(number for port in entry.ports for number, c in enumerate(capacity) if c.port == port)
            )
    table = Walks(
        walks=walks,
        slot_count=len(capacity),
        slot_port=[port_number[c.port] for c in capacity],
        port_count=len(ports),
    )
    reserve, lottery = ranks(manifest, entries)
    if shuffle_ranks:
        # Only the order matters: any increasing map of the ranks gives the same allocation.
        reserve, lottery = reserve * 7 + 3, lottery * 1_000_003
    placement = allocate(
        sizes=np.array([entry.group_size for entry in entries], dtype=np.int64),
        walks=np.array([walk_id[entry.ports] for entry in entries], dtype=np.int64),
        table=table,
        seats=[slot.seats for slot in capacity],
        reserve_percent=manifest.reserve_percent,
        reserve_rank=reserve,
        lottery_rank=lottery,
        passed=True,
    )
    results = [
        (
            entries[entry].ticket,
            capacity[slot].port,
            capacity[slot].slot,
            "reserve" if order < placement.reserve else "lottery",
        )
        for order, (entry, slot) in enumerate(
            zip(placement.entries.tolist(), placement.slots.tolist(), strict=True)
        )
    ]
    return results, {entries[i].ticket for i in placement.passed_over.tolist()}


def lottery_results(manifest: Manifest, entries: list[Entry]):
    data = to_bytes(entries)
    read = entries_from_bytes(data, ports={slot.port for slot in manifest.capacity})
    allocation = draw_allocate(manifest=manifest, entries=read)
    results = [(r.ticket, r.port, r.slot, r.phase) for r in allocation.results]
    return results, set(passed_over(manifest=manifest, entries=read, results=allocation.results)), read


@settings(max_examples=300, deadline=None)
@given(draws(max_entries=40), st.booleans())
def test_the_fast_allocation_is_the_lotterys_given_the_same_order(draw, shuffle):
    manifest, entries = draw
    entries = sorted(entries, key=lambda entry: entry.ticket)  # entries.csv order: numbers are lines
    expected, expected_passed, _ = lottery_results(manifest, entries)
    results, passed = fast(manifest, entries, shuffle_ranks=shuffle)
    assert results == expected
    assert passed == expected_passed


def test_a_large_draw_with_a_deep_walk_is_the_lotterys_too():
    # 3,000 entries over 3 ports of 4 slots, most groups ranking the busy port first: the walk goes through
    # many chunks, and the quiet port's last seats are taken by groups far down the order.
    rng = np.random.default_rng(5)
    capacity = tuple(
        Capacity(port=port, slot=f"{8 + hour:02d}:00", seats=seats)
        for port, seats in (("SYS", 37), ("NOG", 13), ("DCL", 9))
        for hour in range(4)
    )
    rankings = [("SYS",), ("SYS", "NOG"), ("NOG",), ("SYS", "NOG", "DCL"), ("DCL", "SYS")]
    entries = [
        Entry(
            ticket=f"G{number:09d}",
            group_size=int(rng.choice([1, 2, 3, 4, 5, 6], p=[0.3, 0.25, 0.2, 0.12, 0.08, 0.05])),
            tier=int(rng.random() < 0.05) ^ 1,
            waiting_since=datetime.date(2026, 10, 1) + datetime.timedelta(days=int(rng.integers(0, 40))),
            ports=rankings[int(rng.choice(5, p=[0.5, 0.2, 0.1, 0.15, 0.05]))],
        )
        for number in range(3000)
    ]
    manifest = manifest_make(entries=entries, capacity=capacity, reserve_percent=10)
    expected, expected_passed, _ = lottery_results(manifest, entries)
    results, passed = fast(manifest, entries)
    assert len(results) > 60
    assert results == expected
    assert passed == expected_passed
    assert len(passed) > 10
