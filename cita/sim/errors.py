"""Errors of the simulator: each says which field or limit, and what was expected."""

from __future__ import annotations


class SimError(Exception):
    """Base of every error raised by `cita.sim`."""


class ScenarioError(SimError):
    """A scenario breaks its format: `source: field: message`, one line a planner can act on."""

    def __init__(self, message: str, *, field: str | None = None, source: str = "scenario") -> None:
        self.message = message
        self.field = field
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        """`scenario.toml: arrivals.per_day: expected a number ≥ 0, got -3`."""
        where = self.source if self.field is None else f"{self.source}: {self.field}"
        return f"{where}: {self.message}"

    def with_source(self, source: str) -> ScenarioError:
        """The same error, naming the file it came from."""
        return ScenarioError(self.message, field=self.field, source=source)


class SimulationTooLarge(SimError):
    """A run went past the time it was given (the planner page's budget); nothing is reported."""

    def __init__(self, *, seconds: float, day: int, days: int) -> None:
        self.seconds = seconds
        self.day = day
        self.days = days
        super().__init__(
            f"stopped after {seconds:.1f} s on day {day + 1} of {days}: too large for this budget"
        )


class InvariantBroken(SimError):
    """The simulation's own bookkeeping went wrong (a bug, never the scenario's fault)."""
