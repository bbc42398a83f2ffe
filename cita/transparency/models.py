"""Counts per port and day, and the backlog of waiting groups, kept by the job `transparency.figures`.

They are counts only (no person, no ticket): the planners' dashboards read them in full, the public page
reads them with small outcome counts suppressed (cita.transparency.selectors). Computing them from the
live tables on each request would scan a million requests per draw day; the job refreshes the days that
can still change every ten minutes.
"""

from __future__ import annotations

from django.db import models


class PortDayFigures(models.Model):
    """What happened at one port on one appointment day."""

    port = models.ForeignKey("ports.Port", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    requests = models.PositiveIntegerField(default=0, help_text="Groups that ranked this port first.")
    requested_people = models.PositiveIntegerField(default=0)
    seats = models.PositiveIntegerField(default=0)
    selections = models.PositiveIntegerField(default=0, help_text="Offers made (every round).")
    confirmations = models.PositiveIntegerField(default=0)
    appointments = models.PositiveIntegerField(default=0, help_text="Appointments issued or rebooked here.")
    check_ins = models.PositiveIntegerField(default=0, help_text="Groups checked in.")
    people_checked_in = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0, help_text="Groups never checked in.")
    cancelled = models.PositiveIntegerField(default=0)
    rebooked = models.PositiveIntegerField(default=0, help_text="Groups moved away by a closure.")
    processed_released = models.PositiveIntegerField(default=0, help_text="People (outcomes).")
    detained = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    referred = models.PositiveIntegerField(default=0)
    member_no_show = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "port"]
        verbose_name_plural = "port day figures"
        constraints = [models.UniqueConstraint(fields=["port", "day"], name="figures_port_day")]

    def __str__(self) -> str:
        return f"figures {self.port_id} {self.day}"


class BacklogFigures(models.Model):
    """The groups waiting on one day, by how long they have waited (buckets of days)."""

    day = models.DateField(unique=True)
    waiting = models.PositiveIntegerField()
    people = models.PositiveIntegerField()
    buckets = models.JSONField(help_text='[{"label": "0-6", "low": 0, "high": 6, "groups": n}, ...]')
    median_days = models.PositiveIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "backlog figures"

    def __str__(self) -> str:
        return f"backlog {self.day}: {self.waiting}"
