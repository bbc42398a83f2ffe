"""The result notices of a published draw: `selected` for each open offer, `not_selected` for the rest.

The draw's results commit first, together with `notices_done = false` on the draw: that flag is the
outbox's promise, kept by `draws.notify` in batches. Each batch is its own transaction and records how far
it got; each notice has a dedup key (draw, request, kind), so a batch run twice, or again after a crash,
adds nothing. Writing a million notices inside the draw's own transaction would hold its locks many times
longer than the draw itself (docs/daily-cycle.md).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from cita.core.actors import Actor
from cita.draws.locks import advisory_lock, crash_point
from cita.draws.models import Draw, DrawStatus, Offer, OfferState, Request, RequestState
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue


def _batch() -> int:
    return int(settings.CITA_DRAW_NOTICE_BATCH)


def offer_url(offer: Offer) -> str:
    """Where the group confirms or declines its offer."""
    return f"{settings.CITA_BASE_URL}/draw/offers/{offer.pk}"


def selected_notice(offer: Offer) -> None:
    """Owe the group the `selected` notice of its offer (inside the caller's transaction)."""
    notice_enqueue(
        kind=NoticeKind.SELECTED,
        dedup_key=f"draw:{offer.draw.draw_id}:request:{offer.request_id}:selected",
        applicant=offer.applicant,
        context={
            "ticket": offer.request.ticket,
            "offer_id": offer.pk,
            "port_code": offer.port.code,
            "port_name": offer.port.name,
            "date": offer.day.isoformat(),
            "slot": f"{offer.slot:%H:%M}",
            "deadline": offer.deadline.astimezone(dt.UTC).isoformat(),
            "time_zone": offer.port.time_zone,
        },
    )


def draw_notify(*, draw: Draw, actor: Actor, batch: int | None = None) -> int:
    """Write the result notices a published draw still owes; returns how many batches ran."""
    if draw.status != DrawStatus.PUBLISHED or draw.notices_done:
        return 0
    batch = batch or _batch()
    batches = 0
    while _notify_batch(draw_pk=draw.pk, batch=batch):
        batches += 1
        crash_point("draws.notify.after_batch")
    return batches


@transaction.atomic
def _notify_batch(*, draw_pk: int, batch: int) -> bool:
    """One batch of notices; False when there was nothing left to do (and the draw is marked done)."""
    draw = Draw.objects.select_for_update().get(pk=draw_pk)
    advisory_lock("draws.notify", draw.draw_id)
    if draw.notices_done:
        return False
    if draw.notified_upto == 0:  # the first batch also owes the `selected` notices (a few thousand at most)
        offers = Offer.objects.filter(draw=draw, state=OfferState.OPEN).select_related(
            "port", "applicant", "request", "draw"
        )
        for offer in offers:
            selected_notice(offer)
    if draw.round > 1:
        # Second chances only tell the newly selected; the others heard `not_selected` after round 1.
        Draw.objects.filter(pk=draw.pk).update(notices_done=True)
        return True
    rows = list(
        Request.objects.filter(draw=draw, status__state=RequestState.NOT_SELECTED, pk__gt=draw.notified_upto)
        .select_related("applicant")
        .order_by("pk")[:batch]
    )
    for request in rows:
        notice_enqueue(
            kind=NoticeKind.NOT_SELECTED,
            dedup_key=f"draw:{draw.draw_id}:request:{request.pk}:not_selected",
            applicant=request.applicant,
            context={
                "ticket": request.ticket,
                "draw_id": draw.draw_id,
                "appointment_date": draw.appointment_date.isoformat(),
            },
        )
    if rows:
        Draw.objects.filter(pk=draw.pk).update(notified_upto=rows[-1].pk)
        return True
    Draw.objects.filter(pk=draw.pk).update(notices_done=True)
    return True


def draws_notify_due(*, actor: Actor) -> int:
    """Write the notices every published draw still owes; returns how many draws were finished."""
    done = 0
    for draw in Draw.objects.filter(status=DrawStatus.PUBLISHED, notices_done=False).order_by("published_at"):
        draw_notify(draw=draw, actor=actor)
        done += 1
    return done
