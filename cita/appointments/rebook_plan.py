"""The rebooking plan of a port closure, as a pure function of what it starts from (no Django).

shared/DESIGN.md, "Closures and rebooking" (format cita-rebooking-v2): groups are taken in their original
allocation order (earliest first); each is placed **port first**: the ports it ranked, in its order, and
within a port the earliest day of the horizon and the earliest slot with room; only when none of them has
room, at any other open port if the planner allows it (the group ranked none of those: the earliest day,
then the ports' order). A port in another city than
the closed port is used only on days at least `notice_days` after `today`, so that nobody is sent far away
at short notice. Seats are only ever taken from the free pool, so nobody is displaced. A group with no
place is escalated (top tier in the next draws).

Rebookings stored in format cita-rebooking-v1 (before 2026-12-03) were placed day first (the earliest day
at any ranked port) with no notice rule; `plan_compute` replays them with that rule, so that they still
verify.

The snapshot (the groups, in order, and the free seats) and the plan are stored with the rebooking and
their SHA-256 written to the audit log; `plan_compute(snapshot)` gives the same plan again (a replay).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = "cita-rebooking-v2"
FORMAT_V1 = "cita-rebooking-v1"
FORMATS = (FORMAT_V1, FORMAT)
RANKED, ANY_PORT, NONE = "ranked", "any_port", "none"


@dataclass(frozen=True)
class Group:
    """A booked group of the closed days: an appointment, or an open offer not confirmed yet.

    `order` is its place in the original allocation: (when its draw was published, its order in that
    draw, its reference), compared as a tuple.
    """

    ref: str
    applicant: int
    size: int
    ports: tuple[str, ...]
    order: tuple[str, int, str]
    old_port: str
    old_day: str
    old_slot: str


@dataclass(frozen=True)
class Seats:
    """Free seats in one slot of one port on one day (days `YYYY-MM-DD`, slots `HH:MM`)."""

    port: str
    day: str
    slot: str
    left: int


@dataclass(frozen=True)
class Snapshot:
    """Everything the plan depends on: the closure, the candidate days, the groups and the free seats."""

    closure: int
    port: str
    start: str
    end: str
    first_day: str
    last_day: str
    any_port: bool
    open_ports: tuple[str, ...]
    groups: tuple[Group, ...]
    seats: tuple[Seats, ...]
    format: str = FORMAT
    # v2: the reference day the rebooking ran on, the notice a port in another city needs, and each
    # port's city (the closed port's city is the groups' own).
    today: str = ""
    notice_days: int = 0
    cities: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Placement:
    """Where one group goes (`via` ranked or any_port), or nowhere (`via` none: escalated)."""

    ref: str
    via: str
    port: str | None = None
    day: str | None = None
    slot: str | None = None

    @property
    def placed(self) -> bool:
        """The group has a new place."""
        return self.via != NONE


@dataclass(frozen=True)
class Plan:
    placements: tuple[Placement, ...]
    format: str = field(default=FORMAT)

    @property
    def placed(self) -> int:
        return sum(1 for p in self.placements if p.placed)

    @property
    def escalated(self) -> int:
        return len(self.placements) - self.placed


def plan_compute(snapshot: Snapshot) -> Plan:
    """Place every group of the snapshot, in order; the same snapshot always gives the same plan."""
    if snapshot.format not in FORMATS:
        raise ValueError(f"unknown snapshot format {snapshot.format!r}")
    orders = [g.order for g in snapshot.groups]
    if orders != sorted(orders):
        raise ValueError("groups must be in their original allocation order")
    left: dict[tuple[str, str, str], int] = {}
    slots: dict[tuple[str, str], list[str]] = {}
    for s in snapshot.seats:
        if s.left < 0:
            raise ValueError(f"negative seats in {s}")
        key = (s.day, s.port, s.slot)
        if key in left:
            raise ValueError(f"slot listed twice: {s}")
        left[key] = s.left
        slots.setdefault((s.day, s.port), []).append(s.slot)
    for listed in slots.values():
        listed.sort()
    days = sorted({s.day for s in snapshot.seats})
    allowed = _always if snapshot.format == FORMAT_V1 else _with_notice(snapshot)

    def day_first(group: Group, ports: Sequence[str]) -> tuple[str, str, str] | None:
        for day in days:
            for port in ports:
                if allowed(day, port):
                    for slot in slots.get((day, port), ()):
                        if left[(day, port, slot)] >= group.size:
                            return day, port, slot
        return None

    def port_first(group: Group, ports: Sequence[str]) -> tuple[str, str, str] | None:
        for port in ports:
            found = day_first(group, (port,))
            if found is not None:
                return found
        return None

    # v2: the group's own order of ports first; among the other ports (which it did not rank), the earliest
    # day. v1 (replays only): the earliest day for both.
    ranked_fit = day_first if snapshot.format == FORMAT_V1 else port_first
    placements = []
    for group in snapshot.groups:
        ranked = tuple(dict.fromkeys(group.ports))
        found, via = ranked_fit(group, ranked), RANKED
        if found is None and snapshot.any_port:
            others = [p for p in snapshot.open_ports if p not in ranked]
            found, via = day_first(group, others), ANY_PORT
        if found is None:
            placements.append(Placement(ref=group.ref, via=NONE))
            continue
        day, port, slot = found
        left[(day, port, slot)] -= group.size
        placements.append(Placement(ref=group.ref, via=via, port=port, day=day, slot=slot))
    return Plan(placements=tuple(placements), format=snapshot.format)


def _always(day: str, port: str) -> bool:
    return True


def _with_notice(snapshot: Snapshot) -> Callable[[str, str], bool]:
    """cita-rebooking-v2: a port in another city than the closed one only on days `notice_days` or more
    after `today` (a port without a known city counts as another city)."""
    cities = dict(snapshot.cities)
    home = cities.get(snapshot.port)
    earliest_far = (
        (dt.date.fromisoformat(snapshot.today) + dt.timedelta(days=snapshot.notice_days)).isoformat()
        if snapshot.today
        else ""
    )

    def allowed(day: str, port: str) -> bool:
        return (home is not None and cities.get(port) == home) or day >= earliest_far

    return allowed


# -- storage and hashing --------------------------------------------------------------------------------


def canonical(value: Mapping[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no spaces, UTF-8): what the SHA-256 is taken of."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(value: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a snapshot or plan document."""
    return hashlib.sha256(canonical(value)).hexdigest()


