"""Golden vectors: committed bundles whose results any change of the draw must keep, byte for byte.

They were written once by make_golden.py, with results from the naive implementation; an implementation
in another language can check itself against the same files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cita.lottery import (
    bundle_read,
    bundle_verify,
    draw_compute,
    entries_to_bytes,
    manifest_from_bytes,
    manifest_to_bytes,
    results_to_bytes,
)
from tests.lottery.naive import naive_results

GOLDEN = Path(__file__).resolve().parent / "golden"
NAMES = ["beacon", "empty-entries", "group-too-large", "no-beacon", "reserve-0", "reserve-100"]


def test_every_golden_vector_is_tested() -> None:
    assert sorted(path.name for path in GOLDEN.iterdir() if path.is_dir()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_the_draw_gives_the_committed_results_byte_for_byte(name: str) -> None:
    directory = GOLDEN / name
    bundle = bundle_read(directory)
    expected = (directory / "results.csv").read_bytes()
    assert results_to_bytes(draw_compute(manifest=bundle.manifest, entries=bundle.entries)) == expected
    assert naive_results(
        (directory / "manifest.json").read_bytes(), (directory / "entries.csv").read_bytes()
    ) == (expected)
    bundle_verify(directory)


@pytest.mark.parametrize("name", NAMES)
def test_cita_writes_the_committed_manifest_and_entries_byte_for_byte(name: str) -> None:
    directory = GOLDEN / name
    manifest = (directory / "manifest.json").read_bytes()
    assert manifest_to_bytes(manifest_from_bytes(manifest)) == manifest
    assert entries_to_bytes(bundle_read(directory).entries) == (directory / "entries.csv").read_bytes()


def test_the_vectors_cover_what_they_are_named_for() -> None:
    manifests = {name: manifest_from_bytes((GOLDEN / name / "manifest.json").read_bytes()) for name in NAMES}
    assert manifests["beacon"].beacon is not None
    assert manifests["no-beacon"].beacon is None
    assert (manifests["reserve-0"].reserve_percent, manifests["reserve-100"].reserve_percent) == (0, 100)
    assert (GOLDEN / "empty-entries" / "results.csv").read_bytes() == b"ticket,port,slot,phase,order\n"
    largest = max(slot.seats for slot in manifests["group-too-large"].capacity)
    big = [entry for entry in bundle_read(GOLDEN / "group-too-large").entries if entry.group_size > largest]
    assert big
    assert not any(
        entry.ticket.encode() in (GOLDEN / "group-too-large" / "results.csv").read_bytes() for entry in big
    )
    for name in ("no-beacon", "beacon", "reserve-100", "group-too-large"):
        results = (GOLDEN / name / "results.csv").read_bytes()
        assert b",reserve," in results, name
    assert b",reserve," not in (GOLDEN / "reserve-0" / "results.csv").read_bytes()
