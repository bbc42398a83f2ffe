"""Staff accounts. Applicants are not users: they sign in with a one-time code (cita.registrations)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac


class StaffRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    PLANNER = "planner", "Planner"
    OFFICER = "officer", "Port officer"
    NGO = "ngo", "NGO / shelter worker"
    AUDITOR = "auditor", "Auditor"


class User(AbstractUser):
    """A staff member: password (argon2) and TOTP, one role, bound to a port (officer) or shelter (ngo)."""

    role = models.CharField(max_length=16, choices=StaffRole.choices)
    port = models.ForeignKey(
        "ports.Port", null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )
    shelter = models.ForeignKey(
        "registrations.Shelter", null=True, blank=True, on_delete=models.PROTECT, related_name="workers"
    )
    failed_logins = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Part of the session hash: raising it ends every session of this account at its next request.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    REQUIRED_FIELDS = ["email", "role"]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="officer") | Q(port__isnull=False), name="staff_officer_has_port"
            ),
            models.CheckConstraint(
                condition=~Q(role="ngo") | Q(shelter__isnull=False), name="staff_ngo_has_shelter"
            ),
            models.CheckConstraint(
                condition=Q(role="officer") | Q(port__isnull=True), name="staff_only_officers_have_port"
            ),
            models.CheckConstraint(
                condition=Q(role="ngo") | Q(shelter__isnull=True), name="staff_only_ngo_has_shelter"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in StaffRole]), name="staff_role_known"
            ),
            # The Django admin's flags follow the role: only admins enter it, with every permission.
            models.CheckConstraint(
                condition=(Q(role="admin") & Q(is_staff=True) & Q(is_superuser=True))
                | (~Q(role="admin") & Q(is_staff=False) & Q(is_superuser=False)),
                name="staff_admin_flags_follow_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.role})"

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django checks this on every request: it changes with the password and with `session_epoch`."""
        key_salt = "cita.staff.User.session_auth_hash"
        value = f"{self.password}\x00{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class SigninThrottle(models.Model):
    """Wrong passwords typed for one username from one network address (a keyed hash of the pair, known
    usernames and unknown ones alike). Five in a row lock that pair only: for 15 minutes, then twice as
    long after each new lock (at most a day). Nobody elsewhere can lock a staff member out."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveSmallIntegerField(default=0)
    locks = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sign-in throttle {self.key[:8]}"
