"""Jobs of the audit log (procrastinate)."""

from __future__ import annotations

from procrastinate.contrib.django import app

# The merge delay: rows wait at most this long (plus the worker's pick-up) to be chained (decision 0009).
CHAIN_EVERY_SECONDS = 5


@app.periodic(cron=f"* * * * * */{CHAIN_EVERY_SECONDS}", periodic_id="audit.chain")
@app.task(name="audit.chain", queueing_lock="audit.chain")
def chain(timestamp: int) -> None:
    """Chain the committed audit rows that are not chained yet, in id order (the sequencer)."""
    from cita.audit.services import audit_chain_extend

    audit_chain_extend()
