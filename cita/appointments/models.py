"""Appointments and their signed passes.

State machine (shared/DESIGN.md): scheduled → checked_in → completed; scheduled → cancelled | rebooked |
no_show. Services move a row with a guarded UPDATE (`… WHERE state = <expected>`); the table refuses rows
whose state contradicts their timestamps.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from cita.appointments.passes import short_code_display
from cita.core.constraints import iff
from cita.core.fields import EncryptedTextField


class AppointmentState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    REBOOKED = "rebooked", "Rebooked"
    NO_SHOW = "no_show", "No-show"


# Which state may follow which (shared/DESIGN.md); every service checks against this table.
TRANSITIONS: dict[str, frozenset[str]] = {
    AppointmentState.SCHEDULED: frozenset(
        {
            AppointmentState.CHECKED_IN,
            AppointmentState.CANCELLED,
            AppointmentState.REBOOKED,
            AppointmentState.NO_SHOW,
        }
    ),
    AppointmentState.CHECKED_IN: frozenset({AppointmentState.COMPLETED}),
    AppointmentState.COMPLETED: frozenset(),
    AppointmentState.CANCELLED: frozenset(),
    AppointmentState.REBOOKED: frozenset(),
    AppointmentState.NO_SHOW: frozenset(),
}
# States in which a group holds its seats and its people are "in an appointment".
ACTIVE = (AppointmentState.SCHEDULED, AppointmentState.CHECKED_IN)
ENDED = (
    AppointmentState.COMPLETED,
    AppointmentState.CANCELLED,
    AppointmentState.REBOOKED,
    AppointmentState.NO_SHOW,
)


class Appointment(models.Model):
    """A travel group's appointment at a port, day and slot, with the pass that proves it."""

    offer = models.OneToOneField(
        "draws.Offer", null=True, blank=True, on_delete=models.PROTECT, related_name="appointment"
    )
    applicant = models.ForeignKey(
        "registrations.Applicant", on_delete=models.PROTECT, related_name="appointments"
    )
    port = models.ForeignKey("ports.Port", on_delete=models.PROTECT, related_name="appointments")
    day = models.DateField()
    slot = models.TimeField()
    group_size = models.PositiveSmallIntegerField()
    members = ArrayField(models.BigIntegerField())
    document_indexes = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    # The people as they were when the group entered the draw (cita.registrations.identity), sealed; copied
    # from the request, and from the appointment a rebooking replaces. The officer sees these.
    identities = EncryptedTextField(null=True, blank=True)
    state = models.CharField(
        max_length=12, choices=AppointmentState.choices, default=AppointmentState.SCHEDULED
    )
    created_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.CharField(max_length=80, blank=True, help_text="Actor label of the officer.")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=40, blank=True)
    # The pass: the signed payload printed as a QR code (cita.appointments.passes).
    pass_payload = models.TextField()
    pass_kid = models.CharField(max_length=16)
    pass_issued_at = models.DateTimeField()
    # The pass's short code (`pass_short_code` of the payload), stored so that the public check finds a
    # pass by it; set with every payload (`services.pass_issue`).
    short_code = models.CharField(max_length=10, blank=True, db_index=True)
    day_before_sent_at = models.DateTimeField(null=True, blank=True)
    # The appointment this one replaces when a port closure moved the group (cita.appointments.services
    # .rebooking); the chain leads back to the offer of the original allocation.
    rebooked_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rebooked_to"
    )

    class Meta:
        ordering = ["day", "slot", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in AppointmentState]), name="appointment_state_known"
            ),
            models.CheckConstraint(condition=Q(group_size__gte=1), name="appointment_group_size_positive"),
            models.CheckConstraint(
                condition=iff(Q(state__in=["checked_in", "completed"]), Q(checked_in_at__isnull=False)),
                name="appointment_checked_in_at",
            ),
            models.CheckConstraint(
                condition=iff(Q(checked_in_at__isnull=True), Q(checked_in_by="")),
                name="appointment_checked_in_by",
            ),
            models.CheckConstraint(
                condition=iff(Q(state__in=[s.value for s in ENDED]), Q(ended_at__isnull=False)),
                name="appointment_ended_at",
            ),
        ]
        indexes = [
            models.Index(fields=["port", "day", "slot"], name="appointment_manifest"),
            models.Index(fields=["applicant", "-day"], name="appointment_applicant"),
            models.Index(fields=["day"], condition=Q(state="scheduled"), name="appointment_scheduled_day"),
            GinIndex(fields=["document_indexes"], name="appointment_documents"),
        ]

    def __str__(self) -> str:
        return f"appointment {self.pk} ({self.state})"

    @property
    def pass_code(self) -> str:
        """The pass's short code as printed (`XXXXX-XXXXX`), for typing when the QR code cannot be read."""
        return short_code_display(self.short_code) if self.short_code else ""


class Outcome(models.TextChoices):
    """What happened to one person of a group at the port (recorded by an officer; no-show by the job)."""

    PROCESSED_RELEASED = "processed_released", "Processed and released"
    DETAINED = "detained", "Detained"
    REMOVED = "removed", "Removed or repatriated"
    REFERRED = "referred", "Referred"
    NO_SHOW = "no_show", "No-show"


class MemberOutcome(models.Model):
    """The outcome of one member of an appointment's group. `member_id` is the id on the appointment
    (a member removed from the group later keeps their outcome)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="outcomes")
    member_id = models.BigIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=80, help_text="Actor label: officer:12 or system:job.")

    class Meta:
        ordering = ["appointment", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "member_id"], name="outcome_one_per_member"),
            models.CheckConstraint(condition=Q(outcome__in=[o.value for o in Outcome]), name="outcome_known"),
        ]
        indexes = [models.Index(fields=["recorded_at"], name="outcome_recorded_at")]

    def __str__(self) -> str:
        return f"member {self.member_id} of appointment {self.appointment_id}: {self.outcome}"


class Rebooking(models.Model):
    """The rebooking of the groups of one port closure: what the plan started from (`snapshot`), the
    plan itself, and their SHA-256 (both in the audit log). `cita.appointments.rebook_plan.plan_compute`
    on the snapshot gives the plan again (a replay)."""

    closure = models.OneToOneField("ports.PortClosure", on_delete=models.PROTECT, related_name="rebooking")
    snapshot = models.JSONField()
    plan = models.JSONField()
    snapshot_sha256 = models.CharField(max_length=64)
    plan_sha256 = models.CharField(max_length=64)
    groups = models.PositiveIntegerField()
    placed = models.PositiveIntegerField()
    escalated = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    actor = models.CharField(max_length=80)

    class Meta:
        ordering = ["-finished_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(groups=models.F("placed") + models.F("escalated")), name="rebooking_counts"
            )
        ]

    def __str__(self) -> str:
        return f"rebooking of closure {self.closure_id}"
