"""Bundle directories: reading one whole, and computing its results into it (draw-v1 §Bundle layout)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from cita.lottery.allocate import Allocation, draw_allocate
from cita.lottery.entries import entries_from_bytes
from cita.lottery.errors import BundleError, LotteryError
from cita.lottery.manifest import manifest_from_bytes, manifest_to_bytes
from cita.lottery.model import ENTRIES_FILE, MANIFEST_FILE, RESULTS_FILE, Entries, Manifest
from cita.lottery.results import results_to_bytes

StrPath = str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class Bundle:
    """A checked bundle: its manifest and entries (the seed may still be unrevealed)."""

    manifest: Manifest
    entries: Entries


@dataclass(frozen=True, slots=True)
class DrawReport:
    """What one computed or verified draw amounts to, for a one-line summary."""

    draw_id: str
    entries: int
    selected: int
    seats: int
    reserve_seats: int
    reserve_used: int
    lottery_used: int
    results_sha256: str


def bundle_read(path: StrPath) -> Bundle:
    """Read and check a bundle directory: every file's format and the entries hash (draw-v1 §Algorithm 1)."""
    manifest = manifest_from_bytes(bundle_file_read(path, name=MANIFEST_FILE))
    entries = entries_from_bytes(
        bundle_file_read(path, name=ENTRIES_FILE), ports={slot.port for slot in manifest.capacity}
    )
    # draw-v1 §Algorithm 1: entries.csv must be the file whose hash was published at freeze.
    if entries.sha256 != manifest.entries_sha256:
        raise BundleError(
            f"SHA-256 is {entries.sha256}, but manifest.json entries_sha256 says {manifest.entries_sha256}",
            file=ENTRIES_FILE,
        )
    return Bundle(manifest=manifest, entries=entries)


def bundle_compute(path: StrPath) -> DrawReport:
    """Check a revealed bundle, write its results.csv and set results_sha256 in its manifest.json.

    Nothing is written unless the bundle is valid; each file is replaced whole, never left half-written.
    """
    bundle = bundle_read(path)
    allocation = draw_allocate(manifest=bundle.manifest, entries=bundle.entries)
    results = results_to_bytes(allocation.results)
    digest = hashlib.sha256(results).hexdigest()
    manifest = manifest_to_bytes(replace(bundle.manifest, results_sha256=digest))
    # results.csv first: a crash in between leaves a manifest whose results_sha256 does not match, which
    # `bundle_verify` reports, never a manifest vouching for results that were not written.
    _file_replace(Path(path, RESULTS_FILE), results)
    _file_replace(Path(path, MANIFEST_FILE), manifest)
    return draw_report(draw_id=bundle.manifest.draw_id, allocation=allocation, results_sha256=digest)


def draw_report(*, draw_id: str, allocation: Allocation, results_sha256: str) -> DrawReport:
    """The summary of an allocation."""
    return DrawReport(
        draw_id=draw_id,
        entries=allocation.entries,
        selected=len(allocation.results),
        seats=allocation.seats,
        reserve_seats=allocation.reserve_seats,
        reserve_used=allocation.reserve_used,
        lottery_used=allocation.lottery_used,
        results_sha256=results_sha256,
    )


def bundle_file_read(path: StrPath, *, name: str) -> bytes:
    """The bytes of one file of a bundle directory; a missing or unreadable file is a `BundleError`."""
    if not Path(path).is_dir():
        raise BundleError("is not a bundle directory", file=os.fspath(path))
    try:
        return Path(path, name).read_bytes()
    except FileNotFoundError:
        raise BundleError(f"missing from {os.fspath(path)}", file=name) from None
    except OSError as exc:
        raise BundleError(f"cannot be read: {exc.strerror}", file=name) from None


def _file_replace(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file in the same directory and an atomic rename."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise LotteryError(f"{target.name}: cannot be written: {exc.strerror}") from None
