"""Errors of the draw core: every refusal says which file, line and field, and what was expected."""

from __future__ import annotations


class LotteryError(Exception):
    """Base of every error raised by `cita.lottery`."""


class BundleError(LotteryError):
    """A bundle (or an in-memory manifest or entry list) breaks the draw-v1 contract; nothing was computed."""

    def __init__(self, message: str, *, file: str, line: int | None = None, field: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        """The one line a person reads: `entries.csv line 7, group_size: expected …`."""
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.field is not None:
            where += f", {self.field}"
        return f"{where}: {self.message}"


class VerifyError(LotteryError):
    """A published results.csv or results_sha256 differs from what the bundle's inputs give."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        where = file if line is None else f"{file} line {line}"
        super().__init__(f"{where}: {message}")
