"""What every command group shares: the error that ends a command with one readable line."""

from __future__ import annotations


class CommandError(Exception):
    """Stops a command: `cita` prints `cita: <message>` on stderr and exits with `status`."""

    def __init__(self, message: str, *, status: int = 2) -> None:
        super().__init__(message)
        self.status = status
