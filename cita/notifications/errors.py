"""Errors of the notifications domain."""

from __future__ import annotations

from cita.core.errors import CitaError, Conflict


class InvalidNoticeContext(ValueError):
    """A service enqueued a notice whose context breaks the contract (a programming error, not the user's)."""


class DeliveryNotRetryable(Conflict):
    """An admin asked to retry a delivery that cannot be sent again (already sent, or an expired code)."""

    code = "delivery_not_retryable"


class InvalidPreference(CitaError):
    """The applicant chose a channel preference that does not exist."""

    code = "invalid_preference"
