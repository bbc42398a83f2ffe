"""The planner's draw policy: windows, horizon, reserve, confirmation deadline, group size limit."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.days import day_start, reference_time_zone, reference_today
from cita.core.errors import PermissionDenied
from cita.policy.errors import InvalidPolicy
from cita.policy.models import DrawPolicy
from cita.policy.selectors import PolicyValues
from cita.ports.models import Port

PLANNERS = (Role.PLANNER, Role.ADMIN, Role.SYSTEM)


@transaction.atomic
def policy_set(
    *,
    effective_from: dt.datetime,
    window_opens: dt.time,
    window_closes: dt.time,
    horizon_days: int,
    reserve_percent: int,
    confirm_hours: int,
    group_size_limit: int,
    actor: Actor,
) -> DrawPolicy:
    """Store the policy for draws opened from `effective_from` on (never in the past: open draws keep
    the values they opened with)."""
    if actor.role not in PLANNERS or actor.mfa_pending:
        raise PermissionDenied("Only planners and admins change the draw policy.")
    if effective_from.tzinfo is None:
        raise InvalidPolicy("The start of a policy needs a time zone.", field="effective_from")
    if effective_from < clock.now():
        raise InvalidPolicy("A policy can only take effect from now on.", field="effective_from")
    checks = (
        ("horizon_days", horizon_days, 1, 90),
        ("reserve_percent", reserve_percent, 0, 100),
        ("confirm_hours", confirm_hours, 1, 168),
        ("group_size_limit", group_size_limit, 1, 30),
    )
    for field, number, low, high in checks:
        if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
            raise InvalidPolicy(f"{field} must be a whole number from {low} to {high}.", field=field)
    for field, time in (("window_opens", window_opens), ("window_closes", window_closes)):
        if time.second or time.microsecond or time.tzinfo is not None:
            raise InvalidPolicy(f"{field} must be a wall-clock time on a whole minute.", field=field)
    values = PolicyValues(
        window_opens=window_opens,
        window_closes=window_closes,
        horizon_days=horizon_days,
        reserve_percent=reserve_percent,
        confirm_hours=confirm_hours,
        group_size_limit=group_size_limit,
    )
    _deadline_before_the_day(values, start=reference_today(now=effective_from))
    row = DrawPolicy.objects.create(
        effective_from=effective_from, **values.columns(), created_at=clock.now(), created_by=actor.label
    )
    audit_record(
        actor=actor,
        action="draw_policy.set",
        object_type="draw_policy",
        object_id=row.pk,
        data={
            "effective_from": effective_from,
            "window_opens": f"{window_opens:%H:%M}",
            "window_closes": f"{window_closes:%H:%M}",
            "horizon_days": horizon_days,
            "reserve_percent": reserve_percent,
            "confirm_hours": confirm_hours,
            "group_size_limit": group_size_limit,
        },
    )
    return row


def _deadline_before_the_day(values: PolicyValues, *, start: dt.date) -> None:
    """Refuse a policy whose offers could still be confirmed once their appointment day has begun at one
    of the ports (or in the reference zone): checked for every draw day of a year, daylight-saving changes
    included, from the window's real close to the first midnight of the day."""
    zones = {reference_time_zone(), *(p.tz for p in Port.objects.filter(active=True))}
    confirm = dt.timedelta(hours=values.confirm_hours)
    for offset in range(366):
        day = start + dt.timedelta(days=offset)
        deadline = values.window(day)[1] + confirm
        appointment_day = day + dt.timedelta(days=values.horizon_days)
        if deadline > min(day_start(appointment_day, tz) for tz in zones):
            raise InvalidPolicy(
                "The confirmation deadline must end before the appointment day begins: give more days "
                "ahead or fewer hours to confirm.",
                field="horizon_days",
            )
