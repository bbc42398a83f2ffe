"""Staff accounts, managed by admins only: create, change role and binding, (de)activate, reset MFA.

Every change is audited with the username and role only (no names or email addresses). Changes that
take access away (role, deactivation, MFA or password reset) raise the account's session epoch, so every
session of it ends at its next request.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.audit.services import audit_record
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.ports.models import Port
from cita.registrations.models import Shelter
from cita.staff.errors import InvalidAccount
from cita.staff.models import StaffRole, User

# 24 characters from a 64-letter alphabet: 144 bits. Shown once to the admin, who hands it over.
INITIAL_PASSWORD_BYTES = 18


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN or actor.mfa_pending:
        raise PermissionDenied("Only admins manage staff accounts.")


def _not_self(actor: Actor, user: User, what: str) -> None:
    if actor.user_id == user.pk:
        raise InvalidAccount(f"You cannot {what} your own account; ask another admin.")


def _binding(role: str, port: Port | None, shelter: Shelter | None) -> tuple[Port | None, Shelter | None]:
    """The port and shelter the role keeps: officers need a port, NGO workers a shelter, others neither."""
    if role not in StaffRole.values:
        raise InvalidAccount("Choose a role from the list.", field="role")
    if role == StaffRole.OFFICER and port is None:
        raise InvalidAccount("An officer works at one port: choose it.", field="port")
    if role == StaffRole.NGO and shelter is None:
        raise InvalidAccount("An NGO worker works for one shelter: choose it.", field="shelter")
    return (port if role == StaffRole.OFFICER else None, shelter if role == StaffRole.NGO else None)


def _audit_data(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "role": user.role,
        "port": user.port.code if user.port else None,
        "shelter": user.shelter_id,
    }


def _end_sessions(user: User) -> None:
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


@transaction.atomic
def staff_create(
    *,
    actor: Actor,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    port: Port | None = None,
    shelter: Shelter | None = None,
) -> tuple[User, str]:
    """Open a staff account; returns it and its initial password (shown once, then only its hash is kept).

    The new member sets up their authenticator app at their first sign-in.
    """
    _require_admin(actor)
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise InvalidAccount("Use letters, digits and @ . + - _ only.", field="username") from exc
    if not username or len(username) > 150:
        raise InvalidAccount("Give a username of at most 150 characters.", field="username")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidAccount("Give a valid email address.", field="email") from exc
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidAccount("This username is taken.", field="username")
    port, shelter = _binding(role, port, shelter)
    password = secrets.token_urlsafe(INITIAL_PASSWORD_BYTES)
    user = User(
        username=username,
        email=email,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
        role=role,
        port=port,
        shelter=shelter,
        is_staff=role == StaffRole.ADMIN,
        is_superuser=role == StaffRole.ADMIN,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise InvalidAccount("This username is taken.", field="username") from exc
    audit_record(
        actor=actor,
        action="staff.account_created",
        object_type="staff",
        object_id=user.pk,
        data=_audit_data(user),
    )
    return user, password


@transaction.atomic
def staff_role_set(
    *, actor: Actor, user: User, role: str, port: Port | None = None, shelter: Shelter | None = None
) -> User:
    """Change a staff member's role and its port or shelter; their sessions end."""
    _require_admin(actor)
    _not_self(actor, user, "change the role of")
    port, shelter = _binding(role, port, shelter)
    previous = _audit_data(user)
    user.role, user.port, user.shelter = role, port, shelter
    user.is_staff = user.is_superuser = role == StaffRole.ADMIN
    user.save(update_fields=["role", "port", "shelter", "is_staff", "is_superuser"])
    _end_sessions(user)
    audit_record(
        actor=actor,
        action="staff.role_changed",
        object_type="staff",
        object_id=user.pk,
        data={**_audit_data(user), "previous": {k: v for k, v in previous.items() if k != "username"}},
    )
    return user


@transaction.atomic
def staff_deactivate(*, actor: Actor, user: User) -> User:
    """Close a staff account: it can no longer sign in, and its sessions end at once."""
    _require_admin(actor)
    _not_self(actor, user, "deactivate")
    user.is_active = False
    user.save(update_fields=["is_active"])
    _end_sessions(user)
    audit_record(
        actor=actor,
        action="staff.deactivated",
        object_type="staff",
        object_id=user.pk,
        data=_audit_data(user),
    )
    return user


@transaction.atomic
def staff_activate(*, actor: Actor, user: User) -> User:
    """Open a deactivated staff account again (and lift any lock)."""
    _require_admin(actor)
    user.is_active, user.failed_logins, user.locked_until = True, 0, None
    user.save(update_fields=["is_active", "failed_logins", "locked_until"])
    audit_record(
        actor=actor, action="staff.activated", object_type="staff", object_id=user.pk, data=_audit_data(user)
    )
    return user


@transaction.atomic
def staff_mfa_reset(*, actor: Actor, user: User) -> User:
    """Remove the authenticator app and recovery codes (a lost phone); the member enrols again at sign-in."""
    _require_admin(actor)
    _not_self(actor, user, "reset the MFA of")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user.failed_logins, user.locked_until = 0, None
    user.save(update_fields=["failed_logins", "locked_until"])
    _end_sessions(user)
    audit_record(
        actor=actor, action="staff.mfa_reset", object_type="staff", object_id=user.pk, data=_audit_data(user)
    )
    return user


@transaction.atomic
def staff_password_reset(*, actor: Actor, user: User) -> str:
    """Give a staff member a new initial password (shown once to the admin); their sessions end."""
    _require_admin(actor)
    _not_self(actor, user, "reset the password of")
    password = secrets.token_urlsafe(INITIAL_PASSWORD_BYTES)
    user.set_password(password)
    user.failed_logins, user.locked_until = 0, None
    user.save(update_fields=["password", "failed_logins", "locked_until"])
    _end_sessions(user)
    audit_record(
        actor=actor,
        action="staff.password_reset",
        object_type="staff",
        object_id=user.pk,
        data=_audit_data(user),
    )
    return password
