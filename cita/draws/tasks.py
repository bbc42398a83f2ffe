"""Jobs of the daily cycle (procrastinate). Each takes ids or nothing, reloads, and is idempotent: the
services they call take advisory locks and move rows only from the state they expect."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from cita.core.actors import system

log = logging.getLogger(__name__)


@app.periodic(cron="* * * * *", periodic_id="draws.open_due")
@app.task(name="draws.open_due", queueing_lock="draws.open_due")
def open_due(timestamp: int) -> None:
    """Open the request window that should be open now (fresh seed, commitment, beacon round)."""
    from cita.draws.services import draw_open_due

    draw_open_due(actor=system("draws.open_due"))


@app.periodic(cron="* * * * *", periodic_id="draws.close_due")
@app.task(name="draws.close_due", queueing_lock="draws.close_due")
def close_due(timestamp: int) -> None:
    """Freeze, reveal, compute and publish every draw whose window has closed (second chances too)."""
    from cita.draws.services import draws_close_due

    draws_close_due(actor=system("draws.close_due"))


@app.periodic(cron="* * * * *", periodic_id="draws.expire_offers")
@app.task(name="draws.expire_offers", queueing_lock="draws.expire_offers")
def expire_offers(timestamp: int) -> None:
    """Expire the offers past their deadline and give their seats back."""
    from cita.draws.services import offers_expire_due

    offers_expire_due(actor=system("draws.expire_offers"))


@app.periodic(cron="*/5 * * * *", periodic_id="draws.remind")
@app.task(name="draws.remind", queueing_lock="draws.remind")
def remind(timestamp: int) -> None:
    """Remind groups whose confirmation deadline is near."""
    from cita.draws.services import offers_remind_due

    offers_remind_due(actor=system("draws.remind"))


@app.task(name="draws.notify", queueing_lock="draws.notify")
def notify(draw_id: str) -> None:
    """Write the result notices of the draw `draw_id`, queued when its results commit, and of any other
    draw published while this job waited (its queueing lock refuses a second waiting job)."""
    from cita.draws.services import draws_notify_due

    draws_notify_due(actor=system("draws.notify"))


@app.periodic(cron="*/5 * * * *", periodic_id="draws.notify_due")
@app.task(name="draws.notify_due", queueing_lock="draws.notify_due")
def notify_due(timestamp: int) -> None:
    """The safety net of `draws.notify`: any published draw still owing notices gets them."""
    from cita.draws.services import draws_notify_due

    draws_notify_due(actor=system("draws.notify_due"))
