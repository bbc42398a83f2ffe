"""Reads of the notifications domain, scoped to the caller."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from cita.core import crypto
from cita.core.actors import Actor, Role
from cita.core.errors import NotFound
from cita.notifications.models import (
    CODE_SEAL,
    NEEDS_ATTENTION,
    ChannelChoice,
    Delivery,
    DeliveryStatus,
    Notice,
    NoticeKind,
    Preference,
)

INBOX_PAGE = 20


def inbox_page(*, applicant_id: int, page: int | str | None = 1) -> Page[Notice]:
    """One page of an applicant's messages, newest first (sign-in codes are not kept there). The caller
    has scoped the applicant to whoever asks (registrations' `applicant_get_for_actor`)."""
    notices = (
        Notice.objects.filter(applicant_id=applicant_id)
        .exclude(kind=NoticeKind.SIGNIN_CODE)
        .order_by("-created_at", "-id")
    )
    return Paginator(notices, INBOX_PAGE).get_page(page)


def unread_queryset(*, applicant_id: int) -> QuerySet[Notice]:
    """An applicant's unread messages (sign-in codes are not messages)."""
    return Notice.objects.filter(applicant_id=applicant_id, read_at__isnull=True).exclude(
        kind=NoticeKind.SIGNIN_CODE
    )


def unread_count(*, applicant_id: int) -> int:
    """How many of an applicant's messages are unread."""
    return unread_queryset(applicant_id=applicant_id).count()


def preference_get(*, applicant_id: int) -> str:
    """An applicant's channel choice (`all` when they never chose)."""
    choice = Preference.objects.filter(applicant_id=applicant_id).values_list("channels", flat=True).first()
    return str(choice or ChannelChoice.ALL)


def preference_not_selected_by_sms(*, applicant_id: int) -> bool:
    """Whether the applicant asked for "not selected" by SMS too (off unless they did)."""
    row = Preference.objects.filter(applicant_id=applicant_id).values_list("not_selected_by_sms", flat=True)
    return bool(row.first())


def _admin_only(actor: Actor) -> None:
    if actor.role is not Role.ADMIN or not actor.is_staff:
        raise NotFound("no such page")


def deliveries_for_admin(*, actor: Actor, status: str | None = None, limit: int = 200) -> QuerySet[Delivery]:
    """Deliveries an admin must look at (failed and dead-lettered), or those of one status; newest first."""
    _admin_only(actor)
    rows = Delivery.objects.select_related("notice").order_by("-updated_at", "-id")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    else:
        rows = rows.filter(status__in=NEEDS_ATTENTION)
    return rows[:limit]


def delivery_counts_for_admin(*, actor: Actor) -> dict[str, int]:
    """How many deliveries are in each status."""
    _admin_only(actor)
    counts = dict(Delivery.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


def signin_code_of(*, notice: Notice) -> str | None:
    """The sign-in code a notice carries, unsealed; None once it was sent or expired (then it is wiped).

    For tests and support tooling that must read a code cita is about to send; never shown to staff."""
    sealed = notice.context.get("code") if notice.kind == NoticeKind.SIGNIN_CODE else None
    return crypto.unseal(sealed, context=CODE_SEAL) if sealed else None


def delivery_counts_by_channel() -> dict[tuple[str, str], int]:
    """How many deliveries each (channel, status) holds, for the operators' metrics (no personal data)."""
    rows = Delivery.objects.values_list("channel", "status").annotate(n=Count("id")).order_by()
    return {(channel, status): n for channel, status, n in rows}


def notice_undelivered(*, dedup_key: str) -> bool:
    """Whether the notice under `dedup_key` will never reach anyone: every delivery of it was skipped
    (over a limit, expired) or failed for good. False while one is pending, sending or sent."""
    statuses = set(Delivery.objects.filter(notice__dedup_key=dedup_key).values_list("status", flat=True))
    dead = {DeliveryStatus.SKIPPED, DeliveryStatus.FAILED, DeliveryStatus.DEAD}
    return bool(statuses) and statuses <= dead
