"""Staff sign-in: password (argon2), then a TOTP or recovery code; enrolment, recovery codes, lockout.

Failures at every code step (sign-in, enrolment, regenerating recovery codes) count towards one lockout,
and each failure and each lock is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.audit.models import AuditEvent
from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.crypto import blind_index
from cita.staff.errors import AccountLocked, AlreadyEnrolled, InvalidAccount, SignInFailed
from cita.staff.models import SigninThrottle, User
from cita.staff.selectors import staff_has_mfa

log = logging.getLogger("cita.security")

MAX_FAILURES = 5
LOCK_MINUTES = 15
MAX_LOCK = dt.timedelta(days=1)
# One answer for a wrong password, an unknown username and a locked pair (issue 14): the page says
# nothing about which it was, and takes as long (the password is hashed in every case).
SIGNIN_REFUSED = (
    "Wrong username or password. After several wrong tries from one place, sign-in waits a few minutes."
)
SPIKE_WINDOW = dt.timedelta(minutes=10)
RECOVERY_CODES = 10
TOTP_NAME = "authenticator app"
RECOVERY_NAME = "recovery codes"
WRONG_CODE = "That code is not right. Use the 6-digit code from your app, or a recovery code."
WRONG_APP_CODE = "That code is not right. Use the 6-digit code your authenticator app shows now."


def staff_actor(user: User) -> Actor:
    """The actor for a staff member acting on their own account (sign-in steps, profile)."""
    return Actor(
        role=Role(user.role),
        user_id=user.pk,
        port_id=user.port_id,
        shelter_id=user.shelter_id,
        name=user.username,
    )


def token_normalise(token: str) -> str:
    """A code as typed, without spaces or dashes and in lower case (recovery codes are shown grouped)."""
    return "".join(token.split()).replace("-", "").lower()


def _check_not_locked(user: User) -> None:
    if user.locked_until and user.locked_until > clock.now():
        raise AccountLocked("This account is locked after too many failed attempts. Try again later.")


def _check_not_throttled(device: TOTPDevice | None) -> None:
    """django-otp makes each new try after a wrong code wait 1, 2, 4 … seconds; a try too soon is refused
    without counting as a wrong code."""
    if device is None:
        return
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = (details or {}).get("locked_until")
        seconds = max(1, round((wait - timezone.now()).total_seconds())) if wait else 1
        unit = "second" if seconds == 1 else "seconds"
        raise SignInFailed(
            f"Too many tries at once: wait {seconds} {unit}, then type the new code.", field="code"
        )


@transaction.atomic
def _failure(user: User, *, step: str) -> None:
    """Count one failed attempt; the fifth in a row locks the account for LOCK_MINUTES."""
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    locked = user.failed_logins >= MAX_FAILURES
    if locked:
        user.locked_until = clock.now() + dt.timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
    audit_record(
        actor=staff_actor(user),
        action="staff.locked" if locked else "staff.signin_failed",
        object_type="staff",
        object_id=user.pk,
        data={"step": step},
    )


def _success(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def _throttle_key(username: str, ip: str) -> str:
    return blind_index(f"{username.strip().lower()}|{ip or '-'}", purpose="staff_signin")


def _pair_locked(key: str) -> bool:
    return SigninThrottle.objects.filter(key=key, locked_until__gt=clock.now()).exists()


@transaction.atomic
def _pair_failure(*, key: str, user: User | None, source: str) -> None:
    """Count a wrong password for (username, address); the fifth in a row locks the pair, with back-off."""
    now = clock.now()
    row, _created = SigninThrottle.objects.select_for_update().get_or_create(
        key=key, defaults={"last_failure_at": now}
    )
    row.failures += 1
    row.last_failure_at = now
    locked = row.failures >= MAX_FAILURES
    if locked:
        wait = min(dt.timedelta(minutes=LOCK_MINUTES) * 2**row.locks, MAX_LOCK)
        row.locked_until, row.failures, row.locks = now + wait, 0, min(row.locks + 1, 10)
    row.save()
    data: dict[str, object] = {"step": "password", "source": source}
    if locked:
        data["minutes"] = int((row.locked_until - now).total_seconds() // 60) if row.locked_until else 0
    audit_record(
        actor=staff_actor(user) if user is not None else Actor(role=Role.PUBLIC),
        action="staff.signin_paused" if locked else "staff.signin_failed",
        object_type="staff",
        object_id=user.pk if user is not None else "unknown",
        data=data,
    )
    _spike_check(now)


def _spike_check(now: dt.datetime) -> None:
    """An alert when wrong staff passwords from anywhere pass CITA_STAFF_FAILURE_ALERT in 10 minutes."""
    threshold = int(settings.CITA_STAFF_FAILURE_ALERT)
    recent = AuditEvent.objects.filter(
        action__in=("staff.signin_failed", "staff.signin_paused"), at__gt=now - SPIKE_WINDOW
    ).count()
    if recent == threshold:
        log.error("staff sign-in failures spike", extra={"failures": recent, "minutes": 10})
        audit_record(
            actor=Actor(role=Role.PUBLIC),
            action="staff.signin_spike",
            object_type="staff",
            object_id="-",
            data={"failures": recent, "minutes": 10},
        )


def staff_password_check(*, request: HttpRequest, username: str, password: str, ip: str = "") -> User:
    """The staff member with this username and password. A wrong one counts for the pair (username,
    address) only; the answer and its time are the same for a wrong password, an unknown username, a
    paused pair and an account locked at the code step."""
    key = _throttle_key(username, ip)
    paused = _pair_locked(key)
    # Hash the password whatever happens: Django hashes a dummy for an unknown username, so every answer
    # takes one password hash.
    checked = authenticate(request, username=username, password=password)
    user = User.objects.filter(username=username).first()
    locked = user is not None and user.locked_until is not None and user.locked_until > clock.now()
    if checked is None or not isinstance(checked, User) or paused or locked:
        if not paused:
            source = blind_index(ip or "-", purpose="staff_signin_ip")[:12]
            _pair_failure(key=key, user=user, source=source)
        raise SignInFailed(SIGNIN_REFUSED)
    SigninThrottle.objects.filter(key=key).delete()
    return checked


def staff_second_factor_check(*, user: User, token: str) -> Device:
    """The OTP device (TOTP or recovery codes) that accepts `token`; counts failures towards a lockout.

    Not one transaction: a failure must stay counted although the caller sees an error. A recovery code
    is used up by the check.
    """
    _check_not_locked(user)
    # A try during django-otp's wait after a wrong code is refused without counting (issue 14: it was
    # counted as a wrong code, so a quick double submit could lock the account).
    # Recovery codes (letters) are not the app's codes, and django-otp does not throttle them.
    if token_normalise(token).isdigit():
        _check_not_throttled(TOTPDevice.objects.filter(user=user, confirmed=True).first())
    device = match_token(user, token_normalise(token))
    if device is None:
        _failure(user, step="otp")
        raise SignInFailed(WRONG_CODE)
    with transaction.atomic():
        _success(user)
        data: dict[str, object] = {"factor": "totp"}
        if isinstance(device, StaticDevice):
            data = {"factor": "recovery_code", "recovery_codes_left": device.token_set.count()}
        audit_record(
            actor=staff_actor(user),
            action="staff.signed_in",
            object_type="staff",
            object_id=user.pk,
            data=data,
        )
    return device


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The authenticator app to enrol: the pending one, or a new one with a fresh key.

    Refused once an app is confirmed: only an admin's MFA reset opens enrolment again.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    if staff_has_mfa(user=user):
        raise AlreadyEnrolled("An authenticator app is already set up for this account.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
        audit_record(
            actor=staff_actor(user),
            action="staff.mfa_enrolment_started",
            object_type="staff",
            object_id=user.pk,
        )
    return device


def totp_enrolment_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator app with a code from it; returns it and new recovery codes.

    A wrong code counts towards the lockout, as at sign-in.
    """
    _check_not_locked(user)
    with transaction.atomic():
        if staff_has_mfa(user=user):
            raise AlreadyEnrolled("An authenticator app is already set up for this account.")
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("id").first()
        )
        _check_not_throttled(device)
        verified = device is not None and device.verify_token(token_normalise(token))
    if device is None:
        raise AlreadyEnrolled("Start the set-up again: there is no authenticator waiting to be confirmed.")
    if not verified:
        _failure(user, step="enrol")
        raise SignInFailed(WRONG_APP_CODE)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user)
        _success(user)
        audit_record(
            actor=staff_actor(user),
            action="staff.mfa_enrolled",
            object_type="staff",
            object_id=user.pk,
            data={"recovery_codes": len(codes)},
        )
    return device, codes


