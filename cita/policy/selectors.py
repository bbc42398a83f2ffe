"""Reading the draw policy: the values in force at a moment (a stored policy, or the defaults)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from cita.core import clock
from cita.core.days import reference_time_zone
from cita.policy.models import DrawPolicy


@dataclass(frozen=True)
class PolicyValues:
    """The values a draw opened at a given moment uses (a stored policy, or the defaults)."""

    window_opens: dt.time
    window_closes: dt.time
    horizon_days: int
    reserve_percent: int
    confirm_hours: int
    group_size_limit: int
    policy: DrawPolicy | None = None

    def columns(self) -> dict[str, Any]:
        """The values as the columns of a stored policy."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "policy"}

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """When the window of the draw opened on `day` (reference time zone) opens and closes, in UTC."""
        tz = reference_time_zone()
        opens = dt.datetime.combine(day, self.window_opens, tzinfo=tz)
        closes_day = day if self.window_closes > self.window_opens else day + dt.timedelta(days=1)
        closes = dt.datetime.combine(closes_day, self.window_closes, tzinfo=tz)
        return opens.astimezone(dt.UTC), closes.astimezone(dt.UTC)


def policy_defaults() -> PolicyValues:
    """The values used while no planner has stored a policy."""
    return PolicyValues(
        window_opens=dt.time(12, 0),
        window_closes=dt.time(11, 0),
        horizon_days=14,
        reserve_percent=10,
        confirm_hours=23,
        group_size_limit=int(settings.CITA_GROUP_SIZE_LIMIT),
    )


def policy_current(*, at: dt.datetime | None = None) -> PolicyValues:
    """The policy in force at `at` (now by default): the latest stored one effective by then."""
    at = at or clock.now()
    return policy_values_of(
        DrawPolicy.objects.filter(effective_from__lte=at).order_by("-effective_from").first()
    )


def policy_values_of(row: DrawPolicy | None) -> PolicyValues:
    """The values of a stored policy row, or the defaults when there is none."""
    if row is None:
        return policy_defaults()
    return PolicyValues(
        window_opens=row.window_opens,
        window_closes=row.window_closes,
        horizon_days=row.horizon_days,
        reserve_percent=row.reserve_percent,
        confirm_hours=row.confirm_hours,
        group_size_limit=row.group_size_limit,
        policy=row,
    )


def policy_list() -> QuerySet[DrawPolicy]:
    """Every stored policy, newest first."""
    return DrawPolicy.objects.all()
