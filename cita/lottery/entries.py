"""entries.csv: strict, fast reading into columns, and canonical writing (draw-v1 §Bundle layout)."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable, Collection, Iterable
from functools import partial
from itertools import islice
from operator import lt
from typing import NoReturn, TypeVar

from cita.lottery.errors import BundleError
from cita.lottery.manifest import LABEL
from cita.lottery.model import ENTRIES_FILE, ENTRIES_HEADER, Column, Entries, Entry
from cita.lottery.pause import collector_paused
from cita.lottery.text import text_decode

T = TypeVar("T")

_TICKET = re.compile(r"[A-Z0-9]{4,32}")
_TICKET_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_INTEGER = re.compile(r"0|[1-9][0-9]*")  # canonical: no sign, no leading zero, no spaces
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TICKET_LENGTHS = frozenset(range(4, 33))
_NOT_SEPARATORS = bytes(byte for byte in range(256) if byte not in b",\n")
_HEADER = ENTRIES_HEADER.encode()
_FIELDS = 5


def entries_from_bytes(data: bytes, *, ports: Collection[str]) -> Entries:
    """Read entries.csv bytes; `ports` are the manifest's ports. Refuses the first line draw-v1 forbids."""
    with collector_paused():
        entries = _entries_fast(data, known=frozenset(ports))
    if entries is None:
        _entries_diagnose(data, known=frozenset(ports))
    return entries


def entries_to_bytes(entries: Iterable[Entry]) -> bytes:
    """Canonical entries.csv bytes: the header, then one line per entry, sorted by ticket."""
    # The line is built (and the entry checked) before the ticket is compared with any other.
    lines = sorted((entry.ticket, _entry_line(entry)) for entry in entries)
    for (ticket, _), (previous, _) in zip(lines[1:], lines, strict=False):
        if ticket == previous:
            _entry_fail(ticket, "ticket", "appears twice; tickets are unique")
    return (ENTRIES_HEADER + "\n" + "".join(line for _, line in lines)).encode("ascii")


def _entries_fast(data: bytes, *, known: frozenset[str]) -> Entries | None:
    """The entries when the whole file is valid, checked column by column; None when anything is wrong."""
    # A valid entries.csv is ASCII (tickets, digits, dates and port codes all are), which also rules out a
    # byte-order mark and invalid UTF-8. Every check here works on whole columns, or on the few distinct
    # values of a column, in C loops; `_entries_diagnose` then finds the culprit line when one fails.
    if not data.isascii() or b"\r" in data or not data.endswith(b"\n"):
        return None
    header_end = data.index(b"\n")
    if data[:header_end] != _HEADER:
        return None
    body = data[header_end + 1 :]
    lines = body.count(b"\n")
    # Exactly four commas on every line: with all else deleted, the body must read ",,,,\n" once a line.
    if body.translate(None, _NOT_SEPARATORS) != b",,,,\n" * lines:
        return None
    fields = body.replace(b"\n", b",").split(b",")
    del body
    fields.pop()  # the empty piece after the last line
    tickets = fields[0::_FIELDS]
    columns = [fields[number::_FIELDS] for number in range(1, _FIELDS)]
    del fields
    if (
        b"".join(tickets).translate(None, _TICKET_CHARS)
        or not set(map(len, tickets)) <= _TICKET_LENGTHS
        # Strictly increasing (as cita writes them) proves them unique at a fraction of a set's cost.
        or not (all(map(lt, tickets, islice(tickets, 1, None))) or len(set(tickets)) == lines)
    ):
        return None
    group_sizes = _distinct(columns[0], _group_size_parse)
    tiers = _distinct(columns[1], _tier_parse)
    waiting_since = _distinct(columns[2], _date_parse)
    ports = _distinct(columns[3], partial(_ports_parse, known=known))
    if group_sizes is None or tiers is None or waiting_since is None or ports is None:
        return None
    return Entries(
        tickets=tickets,
        group_sizes=Column(raw=columns[0], value_of=group_sizes),
        tiers=Column(raw=columns[1], value_of=tiers),
        waiting_since=Column(raw=columns[2], value_of=waiting_since),
        ports=Column(raw=columns[3], value_of=ports),
        sha256=hashlib.sha256(data).hexdigest(),
    )


class _Invalid(ValueError):
    """A field value draw-v1 does not allow; the message says what was expected."""


def _distinct(raw: list[bytes], parse: Callable[[str], T]) -> dict[bytes, T] | None:
    """Each distinct value of a column, parsed; None if one is invalid."""
    try:
        return {value: parse(value.decode("ascii")) for value in set(raw)}
    except _Invalid:
        return None


def _group_size_parse(text: str) -> int:
    """group_size: an integer ≥ 1."""
    return _integer_parse(text, low=1)


def _tier_parse(text: str) -> int:
    """tier: an integer ≥ 0."""
    return _integer_parse(text, low=0)


