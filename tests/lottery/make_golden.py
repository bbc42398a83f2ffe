"""Writes the golden vectors under tests/lottery/golden/ once: `python -m tests.lottery.make_golden`.

Inputs are built from a fixed random generator; the expected results.csv comes from the naive
implementation (tests/lottery/naive.py), and cita.lottery must agree before anything is written. The files
are committed: test_golden.py then holds every future version to these exact bytes. Refuses to overwrite
an existing vector unless given --force (changing a vector means changing the contract).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import random
import sys
from pathlib import Path
from typing import Any

from cita.lottery import (
    Beacon,
    Capacity,
    Entry,
    draw_compute,
    entries_to_bytes,
    manifest_to_bytes,
    results_to_bytes,
)
from tests.lottery.builders import manifest_make
from tests.lottery.naive import naive_results

GOLDEN = Path(__file__).resolve().parent / "golden"
CAPACITY = (
    Capacity(port="SYS", slot="08:00", seats=5),
    Capacity(port="ELP", slot="08:00", seats=4),
    Capacity(port="SYS", slot="09:00", seats=5),
    Capacity(port="OTM", slot="08:00", seats=0),
    Capacity(port="ELP", slot="09:00", seats=4),
)
BEACON = Beacon(
    source="drand quicknet",
    round=15463410,
    value="93a4bf1fc2a0b09eb2e4f0a9fa4ef04e8e3b04d4a2f3ec7a1f0cbe1ba0e0a2b7",
)


def entries_random(count: int, *, seed: int, largest: int = 4) -> list[Entry]:
    """`count` varied entries: groups of 1 to `largest`, 3 tiers, 4 dates, 1 to 3 ranked ports."""
    rng = random.Random(seed)
    tickets = sorted({"".join(rng.choices("ABCDEFGHJKMNPQRSTVWXYZ0123456789", k=10)) for _ in range(count)})
    return [
        Entry(
            ticket=ticket,
            group_size=rng.randint(1, largest),
            tier=rng.choice([0, 1, 1, 2, 2, 2]),
            waiting_since=datetime.date(2026, 9, 28) + datetime.timedelta(days=rng.randint(0, 3)),
            ports=tuple(rng.sample(["SYS", "ELP", "OTM"], rng.randint(1, 3))),
        )
        for ticket in tickets
    ]


VECTORS: dict[str, dict[str, Any]] = {
    "no-beacon": {"entries": entries_random(30, seed=1), "reserve_percent": 20},
    "beacon": {"entries": entries_random(30, seed=1), "reserve_percent": 20, "beacon": BEACON},
    "reserve-0": {"entries": entries_random(30, seed=2), "reserve_percent": 0},
    "reserve-100": {"entries": entries_random(30, seed=3), "reserve_percent": 100},
    "group-too-large": {
        "entries": [
            *entries_random(12, seed=4),
            Entry(
                ticket="BIGGROUP01",
                group_size=6,
                tier=0,
                waiting_since=datetime.date(2026, 9, 1),
                ports=("SYS",),
            ),
            Entry(
                ticket="BIGGROUP02",
                group_size=9,
                tier=0,
                waiting_since=datetime.date(2026, 9, 2),
                ports=("ELP", "SYS"),
            ),
        ],
        "reserve_percent": 50,
    },
    "empty-entries": {"entries": [], "reserve_percent": 10},
}


def vector_write(name: str, *, entries: list[Entry], force: bool, **fields: Any) -> None:
    """Write one golden bundle, its results from the naive implementation."""
    directory = GOLDEN / name
    if directory.exists() and not force:
        print(f"{name}: exists, left alone")
        return
    seed = hashlib.sha256(f"cita golden vector {name}".encode()).hexdigest()
    data = entries_to_bytes(entries)
    manifest = manifest_make(entries=data, server_seed=seed, capacity=CAPACITY, **fields)
    results = naive_results(manifest_to_bytes(manifest), data)
    assert results_to_bytes(draw_compute(manifest=manifest, entries=entries)) == results, name
    manifest = dataclasses.replace(manifest, results_sha256=hashlib.sha256(results).hexdigest())
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_bytes(manifest_to_bytes(manifest))
    (directory / "entries.csv").write_bytes(data)
    (directory / "results.csv").write_bytes(results)
    selected = results.count(b"\n") - 1
    print(f"{name}: {len(entries)} entries, {selected} selected")


def main(argv: list[str]) -> int:
    """Write every vector that does not exist yet (all of them with --force)."""
    for name, fields in VECTORS.items():
        vector_write(name, force="--force" in argv, **fields)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
