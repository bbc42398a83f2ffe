"""Errors of the staff domain."""

from cita.core.errors import CitaError, PermissionDenied


class SignInFailed(CitaError):
    """Wrong username, password or code; the message does not say which."""

    code = "signin_failed"


class AccountLocked(PermissionDenied):
    code = "account_locked"
