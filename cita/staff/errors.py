"""Errors of the staff domain. Staff consoles are in English, so messages are not translated."""

from cita.core.errors import CitaError, Conflict, PermissionDenied


class SignInFailed(CitaError):
    """Wrong username, password or code; the message does not say which."""

    code = "signin_failed"


class AccountLocked(PermissionDenied):
    code = "account_locked"


class AlreadyEnrolled(Conflict):
    """The account has a confirmed authenticator app; enrolling another needs an admin's MFA reset."""

    code = "already_enrolled"


class InvalidAccount(CitaError):
    """A staff account change breaks a rule (username taken, role without its port or shelter, …)."""

    code = "invalid_account"
