"""Draw policies, draws (one per appointment day and round), requests, priority flags and offers.

The state machines of shared/DESIGN.md are enforced by the services with guarded UPDATEs
(`… WHERE state = <expected>`), and the tables refuse any row whose state contradicts its timestamps.
A draw's bulk transitions (a million requests entered or not selected) are not written per request:
they follow from the draw's status (`RequestStatus`, a view); see docs/daily-cycle.md, "Performance".
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from cita.core.constraints import iff
from cita.core.fields import EncryptedTextField

HEX64 = r"^[0-9a-f]{64}$"
TICKET = r"^[A-Z0-9]{10}$"


class DrawStatus(models.TextChoices):
    OPEN = "open", "Open: commitment published"
    FROZEN = "frozen", "Frozen: entries published, waiting for the reveal"
    BEACON_WAIT = "beacon_wait", "Waiting for the beacon (alert)"
    PUBLISHED = "published", "Published: results computed"
    SKIPPED = "skipped", "Skipped: no seats to draw"


class Draw(models.Model):
    """One draw: round 1 takes the requests of its window; round 2, 3, … (second chances) draw the seats
    released by the previous round among the day's entries not selected yet.

    The server seed is sealed (`cita.core.crypto.seal`) until the reveal; only its commitment is public.
    """

    draw_id = models.CharField(max_length=24, unique=True)
    first = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="second_chances",
        help_text="The round-1 draw of the same day; empty for round 1.",
    )
    round = models.PositiveSmallIntegerField(default=1)
    appointment_date = models.DateField()
    status = models.CharField(max_length=12, choices=DrawStatus.choices, default=DrawStatus.OPEN)
    # The values this draw used (copied from the policy in force when it opened).
    policy = models.ForeignKey("policy.DrawPolicy", null=True, blank=True, on_delete=models.PROTECT)
    reserve_percent = models.PositiveSmallIntegerField()
    confirm_hours = models.PositiveSmallIntegerField()
    group_size_limit = models.PositiveSmallIntegerField()
    time_zone = models.CharField(max_length=64, help_text="The reference time zone of its window.")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(help_text="Entries freeze and the draw runs from this moment.")
    # Commit and reveal.
    commitment = models.CharField(max_length=64)
    seed_sealed = models.TextField(editable=False)
    # NULL means "not yet" for these four (the CHECK constraints below refuse an empty string).
    server_seed = models.CharField(max_length=64, null=True, blank=True, help_text="Set at the reveal.")  # noqa: DJ001
    beacon_source = models.CharField(max_length=300, blank=True)
    beacon_round = models.BigIntegerField(null=True, blank=True)
    beacon_genesis = models.BigIntegerField(null=True, blank=True, help_text="Chain genesis (Unix seconds).")
    beacon_period = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds between rounds.")
    beacon_value = models.CharField(max_length=1024, null=True, blank=True)  # noqa: DJ001
    beacon_attempts = models.PositiveIntegerField(default=0)
    beacon_error = models.CharField(max_length=300, blank=True)
    # Freeze and publish.
    entries_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    results_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    entries_count = models.PositiveIntegerField(null=True, blank=True)
    selected_count = models.PositiveIntegerField(null=True, blank=True)
    seats = models.PositiveIntegerField(null=True, blank=True, help_text="Seats drawn (capacity total).")
    frozen_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True, help_text="When this round's offers expire.")
    # Result notices are written by `draws.notify` after the results commit (docs/daily-cycle.md).
    notices_done = models.BooleanField(default=False)
    # When the groups this draw passed over for their size got their priority (null: still owed).
    passed_over_at = models.DateTimeField(null=True, blank=True)
    notified_upto = models.BigIntegerField(default=0, help_text="Last request id given its notice.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-opens_at", "-round"]
        constraints = [
            models.UniqueConstraint(fields=["first", "round"], name="draw_round_unique"),
            models.CheckConstraint(condition=Q(round__gte=1), name="draw_round_positive"),
            models.CheckConstraint(
                condition=(Q(round=1) & Q(first__isnull=True)) | (Q(round__gt=1) & Q(first__isnull=False)),
                name="draw_round_has_first",
            ),
            models.CheckConstraint(condition=Q(commitment__regex=HEX64), name="draw_commitment_hex"),
            models.CheckConstraint(
                condition=Q(server_seed__isnull=True) | Q(server_seed__regex=HEX64), name="draw_seed_hex"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in DrawStatus]), name="draw_status_known"
            ),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="draw_window_order"),
            models.CheckConstraint(condition=Q(reserve_percent__lte=100), name="draw_reserve_percent"),
            # Published: seed revealed, both hashes set, a deadline for its offers.
            models.CheckConstraint(
                condition=~Q(status="published")
                | (
                    Q(server_seed__isnull=False)
                    & Q(entries_sha256__isnull=False)
                    & Q(results_sha256__isnull=False)
                    & Q(published_at__isnull=False)
                    & Q(deadline__isnull=False)
                ),
                name="draw_published_complete",
            ),
            # Open: nothing frozen or revealed yet.
            models.CheckConstraint(
                condition=~Q(status="open")
                | (Q(server_seed__isnull=True) & Q(entries_sha256__isnull=True) & Q(frozen_at__isnull=True)),
                name="draw_open_unrevealed",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["frozen", "beacon_wait"])
                | (Q(server_seed__isnull=True) & Q(entries_sha256__isnull=False)),
                name="draw_frozen_unrevealed",
            ),
            models.CheckConstraint(
                condition=~Q(status="skipped") | Q(server_seed__isnull=False), name="draw_skipped_revealed"
            ),
            models.CheckConstraint(
                condition=Q(beacon_round__isnull=True) | ~Q(beacon_source=""), name="draw_beacon_source"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "closes_at"], name="draw_due"),
            models.Index(fields=["appointment_date"]),
        ]

    def __str__(self) -> str:
        return f"draw {self.draw_id} ({self.status})"

    @property
    def runs_on(self) -> dt.date:
        """The day the draw runs (its window closes), in the time zone of its window: draw 2026-12-02 for
        16 December runs on 3 December. People know a draw by these two days, not by its id."""
        return self.closes_at.astimezone(zoneinfo.ZoneInfo(self.time_zone)).date()


class DrawFile(models.Model):
    """One published file of a draw bundle, kept byte for byte (served as stored, hashed at write)."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(
        max_length=16, choices=[(n, n) for n in ("manifest.json", "entries.csv", "results.csv")]
    )
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draw", "name"], name="draw_file_unique"),
            models.CheckConstraint(condition=Q(sha256__regex=HEX64), name="draw_file_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}/{self.name}"


class DrawApplicant(models.Model):
    """What the draws keep per travel group: the day it first asked (its `waiting_since`).

    The row is also the lock taken by every request of the group, so that two requests of one group
    cannot pass the rules at the same time.
    """

    applicant = models.OneToOneField(
        "registrations.Applicant", primary_key=True, on_delete=models.CASCADE, related_name="draw_record"
    )
    waiting_since = models.DateField()
    first_request_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"applicant {self.applicant_id} waiting since {self.waiting_since}"


class PriorityKind(models.TextChoices):
    URGENT = "urgent", "Urgent (flagged by an officer or NGO)"
    DISPLACED = "displaced", "Displaced by a port closure"
    PASSED_OVER = "passed_over", "Passed over for the size of the group"


# Kinds that hold until they end (no count of draws); a displaced flag counts its draws down.
UNCOUNTED_KINDS = (PriorityKind.URGENT, PriorityKind.PASSED_OVER)


class PriorityFlag(models.Model):
    """A reason to put a group in tier 0 (served first in the lottery phase).

    Urgent flags hold until revoked or until the group confirms an appointment; displaced flags hold for
    `draws_remaining` more draws (those for days from `from_day` on, when set); a group a draw passed
    over for its size (`cita.lottery.passed_over`) holds its flag until a draw selects it. The reason
    may describe a person's situation, so it is sealed.
    """

    applicant = models.ForeignKey(
        "registrations.Applicant", on_delete=models.CASCADE, related_name="priority_flags"
    )
    kind = models.CharField(max_length=16, choices=PriorityKind.choices)
    reason = EncryptedTextField()
    draws_remaining = models.PositiveSmallIntegerField(null=True, blank=True)
    # A group that chose to wait for the first port of a closure: the flag counts only in the draws for
    # appointment days from this day on (the day after the closure).
    from_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=80)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in PriorityKind]), name="priority_kind_known"
            ),
            models.CheckConstraint(
                condition=(Q(kind="displaced") & Q(draws_remaining__isnull=False))
                | (Q(kind__in=[k.value for k in UNCOUNTED_KINDS]) & Q(draws_remaining__isnull=True)),
                name="priority_displaced_counts_draws",
            ),
            models.CheckConstraint(
                condition=iff(Q(ended_at__isnull=True), Q(ended_reason="")), name="priority_end_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["applicant"], condition=Q(ended_at__isnull=True), name="priority_active"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} flag of applicant {self.applicant_id}"


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ENTERED = "entered", "Entered in the draw"
    SELECTED = "selected", "Selected"
    NOT_SELECTED = "not_selected", "Not selected"


class Request(models.Model):
    """A travel group's request for one day's draw: its ranked ports and its public ticket.

    `draw` is always the day's round-1 draw. Its state is read from `RequestStatus` (a view derived from
    this row, its offer and its draw). The people it was made for are in `RequestPeople`.
    """

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="requests")
    applicant = models.ForeignKey(
        "registrations.Applicant", on_delete=models.PROTECT, related_name="requests"
    )
    # A group's requests in one draw (a withdrawn one and the one it asked again) share the ticket it was
    # first issued there; among live requests a ticket is unique.
    ticket = models.CharField(max_length=10)
    ports = ArrayField(models.CharField(max_length=3), help_text="Port codes, most preferred first.")
    group_size = models.PositiveSmallIntegerField()
    waiting_since = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=80)
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when withdrawn (state `withdrawn`)."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One live request per group per draw.
            models.UniqueConstraint(
                fields=["draw", "applicant"],
                condition=Q(withdrawn_at__isnull=True),
                name="request_one_per_draw",
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(withdrawn_at__isnull=True), name="request_ticket_live_unique"
            ),
            models.CheckConstraint(condition=Q(ticket__regex=TICKET), name="request_ticket_form"),
            models.CheckConstraint(condition=Q(group_size__gte=1), name="request_group_size_positive"),
            models.CheckConstraint(condition=Q(ports__len__gte=1), name="request_has_ports"),
        ]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="request_applicant"),
            models.Index(fields=["ticket"], name="request_ticket"),
        ]

    def __str__(self) -> str:
        return f"request {self.pk}"

    @property
    def state(self) -> str:
        """The request's state (derived by the `RequestStatus` view)."""
        return self.status.state


