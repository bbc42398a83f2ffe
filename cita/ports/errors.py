"""Errors of the ports domain."""

from cita.core.errors import CitaError, Conflict


class CapacityBelowBooked(Conflict):
    """Seats cannot be set below what is already booked in a slot."""

    code = "capacity_below_booked"


class NoSeatsLeft(Conflict):
    """The slot has fewer seats left than the group needs."""

    code = "no_seats_left"


class InvalidCapacity(CitaError):
    """A capacity value is not a whole number of seats, or a slot is malformed."""

    code = "invalid_capacity"


class InvalidClosure(CitaError):
    """A closure's dates, horizon or reason are not acceptable."""

    code = "invalid_closure"


class ClosureOverlap(Conflict):
    """The port is already closed on some of these days."""

    code = "closure_overlap"


class ClosureStateError(Conflict):
    """The closure was reopened already."""

    code = "closure_state"
