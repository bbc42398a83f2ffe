"""Every write to ports and capacity: in a transaction, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from cita.audit.services import audit_record
from cita.core.actors import Actor
from cita.ports.errors import (
    CapacityBelowBooked,
    InvalidCapacity,
)
from cita.ports.models import Port, PortClosure, SlotCapacity, WeeklySlot

Slots = Mapping[dt.time, int]


def _check_slots(slots: Slots) -> None:
    for slot, seats in slots.items():
        if not isinstance(seats, int) or isinstance(seats, bool) or seats < 0:
            raise InvalidCapacity(f"Seats at {slot:%H:%M} must be a whole number of 0 or more.")
        if slot.second or slot.microsecond:
            raise InvalidCapacity(f"Slot {slot} must start on a whole minute.")


@transaction.atomic
def capacity_template_set(*, port: Port, weekday: int, slots: Slots, actor: Actor) -> list[WeeklySlot]:
    """Replace the weekly template of one weekday at a port (an empty mapping closes that weekday)."""
    if not 0 <= weekday <= 6:
        raise InvalidCapacity("Weekday must be 0 (Monday) to 6 (Sunday).")
    _check_slots(slots)
    WeeklySlot.objects.filter(port=port, weekday=weekday).delete()
    rows = WeeklySlot.objects.bulk_create(
        WeeklySlot(port=port, weekday=weekday, slot=slot, seats=seats)
        for slot, seats in sorted(slots.items())
    )
    audit_record(
        actor=actor,
        action="capacity.template_set",
        object_type="port",
        object_id=port.code,
        data={"weekday": weekday, "slots": {f"{s:%H:%M}": n for s, n in sorted(slots.items())}},
    )
    return rows


@transaction.atomic
def capacity_template_apply(*, port: Port, start: dt.date, end: dt.date, actor: Actor) -> int:
    """Set each day from `start` to `end` (inclusive) to the weekly template; returns the days changed."""
    if end < start:
        raise InvalidCapacity("The last day comes before the first.")
    template: dict[int, dict[dt.time, int]] = {}
    for row in WeeklySlot.objects.filter(port=port):
        template.setdefault(row.weekday, {})[row.slot] = row.seats
    closed = _days_closed(port_id=port.pk, start=start, end=end)
    day, changed = start, 0
    while day <= end:
        if day not in closed:  # a closed day keeps no seats
            changed += _day_set(port=port, day=day, slots=template.get(day.weekday(), {}))
        day += dt.timedelta(days=1)
    audit_record(
        actor=actor,
        action="capacity.template_applied",
        object_type="port",
        object_id=port.code,
        data={"start": start, "end": end, "days_changed": changed},
    )
    return changed


@transaction.atomic
def capacity_day_set(*, port: Port, day: dt.date, slots: Slots, actor: Actor) -> None:
    """Set the seats of each listed slot on one day; slots not listed are left as they are."""
    _check_slots(slots)
    if port_day_closed(port_id=port.pk, day=day):
        raise InvalidCapacity(f"{port.code} is closed on {day}: reopen it before giving it seats.")
    _day_set(port=port, day=day, slots=slots, remove_missing=False)
    audit_record(
        actor=actor,
        action="capacity.day_set",
        object_type="port",
        object_id=port.code,
        data={"day": day, "slots": {f"{s:%H:%M}": n for s, n in sorted(slots.items())}},
    )


def _day_set(*, port: Port, day: dt.date, slots: Slots, remove_missing: bool = True) -> int:
    """Bring one day's slots to `slots`, keeping what is booked; returns 1 if anything changed."""
    existing = {row.slot: row for row in SlotCapacity.objects.select_for_update().filter(port=port, day=day)}
    missing = [
        SlotCapacity(port=port, day=day, slot=slot, seats=seats, left=seats)
        for slot, seats in slots.items()
        if slot not in existing
    ]
    SlotCapacity.objects.bulk_create(missing)
    changed = bool(missing)
    for slot, row in existing.items():
        seats = slots.get(slot, row.seats)
        if row.seats != seats:
            if seats < row.booked:
                raise CapacityBelowBooked(
                    f"{port.code} {day} {slot:%H:%M} has {row.booked} seats booked; "
                    f"it cannot go down to {seats}.",
                    slot=row,
                )
            row.left, row.seats = seats - row.booked, seats
            row.save(update_fields=["seats", "left"])
            changed = True
    if remove_missing:
        for slot, row in existing.items():
            if slot in slots:
                continue
            if row.booked:
                raise CapacityBelowBooked(
                    f"{port.code} {day} {slot:%H:%M} has {row.booked} seats booked; it cannot be removed.",
                    slot=row,
                )
            row.delete()
            changed = True
    return int(changed)


