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


class CheckInEarly(Conflict):
    """The group comes long before its slot (`CITA_CHECKIN_EARLY_MINUTES`): the officer confirms first."""

    code = "check_in_early"

    def __init__(self, message: str, *, slot: dt.time, **objects: Any) -> None:
        super().__init__(message, **objects)
        self.slot = slot


class WrongPortOrDay(Conflict):
    """The appointment is for another port, or another day, than the officer's."""

    code = "wrong_port_or_day"


class PassKeyError(CitaError):
    """The signing key ring is missing or malformed."""

    code = "pass_key_error"
    status = 500


class OutcomeRefused(CitaError):
    """An outcome names someone not in the group, or is not one of the known outcomes."""

    code = "outcome_refused"


class RebookingNotReady(Conflict):
    """A draw of a closed day holds seats it has not given out yet: the rebooking waits for it."""

    code = "rebooking_not_ready"


class RebookingError(CitaError):
    """The rebooking could not apply its own plan (seats changed under its locks): nothing was written."""

    code = "rebooking_error"
    status = 500


class IdentityLocked(Conflict):
    """The group holds a request, offer or appointment, and the change would alter who is in it: it needs
    the applicant's confirmation that the holding is given up, or an NGO worker's or officer's approval."""

    code = "identity_locked"


class PlaceTaken(Conflict):
    """The free place a group chose to move to was taken first (another group, or it is no longer offered)."""

    code = "place_taken"
