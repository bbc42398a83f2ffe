"""Which day it is, and where: the one place that turns the clock's UTC instant into a calendar day.

Stored times are UTC; days are never UTC days. A draw's days (its window, its id, "today" on the
transparency page) are days of the **reference time zone** (`CITA_DRAW_TIME_ZONE`, one for every port); an
appointment's day is a day of **its port's** zone. Taking `now.date()` (a UTC day) instead is wrong for a
third of every day in the Americas: from 16:00 in Tijuana, UTC is already tomorrow.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings

from cita.core import clock


def reference_time_zone() -> zoneinfo.ZoneInfo:
    """The one time zone draw windows are defined in (`CITA_DRAW_TIME_ZONE`): a draw covers all ports."""
    return zoneinfo.ZoneInfo(settings.CITA_DRAW_TIME_ZONE)


def today_in(tz: dt.tzinfo, *, now: dt.datetime | None = None) -> dt.date:
    """The date on the wall clocks of `tz` at `now` (the clock's now by default)."""
    return (now or clock.now()).astimezone(tz).date()


def reference_today(*, now: dt.datetime | None = None) -> dt.date:
    """Today in the reference time zone: the day whose draw window is the current one."""
    return today_in(reference_time_zone(), now=now)


def day_start(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The first instant of `day` on the wall clocks of `tz`, in UTC."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
