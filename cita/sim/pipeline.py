"""The parts of a scenario around the draw: officers, what happens to the people seen, detention beds,
removal flights, caravans and shelters (docs/simulator.md, "Scenario files").

Each part is optional: a scenario without `[detention]` has no bed limit, one without `[outcomes]` does not
follow the people past their appointment. Readers refuse what does not fit together (a move to a port
that does not exist, officers without the persons one of them processes a shift).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cita.sim.fields import MAX_DAYS, Fields, field_fail, number_check, value_show

MAX_OFFICERS = 10_000
MAX_FLIGHTS = 100  # a week
MAX_PEOPLE = 1_000_000
MAX_BEDS = 10_000_000
SHARE_TOLERANCE = 1e-6
WHEN_FULL = ("release", "back_pressure")
CITY = re.compile(r"[^\n,]{1,80}")


@dataclass(frozen=True, slots=True)
class OfficerChange:
    """From `first_day` on, `port` has `officers` processing officers a day."""

    port: str
    first_day: int
    officers: int


@dataclass(frozen=True, slots=True)
class OfficerMove:
    """`from_port` is closed to traffic from `first_day` for `days` days, and `officers` of its officers
    process people at `to_port` meanwhile (announced on `announced_day`)."""

    officers: int
    from_port: str
    to_port: str
    first_day: int
    days: int
    announced_day: int

    @property
    def last_day(self) -> int:
        """The last day of the move."""
        return self.first_day + self.days - 1


@dataclass(frozen=True, slots=True)
class Staffing:
    """Officers: the persons one processes in a shift (a day), changes of a port's officers, and moves."""

    persons_per_shift: int | None
    changes: tuple[OfficerChange, ...]
    moves: tuple[OfficerMove, ...]


@dataclass(frozen=True, slots=True)
class OutcomeGroup:
    """A nationality group: its share of new groups (a weight) and what happens to the people seen."""

    name: str
    share: float
    released: float
    detained: float
    removed: float


@dataclass(frozen=True, slots=True)
class Detention:
    """Detention beds (None: no limit), the length of a stay (days → weight), and what happens when full."""

    beds: int | None
    stay_days: tuple[tuple[int, float], ...]
    when_full: str  # "release" (with a notice to appear) or "back_pressure" (fewer seats in the draws)


