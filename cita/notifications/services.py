"""Writing notices to the outbox, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection

from cita.core import clock
from cita.notifications.models import Notice, NoticeKind
from cita.registrations.models import Applicant

SIGNIN_PRIORITY = 0
DEFAULT_PRIORITY = 5


def notice_enqueue(
    *,
    kind: NoticeKind,
    dedup_key: str,
    applicant: Applicant | None = None,
    address: str | None = None,
    address_kind: str = "",
    language: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> Notice:
    """Owe a notice; returns the existing one when `dedup_key` was enqueued before (idempotent)."""
    if not connection.in_atomic_block:
        raise RuntimeError("notices must be enqueued inside the transaction of the change that causes them")
    if applicant is None and not address:
        raise ValueError("a notice needs an applicant or an address")
    notice, _created = Notice.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "kind": kind,
            "applicant": applicant,
            "address": address,
            "address_kind": address_kind,
            "language": language or (applicant.language if applicant else "en"),
            "context": dict(context or {}),
            "priority": SIGNIN_PRIORITY if kind == NoticeKind.SIGNIN_CODE else DEFAULT_PRIORITY,
            "created_at": clock.now(),
        },
    )
    return notice
