"""Jobs of the appointment day and of closures (procrastinate); idempotent, advisory-locked in their
services."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from cita.appointments.errors import RebookingNotReady
from cita.appointments.services.rebooking import closure_rebook
from cita.core.actors import system
from cita.ports.models import PortClosure

log = logging.getLogger(__name__)


@app.periodic(cron="*/15 * * * *", periodic_id="appointments.no_shows")
@app.task(name="appointments.no_shows", queueing_lock="appointments.no_shows")
def no_shows(timestamp: int) -> None:
    """Mark no-show every appointment still scheduled after its day ended at its port."""
    from cita.appointments.services import appointments_mark_no_shows

    appointments_mark_no_shows(actor=system("appointments.no_shows"))


@app.periodic(cron="*/15 * * * *", periodic_id="appointments.day_before")
@app.task(name="appointments.day_before", queueing_lock="appointments.day_before")
def day_before(timestamp: int) -> None:
    """Send the day-before reminder of tomorrow's appointments (port time)."""
    from cita.appointments.services import appointments_remind_day_before

    appointments_remind_day_before(actor=system("appointments.day_before"))


@app.task(name="appointments.rebook")
def rebook(closure_id: int) -> None:
    """Rebook every group of a closed port (idempotent: a closure is rebooked once; advisory-locked)."""
    try:
        closure_rebook(closure_id=closure_id, actor=system("appointments.rebook"))
    except RebookingNotReady as exc:
        # A draw of the closed days is still publishing; `appointments.rebook_due` tries again.
        log.info("rebooking waits", extra={"closure": closure_id, "why": exc.message})


@app.periodic(cron="*/5 * * * *", periodic_id="appointments.rebook_due")
@app.task(name="appointments.rebook_due", queueing_lock="appointments.rebook_due")
def rebook_due(timestamp: int) -> None:
    """Rebook every closure still owing its rebooking (a lost job, or one that waited for a draw)."""
    from cita.appointments.errors import RebookingNotReady
    from cita.appointments.services.rebooking import closure_rebook

    actor = system("appointments.rebook_due")
    for closure_id in PortClosure.objects.filter(
        rebooked_at__isnull=True, reopened_at__isnull=True
    ).values_list("pk", flat=True):
        try:
            closure_rebook(closure_id=closure_id, actor=actor)
        except RebookingNotReady as exc:
            log.info("rebooking waits", extra={"closure": closure_id, "why": exc.message})
