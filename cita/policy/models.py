"""The draw policy: the planner's settings for the draws opened from a given moment on."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class DrawPolicy(models.Model):
    """A planner's settings for the draws opened from `effective_from` on (a new row per change).

    Times are wall-clock times in the reference time zone (`CITA_DRAW_TIME_ZONE`). The window closes at
    `window_closes` on the day it opens when that is later than `window_opens`, else on the next day (equal
    times make a 24-hour window). The draw runs when the window closes.
    """

    effective_from = models.DateTimeField(unique=True)
    window_opens = models.TimeField()
    window_closes = models.TimeField()
    horizon_days = models.PositiveSmallIntegerField(help_text="Appointment day = window day + this.")
    reserve_percent = models.PositiveSmallIntegerField()
    confirm_hours = models.PositiveSmallIntegerField(help_text="Hours a selected group has to confirm.")
    group_size_limit = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=80)

    class Meta:
        # The table kept its name when the policy left the draws app: no data moved.
        db_table = "draws_drawpolicy"
        ordering = ["-effective_from"]
        verbose_name_plural = "draw policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=90), name="policy_horizon"
            ),
            models.CheckConstraint(condition=Q(reserve_percent__lte=100), name="policy_reserve_percent"),
            models.CheckConstraint(
                condition=Q(confirm_hours__gte=1, confirm_hours__lte=168), name="policy_confirm"
            ),
            models.CheckConstraint(
                condition=Q(group_size_limit__gte=1, group_size_limit__lte=30), name="policy_group_size"
            ),
        ]

    def __str__(self) -> str:
        return f"policy from {self.effective_from:%Y-%m-%d %H:%M} UTC"
