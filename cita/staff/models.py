"""Staff accounts. Applicants are not users: they sign in with a one-time code (cita.registrations)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


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
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.role})"
