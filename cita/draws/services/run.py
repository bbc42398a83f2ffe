"""A draw's due steps, run by hand (`cita draw run`)."""

from __future__ import annotations

import datetime as dt

from cita.core import clock
from cita.core.actors import Actor
from cita.core.errors import NotFound
from cita.draws.models import Draw, DrawStatus
from cita.draws.services.cycle import draw_close, draw_open
from cita.draws.services.notices import draw_notify
from cita.draws.services.offers import offers_expire_due
from cita.policy.selectors import policy_current


def draw_run(*, day: dt.date, actor: Actor) -> list[str]:
    """Run whatever steps are due for the draw opened on `day` (and its second chances), by hand."""
    now = clock.now()
    draw = Draw.objects.filter(draw_id=day.isoformat()).first()
    lines = []
    if draw is None:
        opens_at, closes_at = policy_current(at=now).window(day)
        if not opens_at <= now < closes_at:
            raise NotFound(f"there is no draw {day.isoformat()} and its window is not open now")
        draw = draw_open(day=day, actor=actor)
        lines.append(f"opened {draw.draw_id}: commitment {draw.commitment}")
    expired = offers_expire_due(actor=actor, now=now)
    if expired:
        lines.append(f"expired {expired} offers")
    rounds = [draw]
    while rounds:
        row = rounds.pop(0)
        if (
            row.status in (DrawStatus.OPEN, DrawStatus.FROZEN, DrawStatus.BEACON_WAIT)
            and row.closes_at <= now
        ):
            row = draw_close(draw=row, actor=actor)
        if row.status == DrawStatus.PUBLISHED and not row.notices_done:
            draw_notify(draw=row, actor=actor)
        lines.append(_describe(row))
        if row.round == 1:  # its second chances exist only once it is published
            rounds += list(Draw.objects.filter(first=row).order_by("round"))
    return lines


def _describe(draw: Draw) -> str:
    if draw.status == DrawStatus.OPEN:
        return f"{draw.draw_id}: open until {draw.closes_at:%Y-%m-%d %H:%M} UTC, commitment {draw.commitment}"
    if draw.status == DrawStatus.PUBLISHED:
        return (
            f"{draw.draw_id}: published, {draw.entries_count} entries, {draw.selected_count} selected, "
            f"{draw.seats} seats, results_sha256 {draw.results_sha256}"
        )
    if draw.status == DrawStatus.BEACON_WAIT:
        return f"{draw.draw_id}: WAITING for beacon round {draw.beacon_round}: {draw.beacon_error}"
    return f"{draw.draw_id}: {draw.status}"
