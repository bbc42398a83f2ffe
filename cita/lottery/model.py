"""The values a draw-v1 bundle holds: manifest, entries and results (specs/draw-v1.md §Bundle layout)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, overload

FORMAT = "cita-draw-v1"
MANIFEST_FILE = "manifest.json"
ENTRIES_FILE = "entries.csv"
RESULTS_FILE = "results.csv"
ENTRIES_HEADER = "ticket,group_size,tier,waiting_since,ports"
RESULTS_HEADER = "ticket,port,slot,phase,order"

Phase = Literal["reserve", "lottery"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Beacon:
    """A public randomness value whose round was fixed before the request window opened."""

    source: str
    round: int
    value: str  # even-length lowercase hex


@dataclass(frozen=True, slots=True)
class Capacity:
    """One slot of one port: `seats` persons at most."""

    port: str
    slot: str
    seats: int


@dataclass(frozen=True, slots=True)
class Manifest:
    """manifest.json of one draw; `format` is always cita-draw-v1 and so is not stored."""

    draw_id: str
    appointment_date: datetime.date
    commitment: str
    server_seed: str | None
    beacon: Beacon | None
    reserve_percent: int
    capacity: tuple[Capacity, ...]
    entries_sha256: str
    results_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of entries.csv: a travel group's request, ports most preferred first."""

    ticket: str
    group_size: int
    tier: int
    waiting_since: datetime.date
    ports: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Result:
    """One line of results.csv: a selected entry, where it goes and in which phase."""

    ticket: str
    port: str
    slot: str
    phase: Phase
    order: int


class Column(Generic[T]):
    """A column of entries.csv with few distinct values: raw field per line, each distinct field parsed.

    A million lines hold a few dozen dates, group sizes, tiers and port lists; parsing each distinct field
    once and keeping the raw bytes per line is much cheaper than one Python value per line.
    """

    __slots__ = ("raw", "value_of")

    def __init__(self, *, raw: Sequence[bytes], value_of: Mapping[bytes, T]) -> None:
        self.raw = raw
        self.value_of = value_of

    def __getitem__(self, index: int) -> T:
        """The value of line `index` (0 is the first line after the header)."""
        return self.value_of[self.raw[index]]


class Entries(Sequence[Entry]):
    """Validated entries of one entries.csv, held column by column.

    A million `Entry` objects would cost about half a gigabyte and a second to build. Indexing gives
    ordinary `Entry` values. Only `entries_from_bytes` builds one, so the columns are known to be valid and
    `sha256` is the hash of the exact bytes they were read from.
    """

    __slots__ = ("group_sizes", "ports", "ports_used", "sha256", "tickets", "tiers", "waiting_since")

    def __init__(
        self,
        *,
        tickets: Sequence[bytes],
        group_sizes: Column[int],
        tiers: Column[int],
        waiting_since: Column[str],
        ports: Column[tuple[str, ...]],
        sha256: str,
    ) -> None:
        self.tickets = tickets  # ASCII bytes: the HMAC input and the tie-break, with no re-encoding
        self.group_sizes = group_sizes
        self.tiers = tiers
        self.waiting_since = waiting_since  # YYYY-MM-DD text: sorts like the date it names
        self.ports = ports
        # Every port some entry ranks, so that a manifest's capacity can be checked against them at once.
        self.ports_used = frozenset(port for ranked in ports.value_of.values() for port in ranked)
        self.sha256 = sha256

    def __len__(self) -> int:
        """How many entries."""
        return len(self.tickets)

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        """The entry (or list of entries) at `index`, in file order."""
        if isinstance(index, slice):
            return [self._entry(i) for i in range(len(self))[index]]
        return self._entry(range(len(self))[index])

    def __iter__(self) -> Iterator[Entry]:
        """Every entry in file order."""
        return (self._entry(i) for i in range(len(self)))

    def _entry(self, i: int) -> Entry:
        """Entry `i` (a valid, non-negative index) as a value."""
        return Entry(
            ticket=self.tickets[i].decode("ascii"),
            group_size=self.group_sizes[i],
            tier=self.tiers[i],
            waiting_since=datetime.date.fromisoformat(self.waiting_since[i]),
            ports=self.ports[i],
        )
