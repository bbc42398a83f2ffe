"""What the notifications domain holds of a person, for the retention purge (cita.registrations.retention).

Notices never keep a case open. For a purged applicant every notice (its context: tickets, places, dates)
and its deliveries (keyed hashes of the addresses, provider ids) are deleted, and the channel preference.
Sign-in codes sent to a contact that had no account yet carry that contact sealed in `Notice.address`;
they are deleted a day after their code expired, account or not (`notices_to_addresses_purge`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery

from cita.core import clock, crypto
from cita.notifications.models import Channel, DeliveryStatus, Notice, NoticeKind, Preference

# Sign-in notices to an address are kept this long after their code expired (as one-time codes are).
ADDRESS_NOTICE_GRACE = dt.timedelta(days=1)


def cases_open(*, now: dt.datetime) -> Q | None:
    """Notices hold no case open."""
    return None


def case_activity() -> list[Subquery]:
    """The latest notice owed to the applicant (every sign-in code to a known applicant is one, so this is
    also when they last asked to sign in), and their last change of channels."""
    notices = Notice.objects.filter(applicant=OuterRef("pk")).order_by().values("applicant")
    preference = Preference.objects.filter(applicant=OuterRef("pk")).values("updated_at")[:1]
    return [Subquery(notices.annotate(latest=Max("created_at")).values("latest")[:1]), Subquery(preference)]


def case_lock(*, applicant_id: int) -> None:
    """Nothing to lock."""


def applicant_data_purge(*, applicant_id: int) -> dict[str, int]:
    """Delete the applicant's notices, their deliveries and the channel preference (inside the caller's
    transaction); counts."""
    notices = Notice.objects.filter(applicant_id=applicant_id)
    count = notices.count()
    notices.delete()
    preferences, _ = Preference.objects.filter(applicant_id=applicant_id).delete()
    return {"notices": count, "preferences": preferences}


@transaction.atomic
def notices_to_addresses_purge(*, now: dt.datetime | None = None) -> int:
    """Delete sign-in notices sent to a bare address once their code has been expired for a day."""
    before = (now or clock.now()) - ADDRESS_NOTICE_GRACE
    rows = Notice.objects.filter(applicant__isnull=True, expires_at__isnull=False, expires_at__lt=before)
    count = rows.count()
    rows.delete()
    return count


def replies_to_number_purge(*, number: str) -> int:
    """Delete the replies to text messages sent to `number` (E.164) by SMS or WhatsApp: they go to a bare
    address, not to an account, so the applicant's purge does not find them by applicant (inside the
    caller's transaction); count. Found by the keyed hash each sent delivery keeps of its address."""
    indexes = [crypto.blind_index(number, purpose=f"notify-{c}") for c in (Channel.SMS, Channel.WHATSAPP)]
    ids = set(
        Notice.objects.filter(
            kind=NoticeKind.REPLY,
            applicant__isnull=True,
            deliveries__status=DeliveryStatus.SENT,
            deliveries__recipient_index__in=indexes,
        ).values_list("pk", flat=True)
    )
    Notice.objects.filter(pk__in=ids).delete()
    return len(ids)
