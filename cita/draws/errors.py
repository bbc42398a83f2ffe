"""Errors of the draws domain. Those an applicant can meet carry a translated message."""

from __future__ import annotations

from cita.core.errors import CitaError, Conflict


class WindowClosed(Conflict):
    """No request window is open, or it closed before the request arrived."""

    code = "window_closed"


class AlreadyRequested(Conflict):
    """The group already has a request in this draw."""

    code = "already_requested"


class MemberBusy(Conflict):
    """Someone in the group is already in another active request or appointment."""

    code = "member_busy"


class GroupTooLarge(Conflict):
    """The group has more people than the policy allows."""

    code = "group_too_large"


class GroupNotRegistered(Conflict):
    """The travel group has no registered people yet."""

    code = "group_not_registered"


class InvalidPorts(CitaError):
    """The ranked ports are empty, repeated or not open for appointments."""

    code = "invalid_ports"


class RequestNotWithdrawable(Conflict):
    """The request is no longer in a state that can be withdrawn."""

    code = "request_not_withdrawable"


class OfferNotOpen(Conflict):
    """The offer was already confirmed, declined or expired."""

    code = "offer_not_open"


class InvalidPriority(CitaError):
    """A priority flag without a reason, or for a group the actor may not flag."""

    code = "invalid_priority"


class DrawNotDue(Conflict):
    """The step asked for is not due yet for this draw."""

    code = "draw_not_due"


class DrawStateError(Conflict):
    """The draw is not in the state the step needs (a programming or operations error, not a user's)."""

    code = "draw_state"


class BeaconUnavailable(CitaError):
    """The randomness beacon did not give the value for the round (after retries)."""

    code = "beacon_unavailable"
    status = 503
