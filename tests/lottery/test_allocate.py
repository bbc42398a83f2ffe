"""The allocation (draw-v1 §Algorithm 4–7), cross-checked against a naive transcription of the spec."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cita.lottery import (
    Beacon,
    BundleError,
    Capacity,
    Entry,
    Manifest,
    Result,
    draw_allocate,
    draw_compute,
    entries_from_bytes,
    entries_to_bytes,
    manifest_to_bytes,
    results_to_bytes,
)
from tests.lottery.builders import DAY, draws, entries_make, entry_make, manifest_make
from tests.lottery.naive import naive_results

CROSS_CHECK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def naive(manifest: Manifest, entries: list[Entry]) -> bytes:
    """results.csv according to the naive implementation."""
    return naive_results(manifest_to_bytes(manifest), entries_to_bytes(entries))


def real(manifest: Manifest, entries: list[Entry]) -> bytes:
    """results.csv according to cita.lottery."""
    return results_to_bytes(draw_compute(manifest=manifest, entries=entries))


def assert_properties(manifest: Manifest, entries: list[Entry], results: list[Result]) -> None:
    """The properties draw-v1 promises for every draw."""
    by_ticket = {entry.ticket: entry for entry in entries}
    tickets = [result.ticket for result in results]
    assert len(tickets) == len(set(tickets)), "an entry was selected twice (a group split)"
    assert [result.order for result in results] == list(range(1, len(results) + 1))
    phases = [result.phase for result in results]
    assert phases == sorted(phases, key=["reserve", "lottery"].index), "reserve results come first"
    used: Counter[tuple[str, str]] = Counter()
    reserve_used: Counter[tuple[str, str]] = Counter()
    for result in results:
        entry = by_ticket[result.ticket]
        assert result.port in entry.ports, "selected at a port it did not rank"
        used[result.port, result.slot] += entry.group_size
        if result.phase == "reserve":
            reserve_used[result.port, result.slot] += entry.group_size
    for slot in manifest.capacity:
        assert used[slot.port, slot.slot] <= slot.seats, "a slot holds more persons than its seats"
        reserve_share = slot.seats * manifest.reserve_percent // 100
        assert reserve_used[slot.port, slot.slot] <= reserve_share, "the reserve took more than its share"
    assert not set(used) - {(slot.port, slot.slot) for slot in manifest.capacity}
    lottery_tiers = [by_ticket[result.ticket].tier for result in results if result.phase == "lottery"]
    assert lottery_tiers == sorted(lottery_tiers), "a higher tier was served before a lower one"
    reserve_dates = [
        by_ticket[result.ticket].waiting_since for result in results if result.phase == "reserve"
    ]
    assert reserve_dates == sorted(reserve_dates), "the reserve served a later request before an earlier one"


@CROSS_CHECK
@given(draws())
def test_the_allocation_equals_a_naive_transcription_of_the_spec(draw: tuple[Manifest, list[Entry]]) -> None:
    manifest, entries = draw
    assert real(manifest, entries) == naive(manifest, entries)


@settings(max_examples=150, deadline=None)
@given(draws(), st.randoms(use_true_random=False))
def test_the_order_of_lines_in_entries_csv_changes_nothing(
    draw: tuple[Manifest, list[Entry]], rng: random.Random
) -> None:
    manifest, entries = draw
    header, *lines = entries_to_bytes(entries).decode().splitlines(keepends=True)
    rng.shuffle(lines)
    shuffled = (header + "".join(lines)).encode()
    parsed = entries_from_bytes(shuffled, ports={slot.port for slot in manifest.capacity})
    moved = dataclasses.replace(manifest, entries_sha256=hashlib.sha256(shuffled).hexdigest())
    assert draw_compute(manifest=moved, entries=parsed) == draw_compute(manifest=manifest, entries=entries)


@settings(max_examples=200, deadline=None)
@given(draws())
def test_every_draw_keeps_the_promised_properties(draw: tuple[Manifest, list[Entry]]) -> None:
    manifest, entries = draw
    assert_properties(manifest, entries, draw_compute(manifest=manifest, entries=entries))


def test_a_deep_walk_gives_the_same_result_as_walking_everything() -> None:
    # One seat that only an entry of a later tier can take: the walk goes through the whole first tier of
    # 400, past the point where popping the heap gives way to sorting the rest.
    capacity = (Capacity(port="SYS", slot="08:00", seats=3), Capacity(port="ELP", slot="08:00", seats=1))
    entries = entries_make(400, group_size=2, ports=("SYS", "ELP"))
    entries.append(entry_make("ZZZZ", group_size=1, tier=1, ports=("ELP",)))
    manifest = manifest_make(entries=entries, capacity=capacity, reserve_percent=0)
    assert real(manifest, entries) == naive(manifest, entries)
    assert b"ZZZZ,ELP,08:00,lottery,2\n" in real(manifest, entries)


def test_many_groups_in_one_phase_give_the_same_result_as_walking_everything() -> None:
    # Every tier and date its own group, most groups too large to fit: the phases visit dozens of groups.
    rng = random.Random(7)
    entries = [
        entry_make(
            f"E{number:04d}",
            group_size=rng.choice([1, 5, 9]),
            tier=number % 40,
            waiting_since=DAY + datetime.timedelta(days=number % 30),
            ports=rng.choice([("SYS",), ("ELP",), ("ELP", "SYS")]),
        )
        for number in range(300)
    ]
    for reserve_percent in (0, 50, 100):
        manifest = manifest_make(entries=entries, reserve_percent=reserve_percent)
        results = draw_compute(manifest=manifest, entries=entries)
        assert results_to_bytes(results) == naive(manifest, entries)
        assert_properties(manifest, entries, results)


def test_no_entries_select_nobody() -> None:
    manifest = manifest_make(entries=[])
    assert draw_compute(manifest=manifest, entries=[]) == []
    assert real(manifest, []) == b"ticket,port,slot,phase,order\n"


def test_a_single_entry_that_fits_is_selected_by_the_reserve() -> None:
    entries = [entry_make("SOLO", group_size=2, ports=("ELP", "SYS"))]
    capacity = (Capacity(port="SYS", slot="08:00", seats=10), Capacity(port="ELP", slot="08:00", seats=10))
    manifest = manifest_make(entries=entries, capacity=capacity, reserve_percent=20)
    assert draw_compute(manifest=manifest, entries=entries) == [
        Result(ticket="SOLO", port="ELP", slot="08:00", phase="reserve", order=1)
    ]


def test_a_group_larger_than_every_slot_is_never_selected() -> None:
    entries = [entry_make("HUGE", group_size=5), entry_make("TINY", group_size=1)]
    manifest = manifest_make(entries=entries, reserve_percent=100)
    assert [result.ticket for result in draw_compute(manifest=manifest, entries=entries)] == ["TINY"]


def test_ports_with_zero_seats_take_nobody() -> None:
    entries = entries_make(5, ports=("ELP",))
    capacity = (Capacity(port="SYS", slot="08:00", seats=9), Capacity(port="ELP", slot="08:00", seats=0))
    manifest = manifest_make(entries=entries, capacity=capacity)
    assert draw_compute(manifest=manifest, entries=entries) == []


def test_the_allocation_reports_the_seats_each_phase_used() -> None:
    entries = entries_make(12, group_size=1, ports=("SYS", "ELP"))
    manifest = manifest_make(entries=entries, reserve_percent=50)  # reserve 2 + 2 + 1 = 5 of 11 seats
    allocation = draw_allocate(manifest=manifest, entries=entries)
    assert (allocation.entries, allocation.seats, allocation.reserve_seats) == (12, 11, 5)
    assert (allocation.reserve_used, allocation.lottery_used, len(allocation.results)) == (5, 6, 11)


def test_a_manifest_without_a_revealed_seed_is_refused() -> None:
    manifest = manifest_make(entries=[], server_seed=None)
    with pytest.raises(BundleError, match=r"^manifest\.json, server_seed: is null"):
        draw_compute(manifest=manifest, entries=[])


def test_a_seed_that_does_not_match_the_commitment_is_refused() -> None:
    manifest = dataclasses.replace(manifest_make(entries=[]), server_seed="0" * 64)
    with pytest.raises(BundleError, match="server_seed: does not match commitment"):
        draw_compute(manifest=manifest, entries=[])


def test_entries_that_are_not_the_published_ones_are_refused() -> None:
    entries = entries_make(3)
    manifest = manifest_make(entries=entries[:2])
    with pytest.raises(
        BundleError, match=r"^entries\.csv: SHA-256 of entries\.csv is [0-9a-f]{64}, manifest"
    ):
        draw_compute(manifest=manifest, entries=entries)


def test_entries_read_for_another_capacity_are_refused() -> None:
    entries = entries_make(2, ports=("ELP",))
    data = entries_to_bytes(entries)
    parsed = entries_from_bytes(data, ports={"SYS", "ELP"})
    manifest = manifest_make(entries=data, capacity=(Capacity(port="SYS", slot="08:00", seats=1),))
    with pytest.raises(BundleError, match="entries rank port 'ELP', which has no capacity"):
        draw_compute(manifest=manifest, entries=parsed)


def test_invalid_in_memory_entries_are_refused_before_anything_is_computed() -> None:
    entries = [entry_make("GOOD"), entry_make("BAD!")]
    with pytest.raises(BundleError, match="ticket"):
        draw_compute(manifest=manifest_make(entries=[]), entries=entries)


def test_a_beacon_changes_the_draw() -> None:
    entries = entries_make(40)
    plain = manifest_make(entries=entries)
    beacon = dataclasses.replace(plain, beacon=Beacon(source="drand", round=1, value="00"))
    assert draw_compute(manifest=plain, entries=entries) != draw_compute(manifest=beacon, entries=entries)
