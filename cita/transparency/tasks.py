"""Jobs of the transparency pages (procrastinate)."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="*/10 * * * *", periodic_id="transparency.figures")
@app.task(name="transparency.figures", queueing_lock="transparency.figures")
def figures(timestamp: int) -> None:
    """Count again the days that can still change, and today's backlog (idempotent, advisory-locked)."""
    from cita.transparency.services import figures_refresh_due

    figures_refresh_due()
