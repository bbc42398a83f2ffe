"""entries.csv: strict reading that names the first bad line and field, canonical writing."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from hypothesis import given, settings

from cita.lottery import BundleError, Entries, Entry, entries_from_bytes, entries_to_bytes
from tests.lottery.builders import DAY, draws, entry_make

PORTS = {"SYS", "ELP", "OTM"}
HEADER = b"ticket,group_size,tier,waiting_since,ports\n"
GOOD = HEADER + b"K7Q2M9XW4D,3,1,2026-10-02,SYS|ELP\nA1B2,1,0,2026-09-30,OTM\n"


def refusal(data: bytes) -> str:
    """The one-line message reading `data` is refused with."""
    with pytest.raises(BundleError) as caught:
        entries_from_bytes(data, ports=PORTS)
    return str(caught.value)


def test_entries_are_read_in_file_order() -> None:
    entries = entries_from_bytes(GOOD, ports=PORTS)
    assert list(entries) == [
        Entry(
            ticket="K7Q2M9XW4D",
            group_size=3,
            tier=1,
            waiting_since=datetime.date(2026, 10, 2),
            ports=("SYS", "ELP"),
        ),
        Entry(ticket="A1B2", group_size=1, tier=0, waiting_since=datetime.date(2026, 9, 30), ports=("OTM",)),
    ]
    assert entries.sha256 == hashlib.sha256(GOOD).hexdigest()
    assert entries.ports_used == {"SYS", "ELP", "OTM"}


def test_read_entries_behave_as_a_sequence() -> None:
    entries = entries_from_bytes(GOOD, ports=PORTS)
    assert isinstance(entries, Entries)
    assert len(entries) == 2
    assert entries[-1].ticket == "A1B2"
    assert [entry.ticket for entry in entries[::-1]] == ["A1B2", "K7Q2M9XW4D"]
    with pytest.raises(IndexError):
        entries[2]


def test_an_entries_file_with_the_header_only_has_no_entries() -> None:
    entries = entries_from_bytes(HEADER, ports=set())
    assert len(entries) == 0
    assert entries.ports_used == frozenset()


def test_cita_writes_entries_sorted_by_ticket() -> None:
    entries = entries_from_bytes(GOOD, ports=PORTS)
    assert (
        entries_to_bytes(entries) == HEADER + b"A1B2,1,0,2026-09-30,OTM\nK7Q2M9XW4D,3,1,2026-10-02,SYS|ELP\n"
    )
    assert entries_to_bytes([]) == HEADER


@settings(max_examples=100, deadline=None)
@given(draws())
def test_written_entries_read_back_the_same(draw: tuple[object, list[Entry]]) -> None:
    _, entries = draw
    data = entries_to_bytes(entries)
    back = entries_from_bytes(data, ports={"SYS", "ELP", "OTM", "NOG"})
    assert sorted(back, key=lambda entry: entry.ticket) == sorted(entries, key=lambda entry: entry.ticket)
    assert entries_to_bytes(back) == data


def test_unsorted_entries_with_a_repeated_ticket_far_apart_are_refused() -> None:
    data = HEADER + b"BBBB,1,0,2026-10-01,SYS\nAAAA,1,0,2026-10-01,SYS\nBBBB,2,0,2026-10-01,SYS\n"
    assert refusal(data) == "entries.csv line 4, ticket: BBBB already appears on line 2"


LINE = b"K7Q2M9XW4D,3,1,2026-10-02,SYS|ELP\n"
INVALID: list[tuple[str, bytes, str]] = [
    ("empty file", b"", "entries.csv line 1: empty file; expected the header 'ticket,group_size,tier,"),
    ("header only, no newline", HEADER[:-1], "entries.csv line 1: no newline at the end of the last line"),
    ("wrong header", b"ticket,size,tier,waiting_since,ports\n", "entries.csv line 1: expected the header"),
    ("missing final newline", GOOD[:-1], "entries.csv line 3: no newline at the end of the last line"),
    ("CRLF", GOOD.replace(b"\n", b"\r\n"), "entries.csv line 1: carriage return (CR) found"),
    ("CR in a field", GOOD.replace(b"OTM\n", b"OTM\r\n"), "entries.csv line 3: carriage return (CR) found"),
    ("BOM", b"\xef\xbb\xbf" + GOOD, "entries.csv line 1: starts with a UTF-8 byte-order mark"),
    ("not UTF-8", GOOD.replace(b"A1B2", b"A1\xe9B"), "entries.csv line 3: not UTF-8 (byte 0xe9)"),
    ("blank line", HEADER + b"\n" + LINE, "entries.csv line 2: empty line; expected ticket,group_size,"),
    (
        "four fields",
        HEADER + b"K7Q2,3,1,2026-10-02\n",
        "entries.csv line 2: expected 5 comma-separated fields, got 4",
    ),
    (
        "six fields",
        GOOD + b"ZZZZ,1,0,2026-10-01,SYS,\n",
        "entries.csv line 4: expected 5 comma-separated fields, got 6",
    ),
    ("shifted fields", HEADER + b"AAAA,1,0,2026-10-01\nBBBB,1,0,2026-10-01,SYS,SYS\n", "line 2: expected 5"),
    (
        "short ticket",
        HEADER + b"K7Q,3,1,2026-10-02,SYS\n",
        "line 2, ticket: expected 4 to 32 characters of A-Z",
    ),
    (
        "long ticket",
        HEADER + b"K" * 33 + b",3,1,2026-10-02,SYS\n",
        "line 2, ticket: expected 4 to 32 characters",
    ),
    ("lower ticket", HEADER + b"k7q2,3,1,2026-10-02,SYS\n", "line 2, ticket: expected 4 to 32 characters"),
    (
        "accented ticket",
        HEADER + "K7QÉ,3,1,2026-10-02,SYS\n".encode(),
        "line 2, ticket: expected 4 to 32 cha",
    ),
    ("repeated ticket", GOOD + LINE, "entries.csv line 4, ticket: K7Q2M9XW4D already appears on line 2"),
    ("group of 0", HEADER + b"K7Q2,0,1,2026-10-02,SYS\n", "line 2, group_size: expected an integer ≥ 1"),
    ("group of -1", HEADER + b"K7Q2,-1,1,2026-10-02,SYS\n", "line 2, group_size: expected an integer ≥ 1"),
    (
        "group of 03",
        HEADER + b"K7Q2,03,1,2026-10-02,SYS\n",
        "group_size: expected an integer ≥ 1 (digits only,",
    ),
    ("group of +3", HEADER + b"K7Q2,+3,1,2026-10-02,SYS\n", "line 2, group_size: expected an integer ≥ 1"),
    ("group of 2.0", HEADER + b"K7Q2,2.0,1,2026-10-02,SYS\n", "line 2, group_size: expected an integer ≥ 1"),
    ("group with space", HEADER + b"K7Q2, 2,1,2026-10-02,SYS\n", "line 2, group_size: expected an integer"),
    (
        "group too long",
        HEADER + b"K7Q2," + b"9" * 5000 + b",1,2026-10-02,SYS\n",
        "at most 4300 digits, got 5000",
    ),
    (
        "empty tier",
        HEADER + b"K7Q2,1,,2026-10-02,SYS\n",
        "line 2, tier: expected an integer ≥ 0 (digits only",
    ),
    ("negative tier", HEADER + b"K7Q2,1,-1,2026-10-02,SYS\n", "line 2, tier: expected an integer ≥ 0"),
    (
        "no such date",
        HEADER + b"K7Q2,1,0,2026-02-30,SYS\n",
        "line 2, waiting_since: expected a date as YYYY-MM",
    ),
    (
        "short date",
        HEADER + b"K7Q2,1,0,2026-2-3,SYS\n",
        "line 2, waiting_since: expected a date as YYYY-MM-DD",
    ),
    (
        "compact date",
        HEADER + b"K7Q2,1,0,20261002,SYS\n",
        "line 2, waiting_since: expected a date as YYYY-MM-DD",
    ),
    (
        "no ports",
        HEADER + b"K7Q2,1,0,2026-10-02,\n",
        "line 2, ports: port 1 of '' is empty; expected port co",
    ),
    (
        "empty port",
        HEADER + b"K7Q2,1,0,2026-10-02,SYS||ELP\n",
        "line 2, ports: port 2 of 'SYS||ELP' is empty",
    ),
    ("trailing |", HEADER + b"K7Q2,1,0,2026-10-02,SYS|\n", "line 2, ports: port 2 of 'SYS|' is empty"),
    ("unknown port", HEADER + b"K7Q2,1,0,2026-10-02,SYS|XYZ\n", "ports: unknown port 'XYZ'; the manifest's"),
    (
        "port twice",
        HEADER + b"K7Q2,1,0,2026-10-02,SYS|ELP|SYS\n",
        "line 2, ports: port 'SYS' is listed twice",
    ),
    ("quoted field", HEADER + b'K7Q2,1,0,2026-10-02,"SYS"\n', "line 2, ports: unknown port '\"SYS\"'"),
]


@pytest.mark.parametrize(
    ("data", "message"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_an_invalid_entries_file_is_refused_naming_line_and_field(data: bytes, message: str) -> None:
    assert message in refusal(data)


def test_the_first_bad_line_is_named_whatever_kind_of_fault_comes_later() -> None:
    lines = [f"T{number:04d},1,0,2026-10-01,SYS\n".encode() for number in range(50)]
    lines[40] = b"T0040,1,0,2026-10-01,XYZ\n"  # unknown port, line 42
    lines[30] = b"T0030,1,9,2026-13-01,SYS\n"  # bad date, line 32
    lines[45] = b"T0045,x,0,2026-10-01,SYS\n"  # bad group_size, line 47
    message = refusal(HEADER + b"".join(lines))
    assert message.startswith("entries.csv line 32, waiting_since:")


def test_the_manifest_ports_are_listed_when_a_port_is_unknown() -> None:
    with pytest.raises(BundleError, match=re.escape("the manifest's capacity has none")):
        entries_from_bytes(HEADER + b"K7Q2,1,0,2026-10-02,SYS\n", ports=set())


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (entry_make("K7Q"), "entries.csv, ticket: entry 'K7Q': expected 4 to 32 characters of A-Z and 0-9"),
        (Entry(ticket=7, group_size=1, tier=0, waiting_since=DAY, ports=("SYS",)), "entry 7: expected 4 to"),  # type: ignore[arg-type]
        (entry_make("K7Q2", group_size=0), "group_size: entry 'K7Q2': expected an integer ≥ 1, got 0"),
        (entry_make("K7Q2", group_size=True), "group_size: entry 'K7Q2': expected an integer ≥ 1, got True"),
        (entry_make("K7Q2", tier=-1), "tier: entry 'K7Q2': expected an integer ≥ 0, got -1"),
        (entry_make("K7Q2", tier=1.0), "tier: entry 'K7Q2': expected an integer ≥ 0, got 1.0"),  # type: ignore[arg-type]
        (
            entry_make("K7Q2", waiting_since="2026-10-01"),  # type: ignore[arg-type]
            "waiting_since: entry 'K7Q2': expected a datetime.date, got '2026-10-01'",
        ),
        (
            entry_make("K7Q2", waiting_since=datetime.datetime(2026, 10, 1, 9, 0)),
            "waiting_since: entry 'K7Q2': expected a datetime.date",
        ),
        (
            entry_make("K7Q2", ports=()),
            "ports: entry 'K7Q2': expected one or more distinct port codes, got ()",
        ),
        (entry_make("K7Q2", ports=("SYS", "SYS")), "ports: entry 'K7Q2': expected one or more distinct port"),
        (entry_make("K7Q2", ports=("S,S",)), "ports: entry 'K7Q2': expected one or more distinct port codes"),
        (entry_make("K7Q2", ports=(1,)), "ports: entry 'K7Q2': expected one or more distinct port codes"),  # type: ignore[arg-type]
        (
            Entry(ticket="K7Q2", group_size=1, tier=0, waiting_since=DAY, ports="SYS"),  # type: ignore[arg-type]
            "ports: entry 'K7Q2': expected one or more distinct port codes, got 'SYS'",
        ),
    ],
)
def test_an_invalid_entry_is_not_written(entry: Entry, message: str) -> None:
    with pytest.raises(BundleError) as caught:
        entries_to_bytes([entry_make("GOOD"), entry])
    assert message in str(caught.value)


def test_entries_with_the_same_ticket_are_not_written() -> None:
    with pytest.raises(BundleError, match="ticket: entry 'SAME': appears twice; tickets are unique"):
        entries_to_bytes([entry_make("SAME"), entry_make("ZZZZ"), entry_make("SAME", tier=2)])


def test_entries_may_be_given_as_a_list_of_ports() -> None:
    entry = Entry(ticket="K7Q2", group_size=1, tier=0, waiting_since=DAY, ports=["SYS", "ELP"])  # type: ignore[arg-type]
    assert entries_to_bytes([entry]) == HEADER + b"K7Q2,1,0,2026-10-01,SYS|ELP\n"