class RequestStatus(models.Model):
    """Where a request is in its state machine: submitted → withdrawn | entered → selected | not_selected
    (and not_selected → selected in a second chance). Read-only: a database view, never written.

    A draw moves all its requests at once (entered at the freeze, not selected at the publication), so
    those states are not stored per request: they follow from the draw's status. What happens to one
    request by itself is stored once, where it belongs: its withdrawal (`Request.withdrawn_at`) and its
    selection (its `Offer`, one per request). The view (migration 0004) derives the state from these:

    | state | when |
    |---|---|
    | withdrawn | `withdrawn_at` is set |
    | selected | the request has an offer (`decided_at` = the offer's time) |
    | submitted | its draw is open |
    | entered | its draw is frozen (or waits for the beacon) |
    | not_selected | its draw is published (`decided_at` = the publication) |

    So publishing a draw of a million requests writes a few hundred offers, not a million states
    (docs/daily-cycle.md, "Performance"). The transitions stay guarded where they happen: a withdrawal
    only while the draw is open and only once (`withdrawn_at IS NULL`), a selection once per request (the
    offer's unique request), the draw's own statuses by its row lock and CHECK constraints.
    """

    request = models.OneToOneField(
        Request, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="status"
    )
    draw = models.ForeignKey(
        Draw,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="The request's draw.",
    )
    state = models.CharField(max_length=12, choices=RequestState.choices)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False  # the view draws_requeststatus (migration 0004)
        verbose_name_plural = "request statuses"

    def __str__(self) -> str:
        return f"request {self.request_id}: {self.state}"


