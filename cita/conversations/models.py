"""What cita keeps of text messages people send: each message once (by its provider's id), and the short-lived
state of a phone's conversation. The words of a message and of its reply are kept, sealed, only when the
message came from an account's proven phone; otherwise only what it was understood as."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cita.core.fields import EncryptedTextField
from cita.core.languages import Language


class Provider(models.TextChoices):
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"


class Command(models.TextChoices):
    HELP = "help", "Help (the menu)"
    STATUS = "status", "Status"
    ASK = "ask", "Ask for an appointment"
    CONFIRM = "confirm", "Confirm an offer"
    DECLINE = "decline", "Decline an offer"
    CANCEL = "cancel", "Cancel the appointment"
    LANGUAGE = "language", "Change language"
    STOP = "stop", "STOP: no more messages but replies"
    START = "start", "START: messages again"
    UNKNOWN = "unknown", "Not understood (the menu)"
    UNREGISTERED = "unregistered", "From a number no account has"
    UNVERIFIED = "unverified", "From an account's number no code has proven (not acted on)"
    LIMITED = "limited", "Over the phone's hourly limit (not answered)"


class InboundMessage(models.Model):
    """One message a phone sent, recorded once: a provider that delivers it again finds it here and nothing
    happens twice (`UniqueConstraint` on provider and its message id)."""

    provider = models.CharField(max_length=8, choices=Provider.choices)
    message_id = models.CharField(max_length=128)
    phone_index = models.CharField(max_length=64, help_text="Keyed hash of the sender's number.")
    applicant = models.ForeignKey(
        "registrations.Applicant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbound_messages",
        db_index=False,
    )
    command = models.CharField(max_length=12, choices=Command.choices)
    received_at = models.DateTimeField()
    # The words, sealed at rest, kept only for a message of an account (a proven phone): the shelter's NGO
    # workers read a resident's history; the purge deletes the rows with the case (docs/privacy-retention.md).
    text = EncryptedTextField(null=True, blank=True)
    reply = EncryptedTextField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "message_id"], name="inbound_message_once"),
        ]
        indexes = [
            models.Index(fields=["phone_index", "received_at"], name="inbound_by_phone"),
            models.Index(fields=["applicant", "received_at"], name="inbound_by_applicant"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} message {self.message_id} ({self.command})"


class Step(models.TextChoices):
    NONE = "", "Nothing pending"
    ASK = "ask", "Choosing ports"
    CANCEL = "cancel", "Cancellation to confirm"
    LANGUAGE = "language", "Choosing a language"


class Conversation(models.Model):
    """The state of one phone's conversation: its language (for a number no account has yet) and the step it
    is in (a port menu shown, a cancellation to confirm), which lapses at `expires_at`."""

    phone_index = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=2, choices=Language.choices, blank=True)
    step = models.CharField(max_length=8, choices=Step.choices, blank=True)
    step_data = models.JSONField(default=dict, blank=True, help_text="Ids the step needs (no personal data).")
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(step="") | Q(expires_at__isnull=False), name="conversation_step_expires"
            ),
        ]

    def __str__(self) -> str:
        return f"conversation {self.pk} ({self.step or 'idle'})"


class ProviderHour(models.Model):
    """How many signed messages one provider brought in one clock hour: its budget
    (`CITA_CONVERSATION_PROVIDER_RATE_PER_HOUR`) is spent here, one guarded counter per provider and hour.
    No personal data; rows older than a day are deleted when a new hour starts."""

    provider = models.CharField(max_length=8, choices=Provider.choices)
    hour = models.DateTimeField(help_text="The start of the clock hour (UTC).")
    messages = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "hour"], name="provider_hour_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.hour:%Y-%m-%d %H}h: {self.messages}"
