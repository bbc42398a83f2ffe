"""Fairness: among equal entries, every entry is selected equally often."""

from __future__ import annotations

import hashlib
import math
from collections import Counter

import pytest

from cita.lottery import Capacity, draw_compute, entries_from_bytes, entries_to_bytes
from tests.lottery.builders import entries_make, manifest_make, seed_with

DRAWS = 10_000
ENTRIES = 20
SEATS = 5


@pytest.mark.slow
def test_equal_entries_are_selected_at_equal_rates() -> None:
    # 20 entries of one person, same tier and date, one port with 5 seats, no reserve: each entry's chance is
    # p = 5/20 in every draw. Over 10,000 draws each entry's selection rate must lie within 4 standard
    # deviations, sd = sqrt(p(1-p)/n), of p: 2,327 to 2,673 selections of a mean of 2,500.
    #
    # False alarms: for one entry, the exact binomial tails give P(count ≤ 2,326) = 2.71e-5 and
    # P(count ≥ 2,674) = 3.46e-5, together 6.17e-5 (the normal approximation says 6.33e-5); by the union
    # bound, some of the 20 entries falls outside with probability at most 1.23e-3 for a fair draw. The seeds
    # are fixed (SHA-256 of the draw number), so the outcome is the same on every run: it cannot flake.
    data = entries_to_bytes(entries_make(ENTRIES))
    entries = entries_from_bytes(data, ports={"SYS"})
    manifest = manifest_make(
        entries=data, capacity=(Capacity(port="SYS", slot="08:00", seats=SEATS),), reserve_percent=0
    )
    selected: Counter[str] = Counter()
    for number in range(DRAWS):
        seed = hashlib.sha256(f"fairness {number}".encode()).hexdigest()
        results = draw_compute(manifest=seed_with(manifest, seed), entries=entries)
        assert len(results) == SEATS
        selected.update(result.ticket for result in results)
    p = SEATS / ENTRIES
    bound = 4 * math.sqrt(p * (1 - p) / DRAWS)
    rates = {entry.ticket: selected[entry.ticket] / DRAWS for entry in entries}
    assert all(abs(rate - p) <= bound for rate in rates.values()), rates