class RequestPeople(models.Model):
    """The people a request was made for (member ids, and the keyed hashes of their documents), so that one
    person is in one active request or appointment at a time, across groups."""

    request = models.OneToOneField(Request, primary_key=True, on_delete=models.CASCADE, related_name="people")
    members = ArrayField(models.BigIntegerField())
    document_indexes = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    # Who the people were when the group asked (cita.registrations.identity), sealed: the pass made from
    # this request shows them, and any later difference is flagged to the officer.
    identities = EncryptedTextField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "request people"
        indexes = [GinIndex(fields=["document_indexes"], name="request_documents")]

    def __str__(self) -> str:
        return f"people of request {self.request_id}"


class OfferState(models.TextChoices):
    OPEN = "open", "Open: waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    EXPIRED = "expired", "Expired"
    DECLINED = "declined", "Declined"


class Offer(models.Model):
    """A seat offered to a selected group until `deadline`. Its seats are taken when the draw's results
    are applied and given back when it is declined or expires."""

    request = models.OneToOneField(Request, on_delete=models.PROTECT, related_name="offer")
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="offers")
    applicant = models.ForeignKey("registrations.Applicant", on_delete=models.PROTECT, related_name="offers")
    port = models.ForeignKey("ports.Port", on_delete=models.PROTECT, related_name="offers")
    day = models.DateField()
    slot = models.TimeField()
    group_size = models.PositiveSmallIntegerField()
    phase = models.CharField(max_length=8, choices=[("reserve", "Reserve"), ("lottery", "Lottery")])
    order = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=OfferState.choices, default=OfferState.OPEN)
    deadline = models.DateTimeField()
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_reason = models.CharField(max_length=40, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["draw", "order"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "order"], name="offer_order_unique"),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in OfferState]), name="offer_state_known"
            ),
            models.CheckConstraint(
                condition=iff(Q(state="open"), Q(settled_at__isnull=True)), name="offer_settled_at"
            ),
            models.CheckConstraint(condition=Q(group_size__gte=1), name="offer_group_size_positive"),
        ]
        indexes = [
            models.Index(fields=["deadline"], condition=Q(state="open"), name="offer_open_deadline"),
            models.Index(fields=["applicant", "-created_at"], name="offer_applicant"),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} ({self.state})"
