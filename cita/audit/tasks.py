"""The audit log's nightly job: walk the whole chain, record the outcome in it (which `/metrics` reports as
`cita_audit_check_ok` and `cita_audit_check_age_seconds`), and raise the alarm in the log when it broke."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from cita.core.actors import system

log = logging.getLogger(__name__)


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
