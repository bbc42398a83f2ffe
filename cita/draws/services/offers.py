"""Offers: expire at the deadline, remind before it (confirming and declining an offer issues or releases
an appointment: `cita.appointments.services.offers`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cita.audit.services import Event, audit_record_many
from cita.core import clock
from cita.core.actors import Actor
from cita.core.locks import advisory_lock
from cita.draws.models import Offer, OfferState
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue
from cita.ports.services import capacity_release

# The reminder goes out this long before the deadline (or halfway, for deadlines shorter than twice this).
REMIND_BEFORE = dt.timedelta(hours=6)


@transaction.atomic
def offers_expire_due(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Expire every open offer past its deadline and give its seats back; returns how many expired."""
    now = now or clock.now()
    advisory_lock("draws.expire", "offers")
    # Row locks: a confirmation in flight finishes first, and then this sees it confirmed.
    due = list(
        Offer.objects.select_for_update(of=("self",))
        .filter(state=OfferState.OPEN, deadline__lte=now)
        .select_related("draw")
        .order_by("deadline", "id")
    )
    events = []
    for offer in due:
        updated = Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN, deadline__lte=now).update(
            state=OfferState.EXPIRED, settled_at=now, settled_reason="deadline"
        )
        if updated != 1:
            continue
        capacity_release(port_id=offer.port_id, day=offer.day, slot=offer.slot, seats=offer.group_size)
        events.append(Event("offer.expired", "offer", str(offer.pk), {"draw": offer.draw.draw_id}))
    if events:
        audit_record_many(actor=actor, events=events)
    return len(events)


@transaction.atomic
def offers_remind_due(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Remind once each group whose offer's deadline is near and who has not confirmed yet."""
    now = now or clock.now()
    advisory_lock("draws.remind", "offers")
    due = (
        Offer.objects.select_for_update(of=("self",))
        .filter(state=OfferState.OPEN, reminded_at__isnull=True, deadline__gt=now)
        .select_related("port", "applicant", "draw")
    )
    sent = 0
    for offer in due:
        window = min(REMIND_BEFORE, (offer.deadline - offer.created_at) / 2)
        if now < offer.deadline - window:
            continue
        notice_enqueue(
            kind=NoticeKind.DEADLINE_REMINDER,
            dedup_key=f"draw:{offer.draw.draw_id}:request:{offer.request_id}:deadline_reminder",
            applicant=offer.applicant,
            context={
                "offer_id": offer.pk,
                "deadline": offer.deadline.astimezone(dt.UTC).isoformat(),
                "port_name": offer.port.name,
                "date": offer.day.isoformat(),
                "slot": f"{offer.slot:%H:%M}",
                "time_zone": offer.port.time_zone,
            },
        )
        Offer.objects.filter(pk=offer.pk).update(reminded_at=now)
        sent += 1
    return sent
