"""Reading scenario fields: typed getters that name the field and say what was expected on error.

`Fields` wraps one table of a parsed scenario; `done()` refuses any key no getter read, so that a typo
stops the run instead of silently falling back to a default.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

from cita.sim.errors import ScenarioError

T = TypeVar("T")
MAX_DAYS = 3650


class Fields:
    """One table of the scenario being read: typed getters that name the field on error, and `done()`,
    which refuses any key no getter asked for (a typo must not silently fall back to a default)."""

    def __init__(self, value: object, *, path: str) -> None:
        if not isinstance(value, Mapping):
            field_fail(path or None, f"expected a table, got {value_show(value)}")
        self.value: Mapping[str, Any] = value
        self.path = path
        self.read: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.value

    def has(self, key: str) -> bool:
        """Whether `key` is given (it counts as known to `done()` either way)."""
        self.read.add(key)
        return key in self.value

    def where(self, key: str) -> str:
        """The dotted name of `key` in this table."""
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> NoReturn:
        """Refuse the field `key`."""
        field_fail(self.where(key), message)

    def raw(self, key: str) -> Any:
        """The unchecked value of `key` (which must be present)."""
        self.read.add(key)
        return self.value[key]

    def _get(self, key: str, default: T | None, check: Callable[[Any, str], T]) -> T:
        self.read.add(key)
        if key not in self.value or self.value[key] is None:
            if default is None:
                self.fail(key, "missing")
            return default
        return check(self.value[key], self.where(key))

    def integer(self, key: str, default: int | None, *, low: int, high: int) -> int:
        """An integer within [low, high]."""
        return self._get(key, default, lambda v, w: integer_check(v, where=w, low=low, high=high))

    def optional_integer(self, key: str, *, low: int, high: int) -> int | None:
        """An integer within [low, high], or absent."""
        self.read.add(key)
        if self.value.get(key) is None:
            return None
        return integer_check(self.value[key], where=self.where(key), low=low, high=high)

    def number(self, key: str, default: float | None, *, low: float, high: float = math.inf) -> float:
        """A finite number within [low, high]."""
        return self._get(key, default, lambda v, w: number_check(v, where=w, low=low, high=high))

    def probability(self, key: str, default: float) -> float:
        """A number from 0 to 1 (a share, not a percent)."""
        return self.number(key, default, low=0.0, high=1.0)

    def boolean(self, key: str, default: bool) -> bool:
        """true or false."""
        self.read.add(key)
        value = self.value.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {value_show(value)}")
        return value

    def text(
        self, key: str, default: str | None, *, pattern: re.Pattern[str] | None = None, expected: str = ""
    ) -> str:
        """Non-empty text (matching `pattern` when given)."""

        def check(value: Any, where: str) -> str:
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                field_fail(where, f"expected text of 1 to 200 characters, got {value_show(value)}")
            if pattern is not None and not pattern.fullmatch(value):
                field_fail(where, f"expected {expected}, got {value_show(value)}")
            return value

        return self._get(key, default, check)

    def date(self, key: str, default: dt.date) -> dt.date:
        """A YYYY-MM-DD date."""
        return self._get(key, default, date_check)

    def day(self, key: str, default: int | None, *, start: dt.date) -> int:
        """A simulation day: an offset from `start` (0 = start), or a YYYY-MM-DD date on or after it."""

        def check(value: Any, where: str) -> int:
            if isinstance(value, str | dt.date) and not isinstance(value, dt.datetime):
                offset = (date_check(value, where) - start).days
                if offset < 0:
                    shown = value_show(str(value))
                    field_fail(where, f"expected a date on or after start ({start.isoformat()}), got {shown}")
                return offset
            return integer_check(
                value, where=where, low=0, high=MAX_DAYS, expected="a day number ≥ 0 or a date YYYY-MM-DD"
            )

        return self._get(key, default, check)

    def weights(
        self, key: str, default: tuple[tuple[int, float], ...], *, high: int, what: str
    ) -> tuple[tuple[int, float], ...]:
        """A table of count → relative weight (`{"1" = 30, "2" = 25}`), some weight above 0."""

        def check(value: Any, where: str) -> tuple[tuple[int, float], ...]:
            example = '{"1" = 30, "2" = 25}'
            if not isinstance(value, Mapping) or not value:
                field_fail(
                    where, f"expected a table of {what} → weight, like {example}, got {value_show(value)}"
                )
            pairs = []
            for count, weight in value.items():
                if not re.fullmatch(r"[1-9][0-9]*", str(count)) or int(count) > high:
                    field_fail(where, f"key {count!r}: expected a number of {what} from 1 to {high}")
                pairs.append((int(count), number_check(weight, where=f"{where}.{count}", low=0.0)))
            if sum(weight for _, weight in pairs) <= 0:
                field_fail(where, "expected at least one weight above 0")
            return tuple(sorted(pairs))

        return self._get(key, default, check)

    def table(self, key: str, *, required: bool = False) -> Fields:
        """A nested table (an empty one when absent and not required)."""
        self.read.add(key)
        if key not in self.value:
            if required:
                self.fail(key, "missing")
            return Fields({}, path=self.where(key))
        return Fields(self.value[key], path=self.where(key))

    def tables(self, key: str, *, required: bool = False) -> list[Fields]:
        """A list of tables (`[[ports]]` in TOML)."""
        self.read.add(key)
        value = self.value.get(key)
        if value is None:
            if required:
                self.fail(key, "missing")
            return []
        if not isinstance(value, list) or (required and not value):
            self.fail(
                key,
                f"expected a list of tables{' (at least one)' if required else ''}, got {value_show(value)}",
            )
        return [Fields(item, path=f"{self.where(key)}[{number}]") for number, item in enumerate(value)]

    def done(self) -> None:
        """Refuse keys that no getter read."""
        unknown = sorted(set(self.value) - self.read)
        if unknown:
            known = ", ".join(sorted(self.read)) or "none"
            self.fail(unknown[0], f"unknown field; expected one of: {known}")


def field_fail(where: str | None, message: str) -> NoReturn:
    raise ScenarioError(message, field=where)


def value_show(value: object) -> str:
    """A short rendering of a bad value."""
    try:
        shown = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def integer_check(value: Any, *, where: str, low: int, high: int, expected: str = "") -> int:
    """An integer (not true/false, not 2.5) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        if isinstance(value, float) and value.is_integer() and low <= value <= high:
            return int(value)
        field_fail(
            where, f"expected {expected or f'an integer from {low:,} to {high:,}'}, got {value_show(value)}"
        )
    return value


def number_check(value: Any, *, where: str, low: float, high: float = math.inf) -> float:
    """A finite number within [low, high]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        bound = f"from {_plain(low)} to {_plain(high)}" if math.isfinite(high) else f"≥ {_plain(low)}"
        field_fail(where, f"expected a number {bound}, got {value_show(value)}")
    return float(value)


def _plain(number: float) -> str:
    """A bound as people write it: 0, 0.5, 1,000,000."""
    return f"{int(number):,}" if float(number).is_integer() else f"{number:g}"


def date_check(value: Any, where: str) -> dt.date:
    """A YYYY-MM-DD date (TOML may give a date value already)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    field_fail(where, f"expected a date as YYYY-MM-DD, got {value_show(value)}")
