"""Audit events. Writers append rows without waiting for each other; one sequencer then chains them: each
chained row's hash covers the previous row's hash and its own content (decision 0012)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

GENESIS = "0" * 64


class AuditEvent(models.Model):
    """One recorded action. `id` comes from a sequence (a rolled-back write leaves a gap); `seq` is the row's
    place in the chain, contiguous from 1, set with `prev_hash`, `hash` and `chained_at` by the sequencer
    (`audit_chain_extend`) within seconds of the commit. Until then the row is pending."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=80)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    chained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["action", "id"]),
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["at"]),
            models.Index(fields=["chained_at", "seq"], name="audit_chained_at"),
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_pending"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(seq__isnull=True, prev_hash__isnull=True, hash__isnull=True, chained_at__isnull=True)
                    | Q(seq__gte=1, prev_hash__isnull=False, hash__isnull=False, chained_at__isnull=False)
                ),
                name="audit_chained_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"

    @property
    def chained(self) -> bool:
        """True once the sequencer has put the row in the chain."""
        return self.seq is not None
