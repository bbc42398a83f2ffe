"""Kept daily heads catch a rewritten history that `audit verify` alone cannot (`cita audit check-heads`),
and the nightly job verifies the chain and raises the alarm when it broke."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client
from procrastinate.contrib.django import app

from cita.audit.chain import canonical_of, link
from cita.audit.heads import head_message, head_signature_valid
from cita.audit.models import AuditEvent
from cita.audit.selectors import VERIFIED_ACTION
from cita.audit.services import Event, audit_chain_extend, audit_record_many
from cita.core.actors import system
from tests.audit.test_command import run_cita

pytestmark = pytest.mark.django_db(transaction=True)


def _record(n: int) -> None:
    with transaction.atomic():
        audit_record_many(
            actor=system("test"), events=[Event("test.happened", "thing", str(i), {"i": i}) for i in range(n)]
        )
    audit_chain_extend()  # as the sequencer does within seconds


def _rewrite_from(first_seq: int) -> None:
    """What a careful forger does: change one row, then re-chain every row after it, so that the chain
    verifies again."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        AuditEvent.objects.filter(seq=first_seq).update(object_id="forged")
        prev = AuditEvent.objects.get(seq=first_seq - 1).hash if first_seq > 1 else "0" * 64
        for row in AuditEvent.objects.filter(seq__gte=first_seq).order_by("seq"):
            assert prev is not None
            row.prev_hash = prev
            row.hash = prev = link(prev, canonical_of(row))
            AuditEvent.objects.filter(id=row.id).update(prev_hash=row.prev_hash, hash=row.hash)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def test_kept_heads_catch_a_rewritten_history_that_still_verifies(tmp_path: Path) -> None:
    _record(8)
    kept = tmp_path / "heads.json"
    response = Client().get("/audit/heads.json?from=2026-12-01&to=2026-12-01")
    assert response.status_code == 200
    assert len(response.json()["heads"]) == 1
    kept.write_bytes(response.content)

    clean = run_cita("audit", "check-heads", str(kept))
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.strip() == "checked 1 heads (1 signed): every one matches the chain"

    _rewrite_from(3)
    assert run_cita("audit", "verify").returncode == 0  # the chain alone looks whole
    caught = run_cita("audit", "check-heads", str(kept))
    assert caught.returncode == 1
    assert "cita: 2026-12-01: place 8 has hash " in caught.stderr
    assert '"level": "error"' in caught.stderr
    assert "the history was rewritten" in caught.stderr


def test_check_heads_refuses_a_file_that_is_not_heads_json(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"draws": []}')
    refused = run_cita("audit", "check-heads", str(wrong))
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"cita: {wrong}: not a heads.json file")


def test_the_nightly_job_is_scheduled_after_the_utc_day_closes() -> None:
    app.perform_import_paths()
    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic.get("audit.verify_nightly") == "20 0 * * *"


def test_the_nightly_job_records_the_check_and_logs_an_error_when_the_chain_broke(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _record(4)
    app.tasks["audit.verify_nightly"](timestamp=0)
    last = AuditEvent.objects.filter(action=VERIFIED_ACTION).order_by("-id").first()
    assert last is not None
    assert last.data["ok"] is True

    second = AuditEvent.objects.get(
        seq=2
    )  # ids come from a sequence: the chain's second row, whatever its id
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", [second.id])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    with caplog.at_level(logging.ERROR, logger="cita.audit.tasks"):
        app.tasks["audit.verify_nightly"](timestamp=0)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "cita.audit.tasks"]
    assert len(errors) == 1
    assert f"row {second.id} " in errors[0].getMessage()
    last = AuditEvent.objects.filter(action=VERIFIED_ACTION).order_by("-id").first()
    assert last is not None
    assert last.data["ok"] is False


def test_a_kept_head_edited_after_publication_fails_its_signature(tmp_path: Path) -> None:
    _record(3)
    document = Client().get("/audit/heads.json?from=2026-12-01&to=2026-12-01").json()
    head = document["heads"][0]
    assert document["signature_algorithm"] == "ed25519"
    assert head["key_id"] in document["keys"]
    assert head["at"].startswith("2026-12-01T")
    message = head_message(
        day=dt.date(2026, 12, 1), last_id=head["last_id"], hash_=head["hash"], at=head["at"]
    )
    assert head_signature_valid(
        message, signature=head["signature"], public_key=document["keys"][head["key_id"]]
    )

    # Someone "keeping" heads claims another head was published: the signature gives them away.
    head["hash"] = "f" * 64
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document))
    result = run_cita("audit", "check-heads", str(edited))
    assert result.returncode == 1
    assert "cita: 2026-12-01: the head's signature does not verify" in result.stderr