def snapshot_to_json(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot as a JSON document (a v1 snapshot without the fields v2 added, as it was stored)."""
    doc = json.loads(json.dumps(asdict(snapshot)))  # tuples become lists, as they come back from storage
    if snapshot.format == FORMAT_V1:
        for key in ("today", "notice_days", "cities"):
            del doc[key]
    return doc


def snapshot_from_json(doc: Mapping[str, Any]) -> Snapshot:
    """A snapshot read back from its JSON document."""
    return Snapshot(
        closure=int(doc["closure"]),
        port=str(doc["port"]),
        start=str(doc["start"]),
        end=str(doc["end"]),
        first_day=str(doc["first_day"]),
        last_day=str(doc["last_day"]),
        any_port=bool(doc["any_port"]),
        open_ports=tuple(doc["open_ports"]),
        groups=tuple(
            Group(
                ref=g["ref"],
                applicant=int(g["applicant"]),
                size=int(g["size"]),
                ports=tuple(g["ports"]),
                order=(str(g["order"][0]), int(g["order"][1]), str(g["order"][2])),
                old_port=g["old_port"],
                old_day=g["old_day"],
                old_slot=g["old_slot"],
            )
            for g in doc["groups"]
        ),
        seats=tuple(Seats(**s) for s in doc["seats"]),
        format=str(doc["format"]),
        today=str(doc.get("today", "")),
        notice_days=int(doc.get("notice_days", 0)),
        cities=tuple((str(code), str(city)) for code, city in doc.get("cities", ())),
    )


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as a JSON document."""
    return json.loads(json.dumps(asdict(plan)))


def plan_from_json(doc: Mapping[str, Any]) -> Plan:
    """A plan read back from its JSON document."""
    return Plan(placements=tuple(Placement(**p) for p in doc["placements"]), format=str(doc["format"]))
