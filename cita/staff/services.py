"""Staff sign-in: password (argon2), then a TOTP or recovery code; lockout after repeated failures."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django_otp import match_token

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.staff.errors import AccountLocked, SignInFailed
from cita.staff.models import User

MAX_FAILURES = 5
LOCK_MINUTES = 15


def _actor(user: User) -> Actor:
    return Actor(role=Role(user.role), user_id=user.pk, name=user.username)


def _check_not_locked(user: User) -> None:
    if user.locked_until and user.locked_until > clock.now():
        raise AccountLocked("This account is locked after too many failed attempts. Try again later.")


@transaction.atomic
def _failure(user: User, *, step: str) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    locked = user.failed_logins >= MAX_FAILURES
    if locked:
        user.locked_until = clock.now() + dt.timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
    audit_record(
        actor=_actor(user),
        action="staff.locked" if locked else "staff.signin_failed",
        object_type="staff",
        object_id=user.pk,
        data={"step": step},
    )


def staff_password_check(*, request: HttpRequest, username: str, password: str) -> User:
    """The staff member with this username and password; counts failures towards a lockout."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        _check_not_locked(user)
    checked = authenticate(request, username=username, password=password)
    if checked is None or not isinstance(checked, User):
        if user is not None:
            _failure(user, step="password")
        raise SignInFailed("Wrong username or password.")
    return checked


def staff_second_factor_check(*, user: User, token: str) -> object:
    """The OTP device (TOTP or recovery codes) that accepts `token`; counts failures towards a lockout.

    Not one transaction: a failure must stay counted although the caller sees an error.
    """
    _check_not_locked(user)
    device = match_token(user, token.strip().replace(" ", ""))
    if device is None:
        _failure(user, step="otp")
        raise SignInFailed("That code is not right. Use the 6-digit code from your app, or a recovery code.")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit_record(actor=_actor(user), action="staff.signed_in", object_type="staff", object_id=user.pk)
    return device
