"""Verifying a published bundle: recompute and compare byte for byte, naming the first differing line."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from cita.lottery import (
    BundleError,
    LotteryError,
    VerifyError,
    bundle_verify,
    manifest_from_bytes,
    manifest_to_bytes,
    results_compare,
)
from tests.lottery.builders import bundle_published, entries_make, entry_make


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A published bundle: 11 of 13 entries selected, some in each phase."""
    entries = entries_make(12, group_size=1, ports=("SYS", "ELP"))
    entries.append(entry_make("LATE", group_size=2, tier=1, ports=("ELP",)))
    return bundle_published(tmp_path / "bundle", entries=entries, reserve_percent=50)


def test_a_published_bundle_verifies(bundle: Path) -> None:
    report = bundle_verify(bundle)
    results = (bundle / "results.csv").read_bytes()
    assert report.results_sha256 == hashlib.sha256(results).hexdigest()
    assert (report.entries, report.selected, report.reserve_used, report.lottery_used) == (13, 11, 5, 6)
    assert results.count(b"\n") == 12


def test_a_changed_result_line_is_named(bundle: Path) -> None:
    path = bundle / "results.csv"
    lines = path.read_bytes().split(b"\n")
    original = lines[3].decode()
    lines[3] = lines[3].replace(b"SYS", b"ELP") if b"SYS" in lines[3] else lines[3].replace(b"ELP", b"SYS")
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(VerifyError) as caught:
        bundle_verify(bundle)
    assert str(caught.value) == f"results.csv line 4: expected {original!r}, found {lines[3].decode()!r}"
    assert original.endswith(",reserve,3")
    assert caught.value.line == 4


def _results(bundle: Path) -> bytes:
    return (bundle / "results.csv").read_bytes()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data[:-1], r"^results\.csv line {last}: no newline at the end of the last line$"),
        (
            lambda data: data.rsplit(b"\n", 2)[0] + b"\n",
            r"^results\.csv line {last}: expected '.*', found the end of the file$",
        ),
        (
            lambda data: data + b"ZZZZ,SYS,08:00,lottery,8\n",
            r"line {after}: expected the end of the file, found 'ZZ",
        ),
        (
            lambda data: data + b"ZZZZ",
            r"line {after}: expected the end of the file, found 'ZZZZ' with no final new",
        ),
        (
            lambda data: data.replace(b"\n", b"\r\n"),
            r"line 1: expected 'ticket,port,slot,phase,order', found '.*\\r'$",
        ),
        (lambda data: data.split(b"\n", 1)[0], r"line 2: expected '.*', found the end of the file$"),
        (lambda data: b"", r"line 1: expected 'ticket,port,slot,phase,order', found the end of the file$"),
        (
            lambda data: data.replace(b"reserve", b"r\xe9serve", 1),
            r"line 2: expected '.*', found '.*,r\\xe9serve,1'$",
        ),
    ],
)
def test_the_first_differing_line_is_named(bundle: Path, change: object, message: str) -> None:
    path = bundle / "results.csv"
    last = path.read_bytes().count(b"\n")  # the number of the last line
    path.write_bytes(change(path.read_bytes()))  # type: ignore[operator]
    with pytest.raises(VerifyError, match=message.format(last=last, after=last + 1)):
        bundle_verify(bundle)


def test_a_wrong_results_hash_is_named(bundle: Path) -> None:
    path = bundle / "manifest.json"
    manifest = manifest_from_bytes(path.read_bytes())
    path.write_bytes(manifest_to_bytes(dataclasses.replace(manifest, results_sha256="0" * 64)))
    with pytest.raises(
        VerifyError, match=r"^manifest\.json: results_sha256 is 0{64}, but results\.csv \(which is"
    ):
        bundle_verify(bundle)


def test_a_bundle_without_published_results_cannot_be_verified(bundle: Path) -> None:
    path = bundle / "manifest.json"
    manifest = manifest_from_bytes(path.read_bytes())
    path.write_bytes(manifest_to_bytes(dataclasses.replace(manifest, results_sha256=None)))
    with pytest.raises(
        BundleError, match=r"^manifest\.json, results_sha256: missing: no results were published$"
    ):
        bundle_verify(bundle)
    (bundle / "results.csv").unlink()
    path.write_bytes(manifest_to_bytes(manifest))
    with pytest.raises(BundleError, match=r"^results\.csv: missing from "):
        bundle_verify(bundle)


def _flips(data: bytes, start: int = 0, end: int | None = None) -> list[bytes]:
    """`data` with each byte in [start, end) replaced by another printable byte, one at a time."""
    end = len(data) if end is None else end
    variants = []
    for position in range(start, end):
        other = b"1" if data[position : position + 1] != b"1" else b"2"
        variants.append(data[:position] + other + data[position + 1 :])
    return variants


def test_any_changed_byte_of_the_seed_entries_or_results_is_caught(bundle: Path) -> None:
    originals = {
        name: (bundle / name).read_bytes() for name in ("manifest.json", "entries.csv", "results.csv")
    }
    manifest = originals["manifest.json"]
    seed_at = manifest.index(b'"server_seed": "') + len(b'"server_seed": "')
    cases = [("manifest.json", variant) for variant in _flips(manifest, seed_at, seed_at + 64)]
    cases += [("entries.csv", variant) for variant in _flips(originals["entries.csv"])]
    cases += [("results.csv", variant) for variant in _flips(originals["results.csv"])]
    assert len(cases) > 500
    for name, variant in cases:
        (bundle / name).write_bytes(variant)
        with pytest.raises(LotteryError):
            bundle_verify(bundle)
        (bundle / name).write_bytes(originals[name])
    bundle_verify(bundle)


def test_equal_results_compare_equal() -> None:
    results_compare(expected=b"a\nb\n", published=b"a\nb\n")
