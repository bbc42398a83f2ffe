"""Reading ports and capacity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from cita.core.actors import Actor, Role
from cita.core.days import today_in
from cita.core.errors import NotFound
from cita.ports.models import Port, PortClosure, SlotCapacity, WeeklySlot


def port_list(*, active_only: bool = True) -> QuerySet[Port]:
    """Ports in display order."""
    ports = Port.objects.all()
    return ports.filter(active=True) if active_only else ports


def port_seats_a_day() -> list[tuple[str, int]]:
    """Each active port (in order) and its seats a day on average over its weekly template."""
    totals: dict[int, int] = {}
    for row in WeeklySlot.objects.filter(port__active=True).values("port_id").annotate(total=Sum("seats")):
        totals[row["port_id"]] = row["total"]
    return [(port.code, round(totals.get(port.pk, 0) / 7)) for port in port_list()]


def capacity_for_day(*, day: dt.date) -> QuerySet[SlotCapacity]:
    """Every slot of every port on one day, in port then slot order."""
    return (
        SlotCapacity.objects.filter(day=day)
        .select_related("port")
        .order_by("port__position", "port__code", "slot")
    )


def capacity_totals(*, day: dt.date) -> dict[str, int]:
    """Seats and seats left on one day, over all ports."""
    totals = SlotCapacity.objects.filter(day=day).aggregate(seats=Sum("seats"), left=Sum("left"))
    return {"seats": totals["seats"] or 0, "left": totals["left"] or 0}


# -- the planners' capacity calendar ----------------------------------------------------------------------

MAX_CALENDAR_DAYS = 62


@dataclass(frozen=True)
class Cell:
    """Seats and seats left in one cell of the calendar (a slot, a day, a port, or a total of them)."""

    seats: int = 0
    left: int = 0

    @property
    def booked(self) -> int:
        """Seats already taken."""
        return self.seats - self.left

    def __add__(self, other: Cell) -> Cell:
        return Cell(self.seats + other.seats, self.left + other.left)


@dataclass(frozen=True)
class Column:
    key: object
    label: str
    link: str = ""


@dataclass(frozen=True)
class Line:
    """One row of the calendar: a day, its cells (None where nothing is set) and their total."""

    day: dt.date
    cells: list[Cell | None]
    total: Cell


@dataclass(frozen=True)
class CapacityTable:
    """Seats per day (rows) and port or slot (columns), with the total of each row, each column and all."""

    columns: list[Column]
    lines: list[Line]
    column_totals: list[Cell]
    total: Cell


def _table(
    days: list[dt.date], columns: list[Column], cells: dict[tuple[dt.date, object], Cell]
) -> CapacityTable:
    lines = []
    column_totals = [Cell() for _ in columns]
    for day in days:
        row = [cells.get((day, column.key)) for column in columns]
        lines.append(Line(day=day, cells=row, total=sum((c for c in row if c), Cell())))
        column_totals = [t + c if c else t for t, c in zip(column_totals, row, strict=True)]
    return CapacityTable(
        columns=columns,
        lines=lines,
        column_totals=column_totals,
        total=sum(column_totals, Cell()),
    )


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start or (end - start).days >= MAX_CALENDAR_DAYS:
        raise ValueError(f"a calendar covers 1 to {MAX_CALENDAR_DAYS} days")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def capacity_calendar(*, start: dt.date, end: dt.date) -> CapacityTable:
    """Seats per day and port from `start` to `end` (inclusive), over ports that are active or have seats."""
    days = _days(start, end)
    totals = (
        SlotCapacity.objects.filter(day__range=(start, end))
        .values("port_id", "day")
        .annotate(seats=Sum("seats"), left=Sum("left"))
    )
    cells = {(row["day"], row["port_id"]): Cell(row["seats"], row["left"]) for row in totals}
    with_seats = {port_id for _, port_id in cells}
    ports = [p for p in Port.objects.all() if p.active or p.pk in with_seats]
    return _table(days, [Column(p.pk, p.code, p.code) for p in ports], cells)


def capacity_port_calendar(*, port: Port, start: dt.date, end: dt.date) -> CapacityTable:
    """Seats per day and slot at one port from `start` to `end` (inclusive)."""
    days = _days(start, end)
    rows = SlotCapacity.objects.filter(port=port, day__range=(start, end))
    cells: dict[tuple[dt.date, object], Cell] = {
        (row.day, row.slot): Cell(row.seats, row.left) for row in rows
    }
    slots = sorted({row.slot for row in rows})
    return _table(days, [Column(s, s.strftime("%H:%M")) for s in slots], cells)


def capacity_port_day(*, port: Port, day: dt.date) -> list[SlotCapacity]:
    """The slots of one port on one day, in time order."""
    return list(SlotCapacity.objects.filter(port=port, day=day).order_by("slot"))


def capacity_template_get(*, port: Port) -> dict[int, dict[dt.time, int]]:
    """The weekly template of a port: weekday (0 = Monday) → slot → seats."""
    template: dict[int, dict[dt.time, int]] = {}
    for row in WeeklySlot.objects.filter(port=port).order_by("weekday", "slot"):
        template.setdefault(row.weekday, {})[row.slot] = row.seats
    return template


def port_get(*, code: str) -> Port:
    """The port with this code."""
    port = Port.objects.filter(code=code).first()
    if port is None:
        raise NotFound("no such port")
    return port


def port_for_actor(*, actor: Actor) -> Port:
    """The port an officer works at (other callers have none)."""
    if actor.role is not Role.OFFICER or actor.mfa_pending or actor.port_id is None:
        raise NotFound("no port")
    port = Port.objects.filter(pk=actor.port_id).first()
    if port is None:
        raise NotFound("no port")
    return port


def port_today(*, port: Port) -> dt.date:
    """Today's date at the port (appointment days are the port's own days)."""
    return today_in(port.tz)


# -- closures ----------------------------------------------------------------------------------------------


def closure_list(*, limit: int = 200) -> list[PortClosure]:
    """Closures, newest first (planners, admins, auditors: they name no person)."""
    return list(PortClosure.objects.select_related("port").order_by("-created_at", "-id")[:limit])


def closure_get(*, closure_id: int) -> PortClosure:
    """One closure."""
    closure = PortClosure.objects.select_related("port").filter(pk=closure_id).first()
    if closure is None:
        raise NotFound("no such closure")
    return closure


def closures_active_on(*, day: dt.date) -> list[PortClosure]:
    """The closures (not reopened) covering a day."""
    return list(
        PortClosure.objects.filter(start__lte=day, end__gte=day, reopened_at__isnull=True).select_related(
            "port"
        )
    )
