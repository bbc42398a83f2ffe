"""results.csv: one canonical way of writing it (draw-v1 §Bundle layout, §Algorithm 7)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from cita.lottery.errors import BundleError
from cita.lottery.manifest import LABEL
from cita.lottery.model import RESULTS_FILE, RESULTS_HEADER, Result

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
