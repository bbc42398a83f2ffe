"""Jobs of the audit log (procrastinate): the sequencer that chains the rows (decision 0012), and the nightly
check that walks the whole chain, records the outcome in it (which `/metrics` reports as
`cita_audit_check_ok` and `cita_audit_check_age_seconds`), and raises the alarm in the log when it broke."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from cita.core.actors import system

log = logging.getLogger(__name__)

# The merge delay: rows wait at most this long (plus the worker's pick-up) to be chained (decision 0012).
CHAIN_EVERY_SECONDS = 5


@app.periodic(cron=f"* * * * * */{CHAIN_EVERY_SECONDS}", periodic_id="audit.chain")
@app.task(name="audit.chain", queueing_lock="audit.chain")
def chain(timestamp: int) -> None:
    """Chain the committed audit rows that are not chained yet, in id order (the sequencer)."""
    from cita.audit.services import audit_chain_extend

    audit_chain_extend()


@app.periodic(cron="20 0 * * *", periodic_id="audit.verify_nightly")
@app.task(name="audit.verify_nightly", queueing_lock="audit.verify_nightly")
def verify_nightly(timestamp: int) -> None:
    """Verify the chain after the UTC day closes; an error in the log when a row does not check out."""
    from cita.audit.services import audit_chain_verify_record

    report = audit_chain_verify_record(actor=system("audit.verify_nightly"))
    if report.ok:
        log.info("audit chain verified", extra={"rows": report.rows, "head": report.head})
    else:
        log.error(
            "audit chain broken: %s",
            report.reason,
            extra={"broken_id": report.broken_id, "rows_before": report.rows},
        )
