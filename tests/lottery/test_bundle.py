"""Bundle directories: reading, and computing results into them (draw-v1 §Algorithm 1, 7)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cita.lottery import (
    BundleError,
    LotteryError,
    bundle_compute,
    bundle_read,
    entries_to_bytes,
    manifest_from_bytes,
    manifest_to_bytes,
)
from tests.lottery.builders import bundle_write, entries_make, manifest_make
from tests.lottery.naive import naive_results


def files(directory: Path) -> dict[str, bytes]:
    """Every file of a directory with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_compute_writes_results_and_their_hash(tmp_path: Path) -> None:
    entries = entries_to_bytes(entries_make(20, group_size=2, ports=("ELP", "SYS")))
    manifest = manifest_make(entries=entries)
    bundle_write(tmp_path, manifest=manifest, entries=entries)
    report = bundle_compute(tmp_path)
    results = (tmp_path / "results.csv").read_bytes()
    assert results == naive_results(manifest_to_bytes(manifest), entries)
    written = manifest_from_bytes((tmp_path / "manifest.json").read_bytes())
    assert written.results_sha256 == report.results_sha256 == hashlib.sha256(results).hexdigest()
    assert (report.entries, report.selected, report.seats, report.reserve_seats) == (20, 5, 11, 0)
    assert (report.reserve_used, report.lottery_used) == (0, 10)  # 10 % of 4 or 3 seats is no seat
    assert sorted(path.name for path in tmp_path.iterdir()) == ["entries.csv", "manifest.json", "results.csv"]


def test_compute_again_gives_the_same_bytes(tmp_path: Path) -> None:
    entries = entries_to_bytes(entries_make(20))
    bundle_write(tmp_path, manifest=manifest_make(entries=entries), entries=entries)
    bundle_compute(tmp_path)
    first = files(tmp_path)
    bundle_compute(tmp_path)
    assert files(tmp_path) == first


def test_compute_rewrites_a_manifest_in_the_canonical_layout(tmp_path: Path) -> None:
    entries = entries_to_bytes(entries_make(3))
    manifest = manifest_make(entries=entries)
    compact = json.dumps(json.loads(manifest_to_bytes(manifest)), separators=(",", ":")).encode()
    bundle_write(tmp_path, manifest=compact, entries=entries)
    bundle_compute(tmp_path)
    assert (tmp_path / "manifest.json").read_bytes().startswith(b'{\n  "format": "cita-draw-v1",\n')


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: (d / "entries.csv").write_bytes(b"ticket\n"), "entries.csv line 1: expected the header"),
        (lambda d: (d / "entries.csv").unlink(), "entries.csv: missing from "),
        (lambda d: (d / "manifest.json").write_bytes(b"{"), "manifest.json line 1: not valid JSON"),
        (
            lambda d: (d / "entries.csv").write_bytes(
                (d / "entries.csv").read_bytes() + b"ZZZZ,1,0,2026-10-01,SYS\n"
            ),
            "entries.csv: SHA-256 is ",
        ),
    ],
)
def test_compute_writes_nothing_from_an_invalid_bundle(tmp_path: Path, spoil: object, message: str) -> None:
    entries = entries_to_bytes(entries_make(3))
    bundle_write(tmp_path, manifest=manifest_make(entries=entries), entries=entries)
    spoil(tmp_path)  # type: ignore[operator]
    before = files(tmp_path)
    with pytest.raises(BundleError) as caught:
        bundle_compute(tmp_path)
    assert str(caught.value).startswith(message)
    assert files(tmp_path) == before


def test_compute_refuses_a_bundle_whose_seed_is_not_revealed(tmp_path: Path) -> None:
    entries = entries_to_bytes(entries_make(3))
    bundle_write(tmp_path, manifest=manifest_make(entries=entries, server_seed=None), entries=entries)
    assert bundle_read(tmp_path).manifest.server_seed is None  # a frozen bundle is valid
    with pytest.raises(BundleError, match="server_seed: is null"):
        bundle_compute(tmp_path)
    assert not (tmp_path / "results.csv").exists()


def test_a_directory_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"/nowhere: is not a bundle directory$"):
        bundle_read(tmp_path / "nowhere")


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    entries = entries_to_bytes(entries_make(3))
    bundle_write(tmp_path, manifest=manifest_make(entries=entries), entries=entries)
    (tmp_path / "entries.csv").unlink()
    (tmp_path / "entries.csv").mkdir()  # reading a directory fails even for root
    with pytest.raises(BundleError, match=r"^entries\.csv: cannot be read: Is a directory$"):
        bundle_read(tmp_path)


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    entries = entries_to_bytes(entries_make(3))
    bundle_write(tmp_path, manifest=manifest_make(entries=entries), entries=entries)
    (tmp_path / "results.csv").mkdir()  # a rename onto a directory fails even for root
    before = sorted(path.name for path in tmp_path.iterdir())
    with pytest.raises(LotteryError, match=r"^results\.csv: cannot be written: Is a directory$"):
        bundle_compute(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == before
    assert manifest_from_bytes((tmp_path / "manifest.json").read_bytes()).results_sha256 is None