def capacity_day_restore(*, port: Port, day: dt.date, slots: Slots) -> None:
    """Give a day back the seats of `slots` (a reopened port), keeping what is booked; inside the caller's
    transaction, which audits it."""
    _day_set(port=port, day=day, slots=slots, remove_missing=False)


def capacity_take(*, port_id: int, day: dt.date, slot: dt.time, seats: int) -> bool:
    """Take `seats` in a slot if that many are left (a guarded UPDATE: never oversells); True on success.

    The caller owns the transaction, so a later failure gives the seats back with the rollback.
    """
    if seats < 1:
        raise InvalidCapacity("A booking takes at least one seat.")
    updated = SlotCapacity.objects.filter(port_id=port_id, day=day, slot=slot, left__gte=seats).update(
        left=F("left") - seats
    )
    return updated == 1


def capacity_release(*, port_id: int, day: dt.date, slot: dt.time, seats: int) -> None:
    """Give `seats` back to a slot (a cancelled or released booking). On a day the port is closed they
    vanish instead: the slot has that many seats less, and nobody can book them."""
    rows = SlotCapacity.objects.filter(port_id=port_id, day=day, slot=slot)
    if port_day_closed(port_id=port_id, day=day):
        rows.update(seats=F("seats") - seats)
    else:
        rows.update(left=F("left") + seats)


def _days_closed(*, port_id: int, start: dt.date, end: dt.date) -> set[dt.date]:
    """The days from `start` to `end` that a closure not reopened covers at the port."""
    days: set[dt.date] = set()
    for first, last in PortClosure.objects.filter(
        port_id=port_id, start__lte=end, end__gte=start, reopened_at__isnull=True
    ).values_list("start", "end"):
        day = max(first, start)
        while day <= min(last, end):
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def port_day_closed(*, port_id: int, day: dt.date) -> bool:
    """True when a closure that is not reopened covers the port on that day."""
    return bool(_days_closed(port_id=port_id, start=day, end=day))


@transaction.atomic
def capacity_week_set(*, port: Port, week: Mapping[int, Slots], actor: Actor) -> list[int]:
    """Replace the whole weekly template of a port (weekdays missing from `week` are closed); returns the
    weekdays that changed, each audited as `capacity.template_set`."""
    for weekday in week:
        if not 0 <= weekday <= 6:
            raise InvalidCapacity("Weekday must be 0 (Monday) to 6 (Sunday).")
    current: dict[int, dict[dt.time, int]] = {}
    for row in WeeklySlot.objects.select_for_update().filter(port=port):
        current.setdefault(row.weekday, {})[row.slot] = row.seats
    changed = []
    for weekday in range(7):
        slots = dict(week.get(weekday, {}))
        if slots != current.get(weekday, {}):
            capacity_template_set(port=port, weekday=weekday, slots=slots, actor=actor)
            changed.append(weekday)
    return changed


# -- closures ---------------------------------------------------------------------------------------------


def closure_capacity_clear(*, closure: PortClosure) -> int:
    """Take away every free seat of the port on the closure's days (booked seats stay until their groups
    are rebooked, then vanish); slots left with no seat are removed, so the day's draw leaves the port out
    of every ranking. Returns the seats taken away. Inside the caller's transaction."""
    rows = list(
        SlotCapacity.objects.select_for_update()
        .filter(port_id=closure.port_id, day__range=(closure.start, closure.end))
        .order_by("day", "slot")
    )
    withdrawn = 0
    for row in rows:
        withdrawn += row.left
        if row.seats - row.left == 0:
            row.delete()
        elif row.left:
            SlotCapacity.objects.filter(pk=row.pk).update(seats=F("seats") - F("left"), left=0)
    return withdrawn
