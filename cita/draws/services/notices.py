"""The result notices of a published draw: `selected` for each open offer, `not_selected` for the rest.

The draw's results commit first, together with `notices_done = false` on the draw: that flag is the
outbox's promise, kept by `draws.notify` right after the commit (queued by it) in a few large batches,
each one `notice_enqueue_many` call in its own transaction that records how far it got. Every notice has a
dedup key (draw, request, kind), so a batch run twice, or again after a crash, adds nothing. Writing a
million notices inside the draw's own transaction would hold its locks several times longer than the draw
itself (docs/daily-cycle.md, "Performance").
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction

from cita.core.actors import Actor
from cita.core.locks import advisory_lock, crash_point
from cita.draws.models import Draw, DrawStatus, Offer, OfferState
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue, notice_enqueue_many


def _batch() -> int:
    return int(settings.CITA_DRAW_NOTICE_BATCH)


def offer_url(offer: Offer) -> str:
    """Where the group confirms or declines its offer."""
    return f"{settings.CITA_BASE_URL}/draw/offers/{offer.pk}"


def selected_dedup_key(*, draw_id: str, request_id: int) -> str:
    """The dedup key of the `selected` notice of one request in one draw."""
    return f"draw:{draw_id}:request:{request_id}:selected"


def selected_notice(offer: Offer) -> None:
    """Owe the group the `selected` notice of its offer (inside the caller's transaction)."""
    notice_enqueue(
        kind=NoticeKind.SELECTED,
        dedup_key=selected_dedup_key(draw_id=offer.draw.draw_id, request_id=offer.request_id),
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
        _selected_notices(draw)
    if draw.round > 1:
        # Second chances only tell the newly selected; the others heard `not_selected` after round 1.
        Draw.objects.filter(pk=draw.pk).update(notices_done=True)
        return True
    ids, applicants, tickets = _not_selected(draw=draw, after=draw.notified_upto, limit=batch)
    if not ids:
        Draw.objects.filter(pk=draw.pk).update(notices_done=True)
        return True
    notice_enqueue_many(
        kind=NoticeKind.NOT_SELECTED,
        applicant_ids=applicants,
        dedup_keys=[f"draw:{draw.draw_id}:request:{pk}:not_selected" for pk in ids],
        context={
            "draw_id": draw.draw_id,
            "appointment_date": draw.appointment_date,
            "draw_date": draw.runs_on,
            "lookup_url": f"{settings.CITA_BASE_URL}/transparency/draws/{draw.draw_id}/",
        },
        columns={"ticket": tickets},
    )
    crash_point("draws.notify.inside_batch")
    Draw.objects.filter(pk=draw.pk).update(notified_upto=ids[-1])
    return True


def _selected_notices(draw: Draw) -> None:
    """The `selected` notice of every open offer of the draw, in one go."""
    offers = list(
        Offer.objects.filter(draw=draw, state=OfferState.OPEN)
        .select_related("port", "request")
        .order_by("order")
    )
    if not offers:
        return
    notice_enqueue_many(
        kind=NoticeKind.SELECTED,
        applicant_ids=[offer.applicant_id for offer in offers],
        dedup_keys=[selected_dedup_key(draw_id=draw.draw_id, request_id=o.request_id) for o in offers],
        columns={
            "ticket": [offer.request.ticket for offer in offers],
            "offer_id": [offer.pk for offer in offers],
            "port_code": [offer.port.code for offer in offers],
            "port_name": [offer.port.name for offer in offers],
            "date": [offer.day for offer in offers],
            "slot": [offer.slot for offer in offers],
            "deadline": [offer.deadline for offer in offers],
            "time_zone": [offer.port.time_zone for offer in offers],
        },
    )


def _not_selected(*, draw: Draw, after: int, limit: int) -> tuple[list[int], list[int], list[str]]:
    """(request ids, applicant ids, tickets) of the next `limit` requests of a published round-1 draw that
    were not selected (no offer, not withdrawn), in request id order after `after`: three arrays from one
    row, so that a hundred thousand requests cost no Python call each."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(array_agg(id ORDER BY id), '{}'),
                   coalesce(array_agg(applicant_id ORDER BY id), '{}'),
                   coalesce(array_agg(ticket ORDER BY id), '{}')
            FROM (
                SELECT r.id, r.applicant_id, r.ticket FROM draws_request r
                WHERE r.draw_id = %(draw)s AND r.id > %(after)s AND r.withdrawn_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM draws_offer o WHERE o.request_id = r.id)
                ORDER BY r.id LIMIT %(limit)s
            ) page
            """,
            {"draw": draw.pk, "after": after, "limit": limit},
        )
        ids, applicants, tickets = cursor.fetchone()
    return list(ids), list(applicants), list(tickets)


def draws_notify_due(*, actor: Actor) -> int:
    """Write the notices every published draw still owes; returns how many draws were finished."""
    done = 0
    for draw in Draw.objects.filter(status=DrawStatus.PUBLISHED, notices_done=False).order_by("published_at"):
        draw_notify(draw=draw, actor=actor)
        done += 1
    return done
