"""The outbox: one row per notice cita owes someone, written in the transaction of the change behind it,
and one delivery row per notice and channel, which the worker works through."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cita.core.fields import EncryptedTextField

# The sealing context of a sign-in code kept in a notice until it is sent.
CODE_SEAL = "notifications.notice.context.code"


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
    REPLY = "reply", "Reply to a text message"
    SIGNIN_LOCKED = "signin_locked", "Sign-in locked after wrong codes"
    CONTACT_CHANGED = "contact_changed", "Phone or email of the account changed"


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    WHATSAPP = "whatsapp", "WhatsApp"


class Notice(models.Model):
    """A notice owed to one person. `dedup_key` makes enqueueing idempotent (a re-run job adds nothing).

    Either `applicant` is set (their contacts and language pick channels and template), or, for sign-in
    codes to a contact not yet known, `address` (sealed) and `address_kind`. Every notice of an applicant
    is also shown in their in-app inbox (`/messages`).
    """

    dedup_key = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    # No index of its own: (applicant, -created_at) below serves every lookup by applicant.
    applicant = models.ForeignKey(
        "registrations.Applicant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
        db_index=False,
    )
    address = EncryptedTextField(null=True, blank=True)
    address_kind = models.CharField(max_length=8, blank=True, choices=Channel.choices)
    language = models.CharField(max_length=2)
    context = models.JSONField(
        default=dict,
        help_text="Values for the template (cita.notifications.contract); a sign-in code only sealed, "
        "and wiped once sent or expired.",
    )
    priority = models.PositiveSmallIntegerField(default=5, help_text="0 goes first (sign-in codes).")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this the notice is useless and is not sent (sign-in codes)."
    )
    read_at = models.DateTimeField(null=True, blank=True, help_text="When the applicant read it in the app.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["applicant", "-created_at"]),
            models.Index(fields=["expires_at"], condition=Q(expires_at__isnull=False), name="notice_expiry"),
        ]
        constraints = [
            # A constraint rather than `unique=True`, which would add a second index on the key (for LIKE,
            # never used): a draw writes a million notices at once, and each index costs (migration 0003).
            models.UniqueConstraint(fields=["dedup_key"], name="notice_dedup_key_unique"),
            models.CheckConstraint(
                condition=models.Q(applicant__isnull=False) | models.Q(address__isnull=False),
                name="notice_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(address__isnull=True) | ~Q(address_kind=""), name="notice_address_has_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.dedup_key})"


class ChannelChoice(models.TextChoices):
    ALL = "all", "Every channel I have"
    SMS = "sms", "SMS only"
    EMAIL = "email", "Email only"


class Preference(models.Model):
    """How an applicant wants to be reached. Without a row: on every contact they gave."""

    applicant = models.OneToOneField(
        "registrations.Applicant", on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels = models.CharField(max_length=8, choices=ChannelChoice.choices, default=ChannelChoice.ALL)
    # "Not selected" comes every day to most people: in the app and by email always, by SMS only when asked
    # for (an SMS costs money; a million a day would cost the agency or an NGO thousands of dollars).
    not_selected_by_sms = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Preference of applicant {self.applicant_id}: {self.channels}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Claimed by a worker"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed for good (refused)"
    DEAD = "dead", "Dead-lettered (attempts used up)"
    SKIPPED = "skipped", "Not sent on purpose (expired or over a limit)"


# Rows an admin must look at: the staff page lists them with a retry button.
NEEDS_ATTENTION = (DeliveryStatus.FAILED, DeliveryStatus.DEAD)


class Delivery(models.Model):
    """One notice on one channel: its state, attempts, the provider's id once sent.

    A worker claims due rows with `SELECT … FOR UPDATE SKIP LOCKED` and marks them `sending` with a claim
    token and lease; rows the provider accepted are marked `sent` a few at a time
    (`CITA_NOTIFY_RECORD_EVERY`), each guarded by its claim token.
    """

    # No index of its own: the unique (notice, channel) below serves every lookup by notice.
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    priority = models.PositiveSmallIntegerField(default=5, help_text="Copied from the notice; 0 first.")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_pid = models.IntegerField(null=True, blank=True, help_text="Database backend of the claimer.")
    claim_backend_start = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    recipient_index = models.CharField(
        max_length=64, blank=True, help_text="Keyed hash of the address it went to (rate limits)."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["priority", "next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(fields=["claimed_until"], condition=Q(status="sending"), name="delivery_claimed"),
            models.Index(
                fields=["recipient_index", "sent_at"], condition=Q(status="sent"), name="delivery_recipient"
            ),
            models.Index(
                fields=["-updated_at"], condition=Q(status__in=["failed", "dead"]), name="delivery_attention"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["notice", "channel"], name="delivery_one_per_channel"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="delivery_sent_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending")
                | (Q(claim_token__isnull=False) & Q(claimed_until__isnull=False)),
                name="delivery_sending_is_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}: notice {self.notice_id} by {self.channel}, {self.status}"


class StoppedNumber(models.Model):
    """A phone number whose owner sent STOP: nothing is sent to it any more but the replies to its own text
    messages, until it sends START (`restarted_at`). Keyed by a keyed hash of the number, whatever channel
    (SMS or WhatsApp) it wrote on; the rows stay as the record."""

    number_index = models.CharField(max_length=64, unique=True)
    stopped_at = models.DateTimeField()
    restarted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"stopped number {self.pk} ({'restarted' if self.restarted_at else 'stopped'})"
