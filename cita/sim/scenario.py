"""Scenarios: what a planner asks the simulator, read from TOML or JSON and checked field by field.

A scenario is a small file (docs/simulator.md shows every field):

    name = "reserve 20 %"
    reserve_percent = 20
    [arrivals]
    per_day = 2500
    [[ports]]
    code = "SYS"
    seats = 300

Every refusal is a `ScenarioError` naming the field (`ports[2].seats`) and what was expected, so that a
typo or a negative number stops the run with one line instead of a wrong answer.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cita.sim.errors import ScenarioError
from cita.sim.fields import MAX_DAYS, Fields, field_fail, integer_check, value_show
from cita.sim.pipeline import (
    MAX_OFFICERS,
    Caravan,
    Detention,
    OutcomeGroup,
    Removals,
    Shelter,
    Staffing,
    caravans_read,
    city_check,
    detention_read,
    outcomes_read,
    pipeline_mapping,
    removals_read,
    shelters_read,
    staffing_read,
)

DEFAULT_START = dt.date(2026, 12, 1)
# Travel groups by number of persons (the draw benchmark's mix; the registration limit is 8).
DEFAULT_GROUP_SIZES = ((1, 30.0), (2, 25.0), (3, 20.0), (4, 12.0), (5, 8.0), (6, 5.0))
# How many ports a group ranks.
DEFAULT_PORTS_RANKED = ((1, 50.0), (2, 30.0), (3, 20.0))
DEFAULT_SLOT_COUNT = 8  # a port given as `seats` is split into hourly slots from 08:00

# Bounds that keep a scenario sane (and its arrays small); none is a limit of the real system.
MAX_HORIZON = 60
MAX_PORTS = 64
MAX_SLOTS = 48
MAX_GROUP_SIZE = 50
MAX_ARRIVALS = 1_000_000
MAX_BACKLOG = 5_000_000
MAX_SEATS = 1_000_000

PORT_CODE = re.compile(r"[A-Z0-9]{1,8}")
DRAWS = ("fast", "lottery")
NO_STAFFING = Staffing(persons_per_shift=None, changes=(), moves=())
SLOT_NAME = re.compile(r"[0-9A-Za-z:.+-]{1,16}")  # unquoted in entries.csv-like files (draw-v1 LABEL)


@dataclass(frozen=True, slots=True)
class Slot:
    """One slot of a port: `seats` persons a day."""

    name: str
    seats: int


@dataclass(frozen=True, slots=True)
class Port:
    """A port of entry: its slots in order, how often groups rank it (relative weight), the officers who
    process people there each day (None: as many as its seats need), and its city (for shelters)."""

    code: str
    slots: tuple[Slot, ...]
    popularity: float
    officers: int | None = None
    city: str | None = None

    @property
    def seats(self) -> int:
        """Seats a day over every slot."""
        return sum(slot.seats for slot in self.slots)


@dataclass(frozen=True, slots=True)
class ArrivalChange:
    """From day `day` on, `per_day` new groups a day on average."""

    day: int
    per_day: float


@dataclass(frozen=True, slots=True)
class Arrivals:
    """New groups: how many a day (Poisson), their sizes, how many ports they rank, and the urgent share."""

    per_day: float
    changes: tuple[ArrivalChange, ...]
    urgent_share: float
    group_sizes: tuple[tuple[int, float], ...]  # (persons, weight)
    ports_ranked: tuple[tuple[int, float], ...]  # (ports ranked, weight)

    def mean_on(self, day: int) -> float:
        """The mean number of arrivals on `day`."""
        mean = self.per_day
        for change in self.changes:
            if change.day <= day:
                mean = change.per_day
        return mean


@dataclass(frozen=True, slots=True)
class Backlog:
    """Groups already waiting on day 0, their first requests spread evenly over the last `max_age_days`."""

    groups: int
    max_age_days: int


@dataclass(frozen=True, slots=True)
class Closure:
    """`port` has no seats from `first_day` for `days` days; planners announce it on `announced_day`."""

    port: str
    first_day: int
    days: int
    announced_day: int

    @property
    def last_day(self) -> int:
        """The last closed day."""
        return self.first_day + self.days - 1


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything one simulation run depends on; the same scenario and seed give the same run."""

    name: str
    start: dt.date
    days: int
    seed: int
    horizon_days: int
    reserve_percent: int
    ask_rate: float
    confirm_rate: float
    no_show_rate: float
    leave_rate: float
    max_rounds: int | None
    displaced_draws: int
    rebook_days: int
    rebook_any_port: bool
    ports: tuple[Port, ...]
    arrivals: Arrivals
    backlog: Backlog
    closures: tuple[Closure, ...]
    draws: str = "fast"
    size_priority: bool = False
    staffing: Staffing = NO_STAFFING
    outcomes: tuple[OutcomeGroup, ...] = ()
    detention: Detention | None = None
    removals: Removals | None = None
    caravans: tuple[Caravan, ...] = ()
    shelters: tuple[Shelter, ...] = ()
    rebook_notice_days: int = 3
    rebook_wait_rate: float = 0.0

    @property
    def seats_per_day(self) -> int:
        """Seats a day over every port, before closures."""
        return sum(port.seats for port in self.ports)

    @property
    def rounds(self) -> int:
        """Rounds a day's draw may run (round 1 and its second chances).

        Round k of a draw runs k - 1 days after round 1 and its offers settle a day later, which must be
        before the appointment day (docs/daily-cycle.md, step 7), so at most `horizon_days - 1` rounds.
        """
        possible = max(1, self.horizon_days - 1)
        return possible if self.max_rounds is None else min(self.max_rounds, possible)

    def date_of(self, day: int) -> dt.date:
        """The calendar date of simulation day `day` (day 0 is `start`)."""
        return self.start + dt.timedelta(days=day)

    def to_mapping(self) -> dict[str, Any]:
        """The scenario as the JSON/TOML fields it can be read back from (days as offsets from start)."""
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "days": self.days,
            "seed": self.seed,
            "horizon_days": self.horizon_days,
            "reserve_percent": self.reserve_percent,
            "ask_rate": self.ask_rate,
            "confirm_rate": self.confirm_rate,
            "no_show_rate": self.no_show_rate,
            "leave_rate": self.leave_rate,
            "max_rounds": self.max_rounds,
            "displaced_draws": self.displaced_draws,
            "rebook_days": self.rebook_days,
            "rebook_any_port": self.rebook_any_port,
            "rebook_notice_days": self.rebook_notice_days,
            "rebook_wait_rate": self.rebook_wait_rate,
            "draws": self.draws,
            "size_priority": self.size_priority,
            "seats_total": None,
            "ports": [
                {
                    "code": port.code,
                    "popularity": port.popularity,
                    "slots": {slot.name: slot.seats for slot in port.slots},
                    **({"officers": port.officers} if port.officers is not None else {}),
                    **({"city": port.city} if port.city is not None else {}),
                }
                for port in self.ports
            ],
            "arrivals": {
                "per_day": self.arrivals.per_day,
                "urgent_share": self.arrivals.urgent_share,
                "group_sizes": {str(size): weight for size, weight in self.arrivals.group_sizes},
                "ports_ranked": {str(count): weight for count, weight in self.arrivals.ports_ranked},
                "changes": [{"from": c.day, "per_day": c.per_day} for c in self.arrivals.changes],
            },
            "initial_backlog": {"groups": self.backlog.groups, "max_age_days": self.backlog.max_age_days},
            "closures": [
                {"port": c.port, "from": c.first_day, "days": c.days, "announced": c.announced_day}
                for c in self.closures
            ],
            **pipeline_mapping(
                staffing=self.staffing,
                outcomes=self.outcomes,
                detention=self.detention,
                removals=self.removals,
                caravans=self.caravans,
                shelters=self.shelters,
            ),
        }


