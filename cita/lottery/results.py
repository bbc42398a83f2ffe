"""results.csv: one canonical way of writing it (draw-v1 §Bundle layout, §Algorithm 7)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import cast

from cita.lottery.errors import BundleError
from cita.lottery.manifest import LABEL
from cita.lottery.model import RESULTS_FILE, RESULTS_HEADER, Phase, Result

_TICKET = re.compile(r"[A-Z0-9]{4,32}")
_PHASES = ("reserve", "lottery")


def results_to_bytes(results: Iterable[Result]) -> bytes:
    """results.csv bytes: the header, then one line per result in the order given (allocation order)."""
    lines = [RESULTS_HEADER + "\n"]
    for result in results:
        if not (
            isinstance(result.ticket, str)
            and _TICKET.fullmatch(result.ticket)
            and isinstance(result.port, str)
            and LABEL.fullmatch(result.port)
            and isinstance(result.slot, str)
            and LABEL.fullmatch(result.slot)
            and result.phase in _PHASES
            and isinstance(result.order, int)
            and not isinstance(result.order, bool)
            and result.order >= 1
        ):
            raise BundleError(f"not a result draw-v1 can write: {result!r}", file=RESULTS_FILE)
        lines.append(f"{result.ticket},{result.port},{result.slot},{result.phase},{result.order}\n")
    return "".join(lines).encode("ascii")


def results_from_bytes(data: bytes) -> list[Result]:
    """Read results.csv bytes back (allocation order). Only what `results_to_bytes` writes is accepted:
    the file must be exactly the bytes its results write again."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise BundleError("is not ASCII text", file=RESULTS_FILE) from exc
    lines = text.split("\n")
    if lines[0] != RESULTS_HEADER or lines[-1] != "":
        raise BundleError(f"must begin with {RESULTS_HEADER!r} and end with a newline", file=RESULTS_FILE)
    results = []
    for number, line in enumerate(lines[1:-1], start=2):
        fields = line.split(",")
        if len(fields) != 5 or fields[3] not in _PHASES or not fields[4].isdigit():
            raise BundleError(f"not a result line: {line!r}", file=RESULTS_FILE, line=number)
        ticket, port, slot, phase, order = fields
        results.append(
            Result(ticket=ticket, port=port, slot=slot, phase=cast(Phase, phase), order=int(order))
        )
    if results_to_bytes(results) != data:
        raise BundleError("is not written the one way draw-v1 writes it", file=RESULTS_FILE)
    return results
