"""SMS encoding and segments (3GPP TS 23.038): GSM-7 when every character is in its alphabet, else UCS-2.

One GSM-7 SMS holds 160 septets (153 per part when concatenated); characters of the extension table cost
two. One UCS-2 SMS holds 70 UTF-16 units (67 per part). A single accented letter outside GSM-7 (á, í, ó,
ú, ç, ê, ã …) switches the whole text to UCS-2 and cuts its room by more than half, so `sms_prepare`
folds such letters to their closest GSM-7 form when that saves a segment (common practice of SMS
providers; the email and the in-app inbox keep every accent).
"""

from __future__ import annotations

import unicodedata

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

# Letters outside GSM-7 with a natural replacement inside it (before falling back to stripping accents).
_FOLD = {
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
}


def is_gsm(text: str) -> bool:
    """True when every character of `text` has a GSM-7 code."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def septets(text: str) -> int:
    """Length of `text` in GSM-7 septets (extension characters count two)."""
    return sum(2 if ch in GSM_EXTENSION else 1 for ch in text)


def ucs2_units(text: str) -> int:
    """Length of `text` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS parts `text` takes."""
    if is_gsm(text):
        length, single, part = septets(text), 160, 153
    else:
        length, single, part = ucs2_units(text), 70, 67
    if length <= single:
        return 1
    return -(-length // part)


def gsm_fold(text: str) -> str:
    """`text` with every character outside GSM-7 replaced by its closest GSM-7 form (or `?`)."""
    out: list[str] = []
    for ch in text:
        if ch in GSM_BASIC or ch in GSM_EXTENSION:
            out.append(ch)
            continue
        if ch in _FOLD:
            out.append(_FOLD[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(c in GSM_BASIC for c in base) else "?")
    return "".join(out)


def sms_prepare(text: str) -> str:
    """The text to send: as written when that costs no more segments than its GSM-7 folding."""
    if is_gsm(text):
        return text
    folded = gsm_fold(text)
    return text if segments(text) <= segments(folded) else folded
