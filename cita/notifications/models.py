"""The outbox: one row per notice cita owes someone, written in the transaction of the change behind it."""

from __future__ import annotations

from django.db import models

from cita.core.fields import EncryptedTextField


class NoticeKind(models.TextChoices):
    SIGNIN_CODE = "signin_code", "Sign-in code"
    REQUEST_RECEIVED = "request_received", "Request received"
    SELECTED = "selected", "Selected, confirm by the deadline"
    NOT_SELECTED = "not_selected", "Not selected"
    DEADLINE_REMINDER = "deadline_reminder", "Confirmation deadline reminder"
    CONFIRMED = "confirmed", "Appointment confirmed"
    REBOOKED = "rebooked", "Rebooked after a closure"
    CANCELLED = "cancelled", "Appointment cancelled"
    DAY_BEFORE = "day_before", "Day-before reminder"
    NO_SHOW = "no_show", "No-show follow-up"


class Notice(models.Model):
    """A notice owed to one person. `dedup_key` makes enqueueing idempotent (a re-run job adds nothing).

    Either `applicant` is set (their contacts and language pick channels and template), or, for sign-in
    codes to a contact not yet known, `address` (sealed) and `address_kind`.
    """

    dedup_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    applicant = models.ForeignKey(
        "registrations.Applicant", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    address = EncryptedTextField(null=True, blank=True)
    address_kind = models.CharField(max_length=8, blank=True, choices=[("sms", "SMS"), ("email", "Email")])
    language = models.CharField(max_length=2)
    context = models.JSONField(
        default=dict, help_text="Values for the template; no secrets except sign-in codes."
    )
    priority = models.PositiveSmallIntegerField(default=5, help_text="0 goes first (sign-in codes).")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True, help_text="When the applicant read it in the app.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["applicant", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(applicant__isnull=False) | models.Q(address__isnull=False),
                name="notice_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.dedup_key})"
