"""Builders of draw-v1 manifests, entries and bundle directories for the lottery tests."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from cita.lottery import (
    Beacon,
    Capacity,
    Entry,
    Manifest,
    commitment_compute,
    entries_to_bytes,
    manifest_to_bytes,
    results_to_bytes,
)
from cita.lottery.allocate import draw_compute

SEED = "5eed" * 16
DAY = datetime.date(2026, 10, 1)
CAPACITY = (
    Capacity(port="SYS", slot="08:00", seats=4),
    Capacity(port="SYS", slot="09:00", seats=4),
    Capacity(port="ELP", slot="08:00", seats=3),
)


def entry_make(
    ticket: str,
    *,
    group_size: int = 1,
    tier: int = 0,
    waiting_since: datetime.date = DAY,
    ports: Sequence[str] = ("SYS",),
) -> Entry:
    """An entry with ordinary defaults."""
    return Entry(
        ticket=ticket, group_size=group_size, tier=tier, waiting_since=waiting_since, ports=tuple(ports)
    )


def entries_make(count: int, **fields: Any) -> list[Entry]:
    """`count` entries with tickets T0000, T0001, …"""
    return [entry_make(f"T{number:04d}", **fields) for number in range(count)]


def manifest_make(*, entries: bytes | Sequence[Entry] = b"", **fields: Any) -> Manifest:
    """A revealed manifest matching `entries` (given as entries.csv bytes or as entries)."""
    data = entries if isinstance(entries, bytes) else entries_to_bytes(entries)
    if not data:
        data = entries_to_bytes([])
    server_seed = fields.pop("server_seed", SEED)
    values: dict[str, Any] = {
        "draw_id": "2026-12-01",
        "appointment_date": datetime.date(2026, 12, 15),
        "commitment": commitment_compute(server_seed if server_seed is not None else SEED),
        "server_seed": server_seed,
        "beacon": None,
        "reserve_percent": 10,
        "capacity": CAPACITY,
        "entries_sha256": hashlib.sha256(data).hexdigest(),
    }
    values.update(fields)
    return Manifest(**values)


def seed_with(manifest: Manifest, server_seed: str) -> Manifest:
    """The same manifest with another (committed) seed."""
    return dataclasses.replace(manifest, server_seed=server_seed, commitment=commitment_compute(server_seed))


def bundle_write(
    directory: Path, *, manifest: Manifest | bytes, entries: bytes, results: bytes | None = None
) -> Path:
    """Write a bundle directory from its parts (a manifest as a value or as raw bytes)."""
    directory.mkdir(parents=True, exist_ok=True)
    data = manifest if isinstance(manifest, bytes) else manifest_to_bytes(manifest)
    (directory / "manifest.json").write_bytes(data)
    (directory / "entries.csv").write_bytes(entries)
    if results is not None:
        (directory / "results.csv").write_bytes(results)
    return directory


def bundle_published(directory: Path, *, entries: Sequence[Entry], **fields: Any) -> Path:
    """A complete published bundle (results.csv and results_sha256 included) of `entries`."""
    data = entries_to_bytes(entries)
    manifest = manifest_make(entries=data, **fields)
    results = results_to_bytes(draw_compute(manifest=manifest, entries=entries))
    manifest = dataclasses.replace(manifest, results_sha256=hashlib.sha256(results).hexdigest())
    return bundle_write(directory, manifest=manifest, entries=data, results=results)


PORT_NAMES = ("SYS", "ELP", "OTM", "NOG")
TICKETS = st.text(alphabet="ABCXYZ0129", min_size=4, max_size=6)


@st.composite
def draws(draw: st.DrawFn, *, max_entries: int = 30) -> tuple[Manifest, list[Entry]]:
    """A random valid, revealed draw: its manifest and its entries."""
    ports = list(PORT_NAMES[: draw(st.integers(1, len(PORT_NAMES)))])
    capacity = [
        Capacity(port=port, slot=f"{hour:02d}:00", seats=draw(st.integers(0, 8)))
        for port in ports
        for hour in range(8, 8 + draw(st.integers(1, 3)))
    ]
    capacity = draw(st.permutations(capacity))  # a port's slots interleaved with others' keep their order
    dates = st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2026, 1, 6))
    ranked = st.permutations(ports).flatmap(lambda order: st.integers(1, len(order)).map(lambda n: order[:n]))
    entry = st.builds(
        Entry,
        ticket=TICKETS,
        group_size=st.integers(1, 10),  # up to 10 persons: more than any slot (at most 8 seats) holds
        tier=st.integers(0, 5),
        waiting_since=dates,
        ports=ranked.map(tuple),
    )
    entries = draw(st.lists(entry, max_size=max_entries, unique_by=lambda entry: entry.ticket))
    beacon = st.builds(
        Beacon,
        source=st.just("drand quicknet"),
        round=st.integers(0, 10**9),
        value=st.binary(min_size=1, max_size=48).map(bytes.hex),
    )
    manifest = manifest_make(
        entries=entries,
        draw_id=draw(st.sampled_from(["2026-12-01", "2026-12-01-second-chance", "día 1"])),
        server_seed=draw(st.binary(min_size=32, max_size=32)).hex(),
        beacon=draw(st.none() | beacon),
        reserve_percent=draw(st.sampled_from([0, 10, 100]) | st.integers(0, 100)),
        capacity=tuple(capacity),
    )
    return manifest, entries
