from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from cita.audit.models import AuditEvent
from cita.audit.selectors import audit_chain_verify
from cita.audit.services import Event, audit_record, audit_record_many
from cita.core.actors import system

ACTOR = system("test")


def record(n: int) -> None:
    with transaction.atomic():
        audit_record_many(
            actor=ACTOR, events=[Event("test.happened", "thing", str(i), {"i": i}) for i in range(n)]
        )


@pytest.mark.django_db
def test_events_form_an_unbroken_chain():
    record(5)
    with transaction.atomic():
        audit_record(actor=ACTOR, action="test.more", data={"when": "now", "list": [1, 2]})
    report = audit_chain_verify()
    assert report.ok
    assert report.rows == 6
    last = AuditEvent.objects.order_by("-id").first()
    assert last is not None
    assert report.head == last.hash


@pytest.mark.django_db(transaction=True)
def test_events_are_only_written_inside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=ACTOR, action="test.outside")


@pytest.mark.django_db
def test_floats_are_refused_because_jsonb_would_change_them():
    with pytest.raises(TypeError), transaction.atomic():
        audit_record(actor=ACTOR, action="test.float", data={"x": 0.1})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET actor = 'x'", "DELETE FROM audit_auditevent", "TRUNCATE audit_auditevent"],
)
def test_the_application_cannot_change_or_delete_audit_rows(statement):
    record(2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 2


def tamper(sql: str, params: list[Any]) -> None:
    """What an attacker with owner rights could do: switch the trigger off and change rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_changing_one_byte_of_one_row_is_caught_and_the_row_named(capsys):
    record(10)
    tamper("UPDATE audit_auditevent SET object_id = '8' WHERE id = 7", [])  # was "6"
    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_id == 7
    with pytest.raises(SystemExit) as exited:
        call_command("audit_verify")
    assert exited.value.code == 1
    assert "row 7" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_deleted_row_is_caught():
    record(5)
    tamper("DELETE FROM audit_auditevent WHERE id = 3", [])
    report = audit_chain_verify()
    assert report.broken_id == 3
    assert "missing" in report.reason


@pytest.mark.django_db
def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_next_link():
    record(5)
    from cita.audit.chain import canonical_of, link

    row = AuditEvent.objects.get(id=2)
    row.actor = "system:forged"
    tamper(
        "UPDATE audit_auditevent SET actor = %s, hash = %s WHERE id = 2",
        [row.actor, link(row.prev_hash, canonical_of(row))],
    )
    assert audit_chain_verify().broken_id == 3
