"""Every write to ports and capacity: in a transaction, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.days import today_in
from cita.core.errors import PermissionDenied
from cita.core.jobs import defer_on_commit
from cita.ports.errors import (
    CapacityBelowBooked,
    ClosureOverlap,
    ClosureStateError,
    InvalidCapacity,
    InvalidClosure,
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

CLOSURE_MAX_DAYS = 92
CLOSURE_MAX_HORIZON = 60
CLOSURE_MAX_REASON = 300
REBOOK_JOB = "appointments.rebook"


def _require_planner(actor: Actor) -> None:
    if actor.role not in (Role.PLANNER, Role.ADMIN) or actor.mfa_pending:
        raise PermissionDenied("Only planners and admins close and reopen ports.")


def closure_check(
    *, port: Port, start: dt.date, end: dt.date, reason: str, horizon_days: int, today: dt.date | None = None
) -> str:
    """Refuse a closure that cannot be: days in the past, reversed or too long, no reason, a horizon out
    of range, or days already closed. Returns the cleaned reason."""
    today = today or today_in(port.tz)
    reason = " ".join(reason.split())
    if start < today:
        raise InvalidClosure(
            f"The closure cannot start before today ({today}) at {port.code}.", field="start"
        )
    if end < start:
        raise InvalidClosure("The last day comes before the first.", field="end")
    if (end - start).days >= CLOSURE_MAX_DAYS:
        raise InvalidClosure(
            f"A closure covers at most {CLOSURE_MAX_DAYS} days; close again after.", field="end"
        )
    if not 1 <= horizon_days <= CLOSURE_MAX_HORIZON:
        raise InvalidClosure(f"The horizon is 1 to {CLOSURE_MAX_HORIZON} days.", field="horizon_days")
    if not reason:
        raise InvalidClosure("Write why the port closes.", field="reason")
    if len(reason) > CLOSURE_MAX_REASON:
        raise InvalidClosure(f"The reason has at most {CLOSURE_MAX_REASON} characters.", field="reason")
    overlap = PortClosure.objects.filter(
        port=port, reopened_at__isnull=True, start__lte=end, end__gte=start
    ).first()
    if overlap is not None:
        raise ClosureOverlap(
            f"{port.code} is already closed from {overlap.start} to {overlap.end}.",
            field="start",
            closure=overlap,
        )
    return reason


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


@transaction.atomic
def port_close(
    *,
    port: Port,
    start: dt.date,
    end: dt.date,
    reason: str,
    horizon_days: int,
    any_port: bool,
    actor: Actor,
) -> PortClosure:
    """Close a port from `start` to `end` (port days, inclusive): its free seats on those days go at once,
    and the job `appointments.rebook` moves every group booked there (queued when this commits)."""
    _require_planner(actor)
    # One closure of a port at a time; NO KEY UPDATE lets bookings at the port (foreign keys) go on.
    Port.objects.select_for_update(no_key=True).filter(pk=port.pk).first()
    reason = closure_check(port=port, start=start, end=end, reason=reason, horizon_days=horizon_days)
    closure = PortClosure.objects.create(
        port=port,
        start=start,
        end=end,
        reason=reason,
        horizon_days=horizon_days,
        any_port=any_port,
        created_at=clock.now(),
        created_by=actor.label,
    )
    closure.seats_withdrawn = closure_capacity_clear(closure=closure)
    closure.save(update_fields=["seats_withdrawn"])
    audit_record(
        actor=actor,
        action="port.closed",
        object_type="closure",
        object_id=closure.pk,
        data={
            "port": port.code,
            "start": start,
            "end": end,
            "reason": reason,
            "horizon_days": horizon_days,
            "any_port": any_port,
            "seats_withdrawn": closure.seats_withdrawn,
        },
    )
    # By name: ports sits below appointments and does not import it.
    defer_on_commit(
        REBOOK_JOB,
        net="appointments.rebook_due",
        queueing_lock=f"{REBOOK_JOB}:{closure.pk}",
        closure_id=closure.pk,
    )
    return closure


def _days_with_draws(port: Port, start: dt.date, end: dt.date) -> set[dt.date]:
    """Days whose draw has frozen already: their capacity is fixed, reopening cannot add to it."""
    from cita.draws.models import Draw, DrawStatus  # ports sits below draws: a read by name only

    return set(
        Draw.objects.filter(appointment_date__range=(start, end), round=1)
        .exclude(status=DrawStatus.OPEN)
        .values_list("appointment_date", flat=True)
    )


@transaction.atomic
def port_reopen(*, closure: PortClosure, actor: Actor) -> PortClosure:
    """End a closure: the days whose draw has not frozen yet get their seats back from the weekly
    template (groups already rebooked keep their new appointments)."""
    _require_planner(actor)
    closure = PortClosure.objects.select_for_update(of=("self",)).select_related("port").get(pk=closure.pk)
    if closure.reopened_at is not None:
        raise ClosureStateError(f"This closure was reopened on {closure.reopened_at:%Y-%m-%d %H:%M} UTC.")
    now = clock.now()
    port = closure.port
    closure.reopened_at, closure.reopened_by = now, actor.label
    closure.save(update_fields=["reopened_at", "reopened_by"])
    today = today_in(port.tz, now=now)
    template: dict[int, dict[dt.time, int]] = {}
    for row in WeeklySlot.objects.filter(port=port):
        template.setdefault(row.weekday, {})[row.slot] = row.seats
    frozen = _days_with_draws(port, closure.start, closure.end)
    restored: list[dt.date] = []
    day = max(closure.start, today + dt.timedelta(days=1))
    while day <= closure.end:
        if day not in frozen and template.get(day.weekday()):
            _day_set(port=port, day=day, slots=template[day.weekday()], remove_missing=False)
            restored.append(day)
        day += dt.timedelta(days=1)
    audit_record(
        actor=actor,
        action="port.reopened",
        object_type="closure",
        object_id=closure.pk,
        data={"port": port.code, "days_restored": restored},
    )
    return closure