def recovery_codes_regenerate(*, user: User, token: str) -> list[str]:
    """New recovery codes (the old ones stop working), given a current code from the authenticator app."""
    _check_not_locked(user)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        _check_not_throttled(device)
        verified = device is not None and device.verify_token(token_normalise(token))
    if not verified:
        _failure(user, step="recovery_codes")
        raise SignInFailed(WRONG_APP_CODE, field="code")
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        _success(user)
        audit_record(
            actor=staff_actor(user),
            action="staff.recovery_codes_regenerated",
            object_type="staff",
            object_id=user.pk,
            data={"recovery_codes": len(codes)},
        )
    return codes


def recovery_code_display(code: str) -> str:
    """A recovery code as shown to people: two groups of four (`abcd-efgh`)."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def _recovery_codes_replace(user: User) -> list[str]:
    """Replace every recovery code of `user` with RECOVERY_CODES new ones (caller holds the transaction)."""
    devices = StaticDevice.objects.filter(user=user).order_by("id")
    device = devices.first() or StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    devices.exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    if not device.confirmed or device.name != RECOVERY_NAME:
        device.confirmed, device.name = True, RECOVERY_NAME
        device.save(update_fields=["confirmed", "name"])
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODES:
        codes.add(StaticToken.random_token())
    ordered = sorted(codes)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in ordered)
    return ordered


@transaction.atomic
def staff_password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Change one's own password (the old one proves it is them); every other session of the account ends."""
    if not user.check_password(old_password):
        raise InvalidAccount("Your current password is not right.", field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidAccount(" ".join(exc.messages), field="new_password1") from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(
        actor=staff_actor(user), action="staff.password_changed", object_type="staff", object_id=user.pk
    )


@transaction.atomic
def staff_signed_out(*, user: User, reason: str) -> None:
    """Record the end of a staff session (`signout` or `idle`)."""
    audit_record(
        actor=staff_actor(user),
        action="staff.session_expired" if reason == "idle" else "staff.signed_out",
        object_type="staff",
        object_id=user.pk,
    )
