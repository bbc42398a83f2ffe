"""Building blocks of the database constraints every domain writes in its models."""

from __future__ import annotations

from django.db.models import Q


def iff(left: Q, right: Q) -> Q:
    """A condition that holds when both `left` and `right` hold or neither does."""
    return (left & right) | (~left & ~right)
