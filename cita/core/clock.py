"""The clock, behind a small protocol so that tests can run a whole day with a controlled time."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Mapping
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        """The real time."""
        return dt.datetime.now(dt.UTC)


class RunningClock:
    """A clock that starts at a chosen instant and runs at the real speed from there (tests: the same
    date and hour whenever they run, with time still moving for what needs it)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("RunningClock needs an aware datetime")
        self._start = start
        self._began = time.monotonic()

    def now(self) -> dt.datetime:
        """The start, plus the real time gone by since."""
        return self._start + dt.timedelta(seconds=time.monotonic() - self._began)


class FrozenClock:
    """A clock that only moves when told to (tests, replays)."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        """The frozen time."""
        with self._lock:
            return self._at

    def set(self, at: dt.datetime) -> None:
        """Move the clock to `at`."""
        with self._lock:
            self._at = at

    def advance(self, **delta: float) -> dt.datetime:
        """Move the clock forward by `timedelta(**delta)` and return the new time."""
        with self._lock:
            self._at += dt.timedelta(**delta)
            return self._at


_clock: Clock = SystemClock()
# Tests only, never in production: the instant a `cita` process's clock starts at (ISO 8601 with its
# offset), so that a job a test runs in a subprocess shares the test's time.
TEST_CLOCK_ENV = "CITA_TEST_CLOCK"


def now() -> dt.datetime:
    """The current time from the installed clock."""
    return _clock.now()


def install(clock: Clock) -> Clock:
    """Install `clock` for the whole process; returns the previous one so a test can put it back."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def install_from_environment(environ: Mapping[str, str]) -> bool:
    """Start the process's clock at `CITA_TEST_CLOCK` when set (tests only); True when it did."""
    start = environ.get(TEST_CLOCK_ENV)
    if not start:
        return False
    install(RunningClock(dt.datetime.fromisoformat(start)))
    return True
