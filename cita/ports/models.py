"""Ports of entry and seats per port, day and slot."""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models


def validate_time_zone(value: str) -> None:
    """Refuse names that are not IANA time zones."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone") from exc


class Port(models.Model):
    """A port of entry that receives appointments."""

    code = models.CharField(
        max_length=3, unique=True, validators=[RegexValidator(r"^[A-Z]{3}$", "Three capital letters.")]
    )
    name = models.CharField(max_length=100)
    city = models.CharField(max_length=100)
    address = models.TextField(help_text="Where applicants go on the appointment day, printed on the pass.")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists.")

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[A-Z]{3}$"), name="port_code_form")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The port's time zone."""
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def map_url(self) -> str:
        """A plain OpenStreetMap search for the port's address (ports have no coordinates)."""
        return "https://www.openstreetmap.org/search?" + urlencode({"query": self.address})


class WeeklySlot(models.Model):
    """The weekly template: seats in one slot of one weekday (0 = Monday) at a port."""

    port = models.ForeignKey(Port, on_delete=models.CASCADE, related_name="weekly_slots")
    weekday = models.PositiveSmallIntegerField()
    slot = models.TimeField()
    seats = models.PositiveIntegerField()

    class Meta:
        ordering = ["port", "weekday", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["port", "weekday", "slot"], name="weekly_slot_unique"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekly_slot_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.port.code} weekday {self.weekday} {self.slot:%H:%M}: {self.seats}"


class SlotCapacity(models.Model):
    """Seats at one port, on one day, in one slot. `left` falls as seats are booked and never below 0."""

    port = models.ForeignKey(Port, on_delete=models.PROTECT, related_name="capacity")
    day = models.DateField()
    slot = models.TimeField()
    seats = models.PositiveIntegerField()
    left = models.IntegerField()

    class Meta:
        ordering = ["day", "port", "slot"]
        verbose_name_plural = "slot capacities"
        constraints = [
            models.UniqueConstraint(fields=["port", "day", "slot"], name="slot_capacity_unique"),
            models.CheckConstraint(condition=models.Q(left__gte=0), name="slot_left_not_negative"),
            models.CheckConstraint(
                condition=models.Q(left__lte=models.F("seats")), name="slot_left_within_seats"
            ),
        ]
        indexes = [models.Index(fields=["day", "port"])]

    def __str__(self) -> str:
        return f"{self.port.code} {self.day} {self.slot:%H:%M}: {self.left}/{self.seats}"

    @property
    def booked(self) -> int:
        """Seats already taken."""
        return self.seats - self.left


class PortClosure(models.Model):
    """A port closed from `start` to `end` (port days, both included) for a reason.

    Closing takes the port's unbooked seats of those days away at once; the job `appointments.rebook`
    then moves every group booked there (docs/staff.md, "Closures"). Reopening gives the days whose draw
    has not run yet their seats back from the weekly template. A closure is never deleted.
    """

    port = models.ForeignKey(Port, on_delete=models.PROTECT, related_name="closures")
    start = models.DateField()
    end = models.DateField()
    reason = models.CharField(max_length=300, help_text="Why the port is closed (staff pages, audit log).")
    horizon_days = models.PositiveSmallIntegerField(
        help_text="Groups are rebooked up to this many days after the closure ends."
    )
    any_port = models.BooleanField(
        default=False, help_text="When no port a group ranked has seats, use any open port."
    )
    seats_withdrawn = models.PositiveIntegerField(default=0, help_text="Free seats taken away at closing.")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=80)
    rebooked_at = models.DateTimeField(null=True, blank=True, help_text="When the rebooking job finished.")
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="closure_range"),
            models.CheckConstraint(
                condition=models.Q(horizon_days__gte=1, horizon_days__lte=60), name="closure_horizon"
            ),
            models.CheckConstraint(
                condition=(models.Q(reopened_at__isnull=True) & models.Q(reopened_by=""))
                | (models.Q(reopened_at__isnull=False) & ~models.Q(reopened_by="")),
                name="closure_reopened_by",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="closure_has_reason"),
        ]
        indexes = [
            models.Index(
                fields=["port", "start", "end"],
                condition=models.Q(reopened_at__isnull=True),
                name="closure_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.port.code} closed {self.start} to {self.end}"

    @property
    def active(self) -> bool:
        """Not reopened."""
        return self.reopened_at is None
