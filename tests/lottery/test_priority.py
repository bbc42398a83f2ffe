"""`passed_over`: the entries a draw passed over for the size of their group, named from the bundle alone."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from cita.lottery import BundleError, Capacity, draw_compute, entries_from_bytes, entries_to_bytes
from cita.lottery.priority import passed_over
from tests.lottery.builders import entry_make, manifest_make

OLD = datetime.date(2026, 9, 1)
NEW = datetime.date(2026, 9, 20)
NEWEST = datetime.date(2026, 9, 25)


def examine(entries, *, capacity, reserve_percent=0):
    """(tickets selected in allocation order, tickets passed over)."""
    data = entries_to_bytes(entries)
    manifest = manifest_make(entries=data, capacity=capacity, reserve_percent=reserve_percent)
    read = entries_from_bytes(data, ports={slot.port for slot in capacity})
    results = draw_compute(manifest=manifest, entries=read)
    return [r.ticket for r in results], passed_over(manifest=manifest, entries=read, results=results)


def test_a_family_skipped_for_a_smaller_group_after_it_is_passed_over_and_a_single_never_is():
    # One slot of 5 seats, no reserve; tiers fix the lottery order: M (3 persons) takes 3 seats, N (3) does
    # not fit in the 2 left, C (2) after it does; D (1) comes when nothing is left, and E ranks only a port
    # where nobody was placed.
    capacity = (Capacity(port="SYS", slot="08:00", seats=5), Capacity(port="ELP", slot="08:00", seats=0))
    # (Tickets are not in the order of the draw: entries.csv lists them by ticket.)
    entries = [
        entry_make("MMMM", group_size=3, tier=0),
        entry_make("NNNN", group_size=3, tier=1),
        entry_make("CCCC", group_size=2, tier=2),
        entry_make("DDDD", group_size=1, tier=3),
        entry_make("EEEE", group_size=3, tier=1, ports=("ELP",)),
    ]
    selected, passed = examine(entries, capacity=capacity)
    assert selected == ["MMMM", "CCCC"]
    assert passed == {"NNNN"}


def test_a_group_placed_at_another_of_its_ports_is_not_passed_over():
    # B does not fit at SYS after A, but its second port has room: selected, so not passed over.
    capacity = (Capacity(port="SYS", slot="08:00", seats=4), Capacity(port="ELP", slot="08:00", seats=3))
    entries = [
        entry_make("AAAA", group_size=3, tier=0),
        entry_make("BBBB", group_size=3, tier=1, ports=("SYS", "ELP")),
        entry_make("CCCC", group_size=1, tier=2),
    ]
    selected, passed = examine(entries, capacity=capacity)
    assert selected == ["AAAA", "BBBB", "CCCC"]
    assert passed == frozenset()


def test_the_oldest_family_that_the_reserve_could_not_hold_is_passed_over():
    # A slot of 4 seats keeps 2 for the reserve (50 %). The reserve walks by age: X (3 persons, oldest) does
    # not fit in 2, Y (2, younger) does, W (youngest) finds the reserve full. In the lottery phase W (tier 0)
    # takes the last 2 seats before X's turn, so nobody after X got a seat there in that phase, but in the
    # reserve phase Y did.
    capacity = (Capacity(port="SYS", slot="08:00", seats=4),)
    entries = [
        entry_make("XXXX", group_size=3, tier=1, waiting_since=OLD),
        entry_make("YYYY", group_size=2, tier=1, waiting_since=NEW),
        entry_make("WWWW", group_size=2, tier=0, waiting_since=NEWEST),
    ]
    selected, passed = examine(entries, capacity=capacity, reserve_percent=50)
    assert selected == ["YYYY", "WWWW"]
    assert passed == {"XXXX"}


def test_with_nothing_selected_nobody_is_passed_over():
    capacity = (Capacity(port="SYS", slot="08:00", seats=2),)
    selected, passed = examine([entry_make("AAAA", group_size=3)], capacity=capacity)
    assert selected == []
    assert passed == frozenset()


def test_a_draw_whose_seed_is_not_revealed_cannot_be_examined():
    entries = [entry_make("AAAA")]
    data = entries_to_bytes(entries)
    manifest = dataclasses.replace(manifest_make(entries=data), server_seed=None)
    read = entries_from_bytes(data, ports={"SYS", "ELP"})
    with pytest.raises(BundleError, match="server_seed: is null"):
        passed_over(manifest=manifest, entries=read, results=[])