def _integer_parse(text: str, *, low: int) -> int:
    """A canonical decimal integer ≥ low."""
    expected = f"expected an integer ≥ {low} (digits only, no leading zero), got {text!r}"
    if not _INTEGER.fullmatch(text):
        raise _Invalid(expected)
    try:
        value = int(text)
    except ValueError:  # more digits than Python reads by default (4,300)
        raise _Invalid(f"expected an integer ≥ {low} of at most 4300 digits, got {len(text)}") from None
    if value < low:
        raise _Invalid(expected)
    return value


def _date_parse(text: str) -> str:
    """waiting_since: a YYYY-MM-DD calendar date, kept as text (it sorts like the date it names)."""
    if _DATE.fullmatch(text):
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return text
    raise _Invalid(f"expected a date as YYYY-MM-DD, got {text!r}")


def _ports_parse(text: str, *, known: frozenset[str]) -> tuple[str, ...]:
    """ports: one or more distinct ports of the manifest, separated by `|`, most preferred first."""
    ports = tuple(text.split("|"))
    for number, port in enumerate(ports):
        if not port:
            raise _Invalid(f"port {number + 1} of {text!r} is empty; expected port codes separated by '|'")
        if port not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise _Invalid(f"unknown port {port!r}; the manifest's capacity has {listed}")
        if port in ports[:number]:
            raise _Invalid(f"port {port!r} is listed twice")
    return ports


def _fail(message: str, *, line: int, field: str | None = None) -> NoReturn:
    """Refuse entries.csv at a line."""
    raise BundleError(message, file=ENTRIES_FILE, line=line, field=field)


def _entries_diagnose(data: bytes, *, known: frozenset[str]) -> NoReturn:
    """Walk an invalid entries.csv line by line and raise the first error, naming its line and field."""
    text = text_decode(data, file=ENTRIES_FILE)
    if not text:
        _fail(f"empty file; expected the header {ENTRIES_HEADER!r}", line=1)
    lines = text.split("\n")
    if lines[-1]:
        _fail("no newline at the end of the last line; every line ends with LF", line=len(lines))
    lines.pop()
    if lines[0] != ENTRIES_HEADER:
        _fail(f"expected the header {ENTRIES_HEADER!r}, got {lines[0]!r}", line=1)
    seen: dict[str, int] = {}
    for number, line in enumerate(islice(lines, 1, None), start=2):
        if not line:
            _fail("empty line; expected ticket,group_size,tier,waiting_since,ports", line=number)
        fields = line.split(",")
        if len(fields) != _FIELDS:
            _fail(f"expected {_FIELDS} comma-separated fields, got {len(fields)}", line=number)
        ticket, size, tier, waiting, ports = fields
        if not _TICKET.fullmatch(ticket):
            _fail(f"expected 4 to 32 characters of A-Z and 0-9, got {ticket!r}", line=number, field="ticket")
        if ticket in seen:
            _fail(f"{ticket} already appears on line {seen[ticket]}", line=number, field="ticket")
        seen[ticket] = number
        checks: tuple[tuple[str, Callable[[str], object], str], ...] = (
            ("group_size", _group_size_parse, size),
            ("tier", _tier_parse, tier),
            ("waiting_since", _date_parse, waiting),
            ("ports", partial(_ports_parse, known=known), ports),
        )
        for field, parse, value in checks:
            try:
                parse(value)
            except _Invalid as exc:
                _fail(str(exc), line=number, field=field)
    raise AssertionError("the fast reader refused entries.csv but no line is invalid")  # pragma: no cover


def _entry_fail(ticket: object, field: str, message: str) -> NoReturn:
    """Refuse an in-memory entry, naming its ticket."""
    raise BundleError(f"entry {ticket!r}: {message}", file=ENTRIES_FILE, field=field)


def _entry_line(entry: Entry) -> str:
    """One entries.csv line (with its newline) for a valid entry."""
    ticket = entry.ticket
    if not isinstance(ticket, str) or not _TICKET.fullmatch(ticket):
        _entry_fail(ticket, "ticket", "expected 4 to 32 characters of A-Z and 0-9")
    for field, value, low in (("group_size", entry.group_size, 1), ("tier", entry.tier, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            _entry_fail(ticket, field, f"expected an integer ≥ {low}, got {value!r}")
    waiting = entry.waiting_since
    if not isinstance(waiting, datetime.date) or isinstance(waiting, datetime.datetime):
        _entry_fail(ticket, "waiting_since", f"expected a datetime.date, got {waiting!r}")
    ports = entry.ports
    if (
        not isinstance(ports, tuple | list)
        or not ports
        or not all(isinstance(port, str) and LABEL.fullmatch(port) for port in ports)
        or len(set(ports)) != len(ports)
    ):
        _entry_fail(ticket, "ports", f"expected one or more distinct port codes, got {ports!r}")
    return f"{ticket},{entry.group_size},{entry.tier},{waiting.isoformat()},{'|'.join(ports)}\n"
