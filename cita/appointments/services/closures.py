"""Closing a port and reopening it: a flow above ports and draws, owned here because closing rebooks the
port's groups (`cita.appointments.services.rebooking`, queued when the closure commits) and reopening
reads which days' draws have frozen already."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.days import today_in
from cita.core.errors import PermissionDenied
from cita.core.jobs import defer_on_commit
from cita.draws.models import Draw, DrawStatus
from cita.ports.errors import ClosureOverlap, ClosureStateError, InvalidClosure
from cita.ports.models import Port, PortClosure, WeeklySlot
from cita.ports.services import capacity_day_restore, closure_capacity_clear

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
    defer_on_commit(
        REBOOK_JOB,
        net="appointments.rebook_due",
        queueing_lock=f"{REBOOK_JOB}:{closure.pk}",
        closure_id=closure.pk,
    )
    return closure


def _days_with_draws(port: Port, start: dt.date, end: dt.date) -> set[dt.date]:
    """Days whose draw has frozen already: their capacity is fixed, reopening cannot add to it."""
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
            capacity_day_restore(port=port, day=day, slots=template[day.weekday()])
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
