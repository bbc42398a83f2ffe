"""Jobs of the appointment day (procrastinate); idempotent, advisory-locked in their services."""

from __future__ import annotations

from procrastinate.contrib.django import app

from cita.core.actors import system


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
