"""Every write to ports and capacity: in a transaction, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from cita.audit.services import audit_record
from cita.core.actors import Actor
from cita.ports.errors import CapacityBelowBooked, InvalidCapacity
from cita.ports.models import Port, SlotCapacity, WeeklySlot

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
    day, changed = start, 0
    while day <= end:
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
    changed = False
    for slot, seats in slots.items():
        row = existing.get(slot)
        if row is None:
            SlotCapacity.objects.create(port=port, day=day, slot=slot, seats=seats, left=seats)
            changed = True
        elif row.seats != seats:
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
    """Give `seats` back to a slot (a cancelled or released booking)."""
    SlotCapacity.objects.filter(port_id=port_id, day=day, slot=slot).update(left=F("left") + seats)


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
