"""Instants that have broken date arithmetic before, and a clock to stand at them.

Every hour of a day in the draw's reference zone (America/Tijuana), both daylight-saving changes of that
zone, midnight UTC, and the last evening of a month and of a year. From 16:00 in Tijuana (17:00 in
summer) the UTC date is already tomorrow: a day taken in one zone and used in the other goes wrong for a
third of every day.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from cita.core import clock

TIJUANA = zoneinfo.ZoneInfo("America/Tijuana")


def tijuana(year: int, month: int, day: int, hour: int, minute: int = 0, *, fold: int = 0) -> dt.datetime:
    """A wall-clock time in Tijuana, as a UTC instant (`fold=1`: the second 01:30 when clocks go back)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TIJUANA, fold=fold).astimezone(dt.UTC)


HOURS = {f"{hour:02d}:00 Tijuana": tijuana(2026, 12, 3, hour) for hour in range(24)}
SPECIAL = {
    # 2026-03-08: 02:00 PST becomes 03:00 PDT; 2026-11-01: 02:00 PDT becomes 01:00 PST.
    "spring forward, 01:30 PST": tijuana(2026, 3, 8, 1, 30),
    "spring forward, 03:30 PDT": tijuana(2026, 3, 8, 3, 30),
    "fall back, first 01:30 (PDT)": tijuana(2026, 11, 1, 1, 30),
    "fall back, second 01:30 (PST)": tijuana(2026, 11, 1, 1, 30, fold=1),
    "midnight UTC": dt.datetime(2026, 12, 4, 0, 0, tzinfo=dt.UTC),
    "last evening of November": tijuana(2026, 11, 30, 23, 30),
    "last evening of the year": tijuana(2026, 12, 31, 23, 30),
    "first minutes of the year": tijuana(2027, 1, 1, 0, 5),
}
INSTANTS = {**HOURS, **SPECIAL}
# The instant a new user saw the demo load an empty draw (2026-12-02 23:27 in Tijuana).
REPORTED = dt.datetime(2026, 12, 3, 7, 27, tzinfo=dt.UTC)


@contextmanager
def clock_at(at: dt.datetime) -> Iterator[clock.FrozenClock]:
    """A frozen clock at `at` for the block; the previous clock afterwards."""
    frozen = clock.FrozenClock(at)
    previous = clock.install(frozen)
    try:
        yield frozen
    finally:
        clock.install(previous)
