"""Verifying a published bundle: recompute it and compare, byte for byte, with what was published."""

from __future__ import annotations

import hashlib
from itertools import zip_longest

from cita.lottery.allocate import draw_allocate
from cita.lottery.bundle import DrawReport, StrPath, bundle_file_read, bundle_read, draw_report
from cita.lottery.errors import BundleError, VerifyError
from cita.lottery.model import MANIFEST_FILE, RESULTS_FILE
from cita.lottery.results import results_to_bytes


def bundle_verify(path: StrPath) -> DrawReport:
    """Recompute a published bundle; raise `VerifyError` naming the first line that differs, if any does."""
    bundle = bundle_read(path)
    manifest = bundle.manifest
    if manifest.results_sha256 is None:
        raise BundleError("missing: no results were published", file=MANIFEST_FILE, field="results_sha256")
    published = bundle_file_read(path, name=RESULTS_FILE)
    allocation = draw_allocate(manifest=manifest, entries=bundle.entries)
    results_compare(expected=results_to_bytes(allocation.results), published=published)
    digest = hashlib.sha256(published).hexdigest()
    if digest != manifest.results_sha256:
        raise VerifyError(
            f"results_sha256 is {manifest.results_sha256}, but results.csv (which is right) hashes to "
            f"{digest}",
            file=MANIFEST_FILE,
        )
    return draw_report(draw_id=manifest.draw_id, allocation=allocation, results_sha256=digest)


def results_compare(*, expected: bytes, published: bytes) -> None:
    """Raise `VerifyError` naming the first line where the published results.csv differs from `expected`."""
    if expected == published:
        return
    wanted = expected.split(b"\n")
    found = published.split(b"\n")
    for number, (want, got) in enumerate(zip_longest(wanted, found), start=1):
        if got is None and not want:
            raise VerifyError("no newline at the end of the last line", file=RESULTS_FILE, line=number - 1)
        if want != got:
            raise VerifyError(
                f"expected {_line_show(wanted, number)}, found {_line_show(found, number)}",
                file=RESULTS_FILE,
                line=number,
            )
    raise AssertionError("unequal files with no unequal line")  # pragma: no cover


def _line_show(lines: list[bytes], number: int) -> str:
    """Line `number` of a file split on LF, as a person should read it."""
    if number > len(lines):
        return "the end of the file"
    if number == len(lines):
        # The piece after the last LF: empty when the file ends properly, else a last line without newline.
        return "the end of the file" if not lines[-1] else f"{_quote(lines[-1])} with no final newline"
    return _quote(lines[number - 1])


def _quote(line: bytes) -> str:
    """A line in quotes, any byte that is not printable ASCII (a CR, say) shown as an escape."""
    return repr(line)[1:]  # the repr of bytes without its b prefix
