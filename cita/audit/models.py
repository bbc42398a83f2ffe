"""Audit events. Rows are chained: each row's hash covers the previous row's hash and its own content."""

from __future__ import annotations

from django.db import models

GENESIS = "0" * 64


class AuditEvent(models.Model):
    """One recorded action. Ids are contiguous (assigned under a lock), so a deleted row is noticed too."""

    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=80)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["action", "id"]),
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"