@dataclass(frozen=True, slots=True)
class Removals:
    """Removal flights: how many a week and the persons each takes."""

    flights_per_week: int
    seats_per_flight: int

    def flights_on(self, day: int) -> int:
        """Flights on simulation day `day`: flight k of each week leaves on day floor(7k / n) of the week."""
        weekday = day % 7
        return sum(1 for k in range(self.flights_per_week) if 7 * k // self.flights_per_week == weekday)


@dataclass(frozen=True, slots=True)
class Caravan:
    """`people` persons leave on `leaves_day`; those who arrive come as groups, evenly over `spread_days`
    days from `travel_days` after leaving; each group never arrives with probability `never_arrive`."""

    name: str
    people: int
    leaves_day: int
    travel_days: int
    spread_days: int
    never_arrive: float
    group_sizes: tuple[tuple[int, float], ...]
    popularity: tuple[tuple[str, float], ...]  # port → weight; empty: the ports' own popularity
    nationality: str | None
    urgent_share: float

    @property
    def first_arrival(self) -> int:
        """The day the first groups arrive."""
        return self.leaves_day + self.travel_days


@dataclass(frozen=True, slots=True)
class Shelter:
    """Shelter places (persons) in a city near ports."""

    city: str
    capacity: int


def staffing_read(top: Fields, *, start: Any, codes: Sequence[str]) -> Staffing:
    """The `[staffing]` table."""
    fields = top.table("staffing")
    persons = fields.optional_integer("persons_per_shift", low=1, high=10_000)
    changes = []
    for change in fields.tables("changes"):
        port = _port(change, "port", codes)
        changes.append(
            OfficerChange(
                port=port,
                first_day=change.day("from", None, start=start),
                officers=change.integer("officers", None, low=0, high=MAX_OFFICERS),
            )
        )
        change.done()
    moves = []
    for move in fields.tables("moves"):
        first = move.day("from", None, start=start)
        officer_move = OfficerMove(
            officers=move.integer("officers", None, low=1, high=MAX_OFFICERS),
            from_port=_port(move, "from_port", codes),
            to_port=_port(move, "to_port", codes),
            first_day=first,
            days=move.integer("days", None, low=1, high=MAX_DAYS),
            announced_day=move.day("announced", first, start=start),
        )
        if officer_move.from_port == officer_move.to_port:
            move.fail("to_port", "expected another port than from_port")
        if officer_move.announced_day > first:
            move.fail("announced", f"expected a day on or before the move's first day ({first})")
        move.done()
        moves.append(officer_move)
    if moves and persons is None:
        fields.fail("persons_per_shift", "missing; moving officers needs the persons one processes a shift")
    fields.done()
    return Staffing(
        persons_per_shift=persons,
        changes=tuple(sorted(changes, key=lambda c: c.first_day)),
        moves=tuple(moves),
    )


def outcomes_read(top: Fields) -> tuple[OutcomeGroup, ...]:
    """The `[outcomes]` table: shares released, detained and removed, overall or per nationality group."""
    if not top.has("outcomes"):
        return ()
    fields = top.table("outcomes")
    if fields.has("groups"):
        groups: list[OutcomeGroup] = []
        for table in fields.tables("groups", required=True):
            name = table.text("name", None)
            if any(other.name == name for other in groups):
                table.fail("name", f"group {name!r} is listed twice")
            groups.append(_outcome_group(table, name=name, share=table.number("share", 1.0, low=0.0)))
            table.done()
        if sum(group.share for group in groups) <= 0:
            fields.fail("groups", "at least one group needs a share above 0")
        fields.done()
        return tuple(groups)
    overall = _outcome_group(fields, name="all", share=1.0)
    fields.done()
    return (overall,)


def _outcome_group(fields: Fields, *, name: str, share: float) -> OutcomeGroup:
    released = fields.probability("released", 0.0)
    detained = fields.probability("detained", 0.0)
    removed = fields.probability("removed", 0.0)
    if abs(released + detained + removed - 1.0) > SHARE_TOLERANCE:
        fields.fail(
            "released",
            f"released, detained and removed are shares of the people seen and must add up to 1, got "
            f"{released + detained + removed:g}",
        )
    return OutcomeGroup(name=name, share=share, released=released, detained=detained, removed=removed)


def detention_read(top: Fields) -> Detention | None:
    """The `[detention]` table (None when absent)."""
    if not top.has("detention"):
        return None
    fields = top.table("detention")
    when_full = fields.text("when_full", "release")
    if when_full not in WHEN_FULL:
        fields.fail("when_full", f'expected "release" or "back_pressure", got {value_show(when_full)}')
    detention = Detention(
        beds=fields.optional_integer("beds", low=0, high=MAX_BEDS),
        stay_days=fields.weights("stay_days", ((14, 1.0),), high=MAX_DAYS, what="days"),
        when_full=when_full,
    )
    fields.done()
    return detention


def removals_read(top: Fields) -> Removals | None:
    """The `[removals]` table (None when absent)."""
    if not top.has("removals"):
        return None
    fields = top.table("removals")
    removals = Removals(
        flights_per_week=fields.integer("flights_per_week", None, low=0, high=MAX_FLIGHTS),
        seats_per_flight=fields.integer("seats_per_flight", None, low=0, high=10_000),
    )
    fields.done()
    return removals


def caravans_read(
    top: Fields,
    *,
    start: Any,
    codes: Sequence[str],
    group_sizes: tuple[tuple[int, float], ...],
    urgent_share: float,
    nationalities: Sequence[str],
    max_group_size: int,
) -> tuple[Caravan, ...]:
    """The `[[caravans]]` list."""
    caravans = []
    for number, fields in enumerate(top.tables("caravans"), start=1):
        nationality = fields.text("nationality", None) if fields.has("nationality") else None
        if nationality is not None and nationality not in nationalities:
            known = ", ".join(nationalities) or "none (the scenario has no [outcomes] groups)"
            fields.fail("nationality", f"unknown group {nationality!r}; the outcome groups are {known}")
        caravans.append(
            Caravan(
                name=fields.text("name", f"caravan {number}"),
                people=fields.integer("people", None, low=0, high=MAX_PEOPLE),
                leaves_day=fields.day("leaves", None, start=start),
                travel_days=fields.integer("travel_days", 0, low=0, high=MAX_DAYS),
                spread_days=fields.integer("spread_days", 1, low=1, high=MAX_DAYS),
                never_arrive=fields.probability("never_arrive", 0.0),
                group_sizes=fields.weights("group_sizes", group_sizes, high=max_group_size, what="persons"),
                popularity=_popularity(fields, codes),
                nationality=nationality,
                urgent_share=fields.probability("urgent_share", urgent_share),
            )
        )
        fields.done()
    return tuple(caravans)


def _popularity(fields: Fields, codes: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """`popularity = {"SYS" = 3, "OTM" = 1}`: how often the caravan's groups rank each port (others: 0)."""
    if not fields.has("popularity"):
        return ()
    table = fields.raw("popularity")
    where = fields.where("popularity")
    if not isinstance(table, Mapping) or not table:
        field_fail(where, f'expected a table of port → weight, like {{"SYS" = 3}}, got {value_show(table)}')
    pairs = []
    for port, weight in table.items():
        if port not in codes:
            field_fail(where, f"unknown port {port!r}; the scenario's ports are {', '.join(codes)}")
        pairs.append((str(port), number_check(weight, where=f"{where}.{port}", low=0.0)))
    if sum(weight for _, weight in pairs) <= 0:
        field_fail(where, "expected at least one weight above 0")
    return tuple(pairs)


def shelters_read(top: Fields, *, cities: Sequence[str]) -> tuple[Shelter, ...]:
    """The `[[shelters]]` list: each city must be the city of a port."""
    shelters: list[Shelter] = []
    for fields in top.tables("shelters"):
        city = fields.text("city", None)
        if city not in cities:
            known = ", ".join(sorted(set(cities))) or "none (give ports a city)"
            fields.fail("city", f"no port is in {city!r}; the ports' cities are {known}")
        if any(shelter.city == city for shelter in shelters):
            fields.fail("city", f"{city!r} is listed twice")
        shelters.append(Shelter(city=city, capacity=fields.integer("capacity", None, low=0, high=MAX_BEDS)))
        fields.done()
    return tuple(shelters)


def _port(fields: Fields, key: str, codes: Sequence[str]) -> str:
    port = fields.text(key, None)
    if port not in codes:
        fields.fail(key, f"unknown port {port!r}; the scenario's ports are {', '.join(codes)}")
    return port


def city_check(fields: Fields) -> str | None:
    """A port's optional `city`."""
    if not fields.has("city"):
        return None
    return fields.text("city", None, pattern=CITY, expected="a city name (no comma, at most 80 characters)")


def pipeline_mapping(
    *,
    staffing: Staffing,
    outcomes: tuple[OutcomeGroup, ...],
    detention: Detention | None,
    removals: Removals | None,
    caravans: tuple[Caravan, ...],
    shelters: tuple[Shelter, ...],
) -> dict[str, Any]:
    """These parts as the fields they can be read back from."""
    value: dict[str, Any] = {
        "staffing": {
            "persons_per_shift": staffing.persons_per_shift,
            "changes": [
                {"port": c.port, "from": c.first_day, "officers": c.officers} for c in staffing.changes
            ],
            "moves": [
                {
                    "officers": m.officers,
                    "from_port": m.from_port,
                    "to_port": m.to_port,
                    "from": m.first_day,
                    "days": m.days,
                    "announced": m.announced_day,
                }
                for m in staffing.moves
            ],
        },
        "caravans": [
            {
                "name": c.name,
                "people": c.people,
                "leaves": c.leaves_day,
                "travel_days": c.travel_days,
                "spread_days": c.spread_days,
                "never_arrive": c.never_arrive,
                "group_sizes": {str(size): weight for size, weight in c.group_sizes},
                "urgent_share": c.urgent_share,
                **({"popularity": dict(c.popularity)} if c.popularity else {}),
                **({"nationality": c.nationality} if c.nationality is not None else {}),
            }
            for c in caravans
        ],
        "shelters": [{"city": s.city, "capacity": s.capacity} for s in shelters],
    }
    if outcomes:
        value["outcomes"] = {
            "groups": [
                {
                    "name": g.name,
                    "share": g.share,
                    "released": g.released,
                    "detained": g.detained,
                    "removed": g.removed,
                }
                for g in outcomes
            ]
        }
    if detention is not None:
        value["detention"] = {
            "beds": detention.beds,
            "stay_days": {str(days): weight for days, weight in detention.stay_days},
            "when_full": detention.when_full,
        }
    if removals is not None:
        value["removals"] = {
            "flights_per_week": removals.flights_per_week,
            "seats_per_flight": removals.seats_per_flight,
        }
    return value
