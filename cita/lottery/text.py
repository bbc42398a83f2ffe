"""What every bundle file shares: UTF-8, LF line endings, no byte-order mark (draw-v1 §Bundle layout)."""

from __future__ import annotations

from cita.lottery.errors import BundleError

_BOM = b"\xef\xbb\xbf"


def text_decode(data: bytes, *, file: str) -> str:
    """The text of a bundle file, refusing a byte-order mark, bytes that are not UTF-8, and CR characters."""
    if data.startswith(_BOM):
        raise BundleError("starts with a UTF-8 byte-order mark; bundle files have none", file=file, line=1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BundleError(f"not UTF-8 (byte {data[exc.start]:#04x})", file=file, line=line) from None
    carriage_return = text.find("\r")
    if carriage_return >= 0:
        line = text.count("\n", 0, carriage_return) + 1
        raise BundleError("carriage return (CR) found; lines must end with LF only", file=file, line=line)
    return text
