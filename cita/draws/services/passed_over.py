"""The size priority: groups a draw passed over for the size of their group go first (tier 0) in the next
draws they enter, until a draw selects them (docs/draw.md, "Large families"; docs/simulator.md measured it).

Tiers are inputs of draw-v1, so the published algorithm does not change; which groups a draw passed over
follows from its published bundle alone (`cita.lottery.passed_over`), so anyone can check each flag. The
flags are granted shortly after the publication (the minutely `draws.close_due` job does it first, before
freezing anything), in a transaction of their own: the draw's own job stays as fast as it was.
"""

from __future__ import annotations

import hashlib

from django.db import transaction

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor
from cita.draws.bulk import file_bytes
from cita.draws.models import Draw, DrawStatus, Offer, PriorityFlag, PriorityKind, Request
from cita.lottery import entries_from_bytes, manifest_from_bytes, passed_over, results_from_bytes
from cita.lottery.pause import collector_paused

MANIFEST, ENTRIES, RESULTS = "manifest.json", "entries.csv", "results.csv"


@transaction.atomic
def draw_passed_over_grant(*, draw: Draw, actor: Actor) -> int:
    """Flag the groups a published draw passed over for their size (once per draw); returns how many."""
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if draw.status != DrawStatus.PUBLISHED or draw.passed_over_at is not None or draw.published_at is None:
        return 0
    now = clock.now()
    manifest = manifest_from_bytes(file_bytes(draw, MANIFEST))
    with collector_paused():
        entries = entries_from_bytes(file_bytes(draw, ENTRIES), ports={c.port for c in manifest.capacity})
        results = results_from_bytes(file_bytes(draw, RESULTS))
        tickets = sorted(passed_over(manifest=manifest, entries=entries, results=results))
        del entries
    first = draw.first or draw
    groups = set(
        Request.objects.filter(draw=first, ticket__in=tickets, withdrawn_at__isnull=True).values_list(
            "applicant_id", flat=True
        )
    )
    # Selected since by a later round, or flagged already: nothing more to give.
    groups -= set(
        Offer.objects.filter(applicant_id__in=groups, created_at__gte=draw.published_at).values_list(
            "applicant_id", flat=True
        )
    )
    groups -= set(
        PriorityFlag.objects.filter(
            applicant_id__in=groups, kind=PriorityKind.PASSED_OVER, ended_at__isnull=True
        ).values_list("applicant_id", flat=True)
    )
    reason = f"Passed over for the size of the group in draw {draw.draw_id}"
    PriorityFlag.objects.bulk_create(
        PriorityFlag(
            applicant_id=applicant_id,
            kind=PriorityKind.PASSED_OVER,
            reason=reason,
            created_at=now,
            created_by=actor.label,
        )
        for applicant_id in sorted(groups)
    )
    Draw.objects.filter(pk=draw.pk).update(passed_over_at=now)
    # The tickets are public in the bundle but tie a group to its result: the log keeps their hash only.
    audit_record(
        actor=actor,
        action="priority.passed_over",
        object_type="draw",
        object_id=draw.draw_id,
        data={
            "passed_over": len(tickets),
            "flagged": len(groups),
            "tickets_sha256": hashlib.sha256("\n".join(tickets).encode("ascii")).hexdigest(),
        },
    )
    return len(groups)


def draws_passed_over_due(*, actor: Actor) -> int:
    """Grant the size priority of every published draw that still owes it; returns the groups flagged."""
    return sum(
        draw_passed_over_grant(draw=draw, actor=actor)
        for draw in Draw.objects.filter(status=DrawStatus.PUBLISHED, passed_over_at__isnull=True).order_by(
            "published_at"
        )
    )


def passed_over_end(*, applicant_ids: list[int], actor: Actor, draw: Draw) -> int:
    """End the size priority of the groups a draw has just selected (inside its transaction)."""
    ended = PriorityFlag.objects.filter(
        applicant_id__in=applicant_ids, kind=PriorityKind.PASSED_OVER, ended_at__isnull=True
    ).update(ended_at=clock.now(), ended_reason="selected")
    if ended:
        audit_record(
            actor=actor,
            action="priority.selected",
            object_type="draw",
            object_id=draw.draw_id,
            data={"flags_ended": ended},
        )
    return ended
