"""Crockford's base-32 alphabet, for codes people read aloud or copy by hand: digits and capitals without
I, L, O and U. Tickets (issue 15, item 9) and short pass codes use it; both are typed back the same way."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford's decoding rule: the look-alikes read as the digits they resemble.
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def typed(text: str) -> str:
    """A code as typed by hand, in capitals, without spaces or dashes (look-alikes left as they are)."""
    return "".join(text.split()).replace("-", "").upper()
