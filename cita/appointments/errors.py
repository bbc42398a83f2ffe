"""Errors of the appointments domain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cita.core.errors import CitaError, Conflict


class AppointmentStateError(Conflict):
    """The appointment is not in a state that allows this change (e.g. cancelling a completed one)."""

    code = "appointment_state"


class AlreadyCheckedIn(Conflict):
    """The pass was checked in before: says by whom and when."""

    code = "already_checked_in"

    def __init__(self, message: str, *, by: str, at: dt.datetime, **objects: Any) -> None:
        super().__init__(message, **objects)
        self.by = by
        self.at = at


class WrongPortOrDay(Conflict):
    """The appointment is for another port, or another day, than the officer's."""

    code = "wrong_port_or_day"


class PassKeyError(CitaError):
    """The signing key ring is missing or malformed."""

    code = "pass_key_error"
    status = 500
