"""The daily cycle's due steps, from the window to the appointment day, as the periodic jobs run them:
the owner above draws and appointments."""

from __future__ import annotations

import datetime as dt

from cita.appointments.services import appointments_mark_no_shows, appointments_remind_day_before
from cita.core import clock
from cita.core.actors import Actor
from cita.draws.services.cycle import draw_open_due, draws_close_due
from cita.draws.services.notices import draws_notify_due
from cita.draws.services.offers import offers_expire_due, offers_remind_due


def cycle_run_due(*, actor: Actor, now: dt.datetime | None = None) -> list[str]:
    """Run every step of the cycle that is due now; returns one line per step that did something."""
    now = now or clock.now()
    lines = [f"opened {d.draw_id}" for d in draw_open_due(actor=actor, now=now)]
    expired = offers_expire_due(actor=actor, now=now)
    if expired:
        lines.append(f"expired {expired} offers")
    lines += [f"{d.draw_id}: {d.status}" for d in draws_close_due(actor=actor, now=now)]
    notified = draws_notify_due(actor=actor)
    if notified:
        lines.append(f"wrote the result notices of {notified} draws")
    for label, count in (
        ("deadline reminders", offers_remind_due(actor=actor, now=now)),
        ("no-shows", appointments_mark_no_shows(actor=actor, now=now)),
        ("day-before reminders", appointments_remind_day_before(actor=actor, now=now)),
    ):
        if count:
            lines.append(f"{count} {label}")
    return lines
