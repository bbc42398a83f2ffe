"""Dates, times and durations written out in the reader's language (the template filters of
`templatetags/cita_web.py` wrap these in `<time>` elements)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cita.core import clock


def local(value: dt.datetime, tz: str = "") -> dt.datetime:
    """`value` in the time zone `tz` (the current one when empty)."""
    zone = zoneinfo.ZoneInfo(tz) if tz else timezone.get_current_timezone()
    return timezone.localtime(value, zone) if timezone.is_aware(value) else value


def with_weekday(value: dt.date, written: str) -> str:
    """The weekday, then `written` (a date as the language writes it)."""
    return pgettext("weekday, then a date", "%(weekday)s, %(date)s") % {
        "weekday": date_format(value, "l"),
        "date": written,
    }


def date_words(value: dt.date) -> str:
    """ "martes, 15 de diciembre de 2026"."""
    return with_weekday(value, date_format(value, "DATE_FORMAT"))


def draw_words(*, runs_on: dt.date, day: dt.date, round_number: int = 1) -> str:
    """A draw named by what it is (issue 15, item 8): "Draw of Thursday, 3 December 2026 for appointments
    on Wednesday, 16 December 2026"; a second chance says which one ("Second chance 1, drawn on …")."""
    words = {"runs": date_words(runs_on), "day": date_words(day)}
    if round_number == 1:
        return _("Draw of %(runs)s for appointments on %(day)s") % words
    return _("Second chance %(number)s, drawn on %(runs)s, for appointments on %(day)s") % {
        **words,
        "number": round_number - 1,
    }


def moment_words(value: dt.datetime, tz: str = "") -> str:
    """ "miércoles, 2 de diciembre de 2026 a las 11:00" (in `tz`)."""
    at = local(value, tz)
    return with_weekday(at, date_format(at, "DATETIME_FORMAT"))


def until_words(value: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """How long from now until `value`: "in 22 hours", "in 2 hours and 5 minutes", "in 3 days"."""
    minutes = int((value - (now or clock.now())).total_seconds() // 60)
    if minutes < 1:
        return _("the time is over")
    if minutes < 60:
        return ngettext("in %(count)d minute", "in %(count)d minutes", minutes) % {"count": minutes}
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        if hours < 10 and rest:
            return _("in %(hours)s and %(minutes)s") % {
                "hours": ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours},
                "minutes": ngettext("%(count)d minute", "%(count)d minutes", rest) % {"count": rest},
            }
        return ngettext("in %(count)d hour", "in %(count)d hours", hours) % {"count": hours}
    days = hours // 24
    return ngettext("in %(count)d day", "in %(count)d days", days) % {"count": days}