def scenario_load(
    path: str | Path,
    *,
    overrides: Sequence[str] = (),
    change: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Scenario:
    """Read a scenario file (.toml or .json), `change` its fields (calibration), apply `KEY=VALUE`
    overrides, and check it."""
    source = Path(path)
    mapping = scenario_file_read(source)
    if change is not None:
        mapping = change(mapping)
    mapping = scenario_override(mapping, overrides, source=source.name)
    try:
        return scenario_from_mapping(mapping, name=source.stem)
    except ScenarioError as exc:
        raise exc.with_source(source.name) from None


def scenario_file_read(source: Path) -> dict[str, Any]:
    """The fields of a scenario file, parsed but not yet checked."""
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("no such file", source=str(source)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot be read: {exc}", source=str(source)) from None
    suffix = source.suffix.lower()
    try:
        if suffix == ".toml":
            value: object = tomllib.loads(text)
        elif suffix == ".json":
            value = json.loads(text)
        else:
            raise ScenarioError(
                f"unknown file type {suffix or '(none)'!r}; expected .toml or .json", source=str(source)
            )
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", source=source.name) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"not valid JSON: {exc.msg} (line {exc.lineno})", source=source.name) from None
    if not isinstance(value, dict):
        raise ScenarioError("expected a table (TOML) or an object (JSON) at the top", source=source.name)
    return value


def scenario_override(
    mapping: Mapping[str, Any], assignments: Sequence[str], *, source: str
) -> dict[str, Any]:
    """A copy of `mapping` with each `KEY=VALUE` set; KEY is dotted (`arrivals.per_day`, `ports.0.seats`)
    and VALUE is read as JSON when it is JSON (`20`, `true`, `[1, 2]`), else as text."""
    result: dict[str, Any] = json.loads(json.dumps(mapping))  # a deep copy of plain values
    for assignment in assignments:
        key, equals, text = assignment.partition("=")
        if not equals or not key.strip():
            raise ScenarioError(f"expected KEY=VALUE, got {assignment!r}", field="--set", source=source)
        try:
            value: Any = json.loads(text)
        except json.JSONDecodeError:
            value = text
        parts = key.strip().split(".")
        target: Any = result
        for depth, part in enumerate(parts[:-1]):
            where = ".".join(parts[: depth + 1])
            if isinstance(target, list):
                target = target[_list_index(part, target, where=where, source=source)]
            elif isinstance(target, dict):
                target = target.setdefault(part, {})
            else:
                raise ScenarioError(f"is not a table, cannot set {key}", field=where, source=source)
        last = parts[-1]
        if isinstance(target, list):
            target[_list_index(last, target, where=key, source=source)] = value
        elif isinstance(target, dict):
            target[last] = value
        else:
            raise ScenarioError(
                f"is not a table, cannot set {key}", field=".".join(parts[:-1]), source=source
            )
    return result


def _list_index(part: str, target: list[Any], *, where: str, source: str) -> int:
    """The list index `part` names."""
    if not part.isdigit() or int(part) >= len(target):
        raise ScenarioError(f"expected an index from 0 to {len(target) - 1}", field=where, source=source)
    return int(part)


def scenario_from_mapping(value: Mapping[str, Any], *, name: str = "scenario") -> Scenario:
    """Check parsed scenario fields and build the scenario (`name` when the fields give none)."""
    top = Fields(value, path="")
    start = top.date("start", DEFAULT_START)
    days = top.integer("days", 90, low=1, high=MAX_DAYS)
    horizon = top.integer("horizon_days", 14, low=1, high=MAX_HORIZON)
    ports = _ports(top)
    seats_total = top.optional_integer("seats_total", low=0, high=MAX_SEATS * MAX_PORTS)
    if seats_total is not None:
        ports = _ports_scaled(ports, seats_total)
    codes = [port.code for port in ports]
    arrivals = _arrivals(top.table("arrivals", required=True), start=start)
    draws = top.text("draws", "fast")
    if draws not in DRAWS:
        top.fail("draws", f'expected "fast" or "lottery", got {value_show(draws)}')
    staffing = staffing_read(top, start=start, codes=codes)
    if staffing.persons_per_shift is None:
        for number, port in enumerate(ports):
            if port.officers is not None:
                top.fail(
                    f"ports[{number}].officers",
                    "needs staffing.persons_per_shift, the persons one officer processes a shift",
                )
        if staffing.changes:
            top.fail("staffing.changes", "needs staffing.persons_per_shift")
    outcomes = outcomes_read(top)
    detention = detention_read(top)
    removals = removals_read(top)
    if not outcomes and (detention is not None or removals is not None):
        top.fail("detention" if detention is not None else "removals", "needs [outcomes]: who is detained")
    backlog_fields = top.table("initial_backlog")
    backlog = Backlog(
        groups=backlog_fields.integer("groups", 0, low=0, high=MAX_BACKLOG),
        max_age_days=backlog_fields.integer("max_age_days", 30, low=1, high=MAX_DAYS),
    )
    backlog_fields.done()
    closures = tuple(_closure(fields, start=start, codes=codes) for fields in top.tables("closures"))
    scenario = Scenario(
        name=top.text("name", name),
        start=start,
        days=days,
        seed=top.integer("seed", 1, low=0, high=2**63 - 1),
        horizon_days=horizon,
        reserve_percent=top.integer("reserve_percent", 10, low=0, high=100),
        ask_rate=top.probability("ask_rate", 0.8),
        confirm_rate=top.probability("confirm_rate", 0.85),
        no_show_rate=top.probability("no_show_rate", 0.05),
        leave_rate=top.probability("leave_rate", 0.0),
        max_rounds=top.optional_integer("max_rounds", low=1, high=MAX_HORIZON),
        displaced_draws=top.integer("displaced_draws", 3, low=0, high=30),
        rebook_days=top.integer("rebook_days", 14, low=0, high=MAX_HORIZON * 3),
        rebook_any_port=top.boolean("rebook_any_port", False),
        rebook_notice_days=top.integer("rebook_notice_days", 3, low=0, high=MAX_HORIZON * 3),
        rebook_wait_rate=top.probability("rebook_wait_rate", 0.0),
        ports=ports,
        arrivals=arrivals,
        backlog=backlog,
        closures=closures,
        draws=draws,
        size_priority=top.boolean("size_priority", False),
        staffing=staffing,
        outcomes=outcomes,
        detention=detention,
        removals=removals,
        caravans=caravans_read(
            top,
            start=start,
            codes=codes,
            group_sizes=arrivals.group_sizes,
            urgent_share=arrivals.urgent_share,
            nationalities=[group.name for group in outcomes],
            max_group_size=MAX_GROUP_SIZE,
        ),
        shelters=shelters_read(top, cities=[port.city for port in ports if port.city is not None]),
    )
    top.done()
    return scenario


def _ports(top: Fields) -> tuple[Port, ...]:
    """The `ports` list: each with `slots` (name → seats) or `seats` split into `slot_count` hourly slots."""
    ports: list[Port] = []
    entries = top.tables("ports", required=True)
    if len(entries) > MAX_PORTS:
        top.fail("ports", f"expected at most {MAX_PORTS} ports, got {len(entries)}")
    for fields in entries:
        code = fields.text("code", None, pattern=PORT_CODE, expected="1 to 8 capital letters or digits")
        if any(port.code == code for port in ports):
            fields.fail("code", f"port {code!r} is listed twice")
        popularity = fields.number("popularity", 1.0, low=0.0)
        if "slots" in fields:
            if "seats" in fields or "slot_count" in fields:
                fields.fail("slots", "give either slots, or seats (and slot_count), not both")
            slots = _slots(fields)
        else:
            if "seats" not in fields:
                fields.fail("seats", 'missing; give seats = <persons a day> or slots = {"08:00" = 40, ...}')
            seats = fields.integer("seats", None, low=0, high=MAX_SEATS)
            count = fields.integer("slot_count", DEFAULT_SLOT_COUNT, low=1, high=min(MAX_SLOTS, 24))
            slots = _slots_split(seats, count)
        officers = fields.optional_integer("officers", low=0, high=MAX_OFFICERS)
        city = city_check(fields)
        fields.done()
        ports.append(Port(code=code, slots=slots, popularity=popularity, officers=officers, city=city))
    if sum(port.popularity for port in ports) <= 0:
        top.fail("ports", "at least one port needs a popularity above 0")
    return tuple(ports)


def _ports_scaled(ports: tuple[Port, ...], total: int) -> tuple[Port, ...]:
    """The ports with every slot's seats scaled so that they add up to `total` (the first slots take the
    remainder); the same ports when they already do."""
    listed = sum(port.seats for port in ports)
    count = sum(len(port.slots) for port in ports)
    scaled = [
        (slot.seats * total // listed) if listed else total // count for port in ports for slot in port.slots
    ]
    for number in range(total - sum(scaled)):
        scaled[number % count] += 1
    seats = iter(scaled)
    return tuple(
        replace(port, slots=tuple(replace(slot, seats=next(seats)) for slot in port.slots)) for port in ports
    )


def _slots(fields: Fields) -> tuple[Slot, ...]:
    """`slots = {"08:00" = 40, "09:00" = 40}`: slot names in order, seats each."""
    table = fields.raw("slots")
    where = fields.where("slots")
    if not isinstance(table, Mapping) or not table:
        field_fail(
            where, f'expected a table of slot name → seats, like {{"08:00" = 40}}, got {value_show(table)}'
        )
    if len(table) > MAX_SLOTS:
        field_fail(where, f"expected at most {MAX_SLOTS} slots, got {len(table)}")
    slots = []
    for name, seats in table.items():
        if not SLOT_NAME.fullmatch(name):
            field_fail(
                where, f"slot name {name!r}: expected 1 to 16 letters, digits or ':.+-', like \"08:00\""
            )
        slots.append(
            Slot(name=name, seats=integer_check(seats, where=f"{where}.{name}", low=0, high=MAX_SEATS))
        )
    return tuple(slots)


def _slots_split(seats: int, count: int) -> tuple[Slot, ...]:
    """`seats` split into `count` hourly slots from 08:00, the first slots taking the remainder."""
    share, extra = divmod(seats, count)
    return tuple(
        Slot(name=f"{8 + hour:02d}:00", seats=share + (1 if hour < extra else 0)) for hour in range(count)
    )


def _arrivals(fields: Fields, *, start: dt.date) -> Arrivals:
    """The `arrivals` table."""
    changes = []
    for change in fields.tables("changes"):
        changes.append(
            ArrivalChange(
                day=change.day("from", None, start=start),
                per_day=change.number("per_day", None, low=0.0, high=MAX_ARRIVALS),
            )
        )
        change.done()
    arrivals = Arrivals(
        per_day=fields.number("per_day", None, low=0.0, high=MAX_ARRIVALS),
        changes=tuple(sorted(changes, key=lambda c: c.day)),
        urgent_share=fields.probability("urgent_share", 0.0),
        group_sizes=fields.weights("group_sizes", DEFAULT_GROUP_SIZES, high=MAX_GROUP_SIZE, what="persons"),
        ports_ranked=fields.weights("ports_ranked", DEFAULT_PORTS_RANKED, high=MAX_PORTS, what="ports"),
    )
    fields.done()
    return arrivals


def _closure(fields: Fields, *, start: dt.date, codes: list[str]) -> Closure:
    """One entry of `closures`."""
    port = fields.text("port", None)
    if port not in codes:
        fields.fail("port", f"unknown port {port!r}; the scenario's ports are {', '.join(codes)}")
    first = fields.day("from", None, start=start)
    closure = Closure(
        port=port,
        first_day=first,
        days=fields.integer("days", None, low=1, high=MAX_DAYS),
        announced_day=fields.day("announced", first, start=start),
    )
    if closure.announced_day > first:
        fields.fail(
            "announced",
            f"expected a day on or before the closure's first day ({first}), got {closure.announced_day}",
        )
    fields.done()
    return closure
