import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from cita.audit.chain import canonical_of, link
from cita.audit.models import AuditEvent
from cita.audit.selectors import audit_chain_verify
from cita.audit.services import Event, audit_chain_extend, audit_record, audit_record_many
from cita.core.actors import system

ACTOR = system("test")


def record(n: int) -> None:
    """Append `n` events and chain them, as the sequencer does within seconds."""
    with transaction.atomic():
        audit_record_many(
            actor=ACTOR, events=[Event("test.happened", "thing", str(i), {"i": i}) for i in range(n)]
        )
    audit_chain_extend()


def at_place(seq: int) -> AuditEvent:
    return AuditEvent.objects.get(seq=seq)


@pytest.mark.django_db
def test_events_form_an_unbroken_chain():
    record(5)
    with transaction.atomic():
        audit_record(actor=ACTOR, action="test.more", data={"when": "now", "list": [1, 2]})
    assert audit_chain_extend() == 1
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
    tamper("UPDATE audit_auditevent SET object_id = '8' WHERE seq = 7", [])  # was "6"
    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_id == at_place(7).id
    with pytest.raises(SystemExit) as exited:
        call_command("audit_verify")
    assert exited.value.code == 1
    assert f"row {at_place(7).id} " in capsys.readouterr().err


@pytest.mark.django_db
def test_a_deleted_row_is_caught():
    record(5)
    tamper("DELETE FROM audit_auditevent WHERE seq = 3", [])
    report = audit_chain_verify()
    assert report.broken_id == at_place(4).id
    assert "place 3 in the chain is missing" in report.reason


@pytest.mark.django_db
def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_next_link():
    record(5)
    row = at_place(2)
    row.actor = "system:forged"
    tamper(
        "UPDATE audit_auditevent SET actor = %s, hash = %s WHERE seq = 2",
        [row.actor, link(row.prev_hash or "", canonical_of(row))],
    )
    assert audit_chain_verify().broken_id == at_place(3).id


# -- decision 0012: writers append without a lock, one sequencer chains ------------------------------------


def pending(n: int, action: str = "test.pending") -> list[AuditEvent]:
    """Append `n` events in a transaction of their own, without chaining them."""
    with transaction.atomic():
        return audit_record_many(actor=ACTOR, events=[Event(action, "thing", str(i)) for i in range(n)])


@pytest.mark.django_db
def test_rows_wait_for_the_sequencer_and_are_counted_until_it_chains_them():
    record(2)
    rows = pending(3)
    assert all(not row.chained for row in AuditEvent.objects.filter(id__in=[r.id for r in rows]))
    report = audit_chain_verify()
    assert (report.ok, report.rows, report.pending) == (True, 2, 3)
    assert report.pending_since is not None
    assert audit_chain_extend() == 3
    assert audit_chain_extend() == 0  # nothing twice
    report = audit_chain_verify()
    assert (report.ok, report.rows, report.pending) == (True, 5, 0)
    assert [r.seq for r in AuditEvent.objects.filter(id__in=[r.id for r in rows]).order_by("id")] == [3, 4, 5]


@pytest.mark.django_db
def test_the_sequencer_chains_in_batches_without_a_break():
    pending(7)
    assert audit_chain_extend(batch_size=3) == 7
    assert audit_chain_verify().rows == 7


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_a_gap_in_the_ids_but_none_in_the_chain():
    record(2)
    with transaction.atomic():
        audit_record(actor=ACTOR, action="test.rolled_back")
        transaction.set_rollback(True)
    record(2)
    ids = list(AuditEvent.objects.order_by("seq").values_list("id", flat=True))
    assert ids[2] > ids[1] + 1  # the id the rolled-back row took is gone
    report = audit_chain_verify()
    assert (report.ok, report.rows) == (True, 4)


@pytest.mark.django_db(transaction=True)
def test_writers_do_not_wait_for_each_other():
    """A transaction that wrote an event and is still open holds up no other writer (decision 0004 made
    every audited write wait for it)."""
    done = threading.Event()

    def other_writer() -> None:
        try:
            pending(1, "test.other")
            done.set()
        finally:
            connections.close_all()

    with transaction.atomic():
        audit_record(actor=ACTOR, action="test.slow")
        writer = threading.Thread(target=other_writer)
        writer.start()
        finished = done.wait(timeout=10)
    writer.join()
    assert finished, "the second writer waited for the first one's commit"
    assert audit_chain_extend() == 2
    assert audit_chain_verify().rows == 2


@pytest.mark.django_db(transaction=True)
def test_a_row_committed_late_is_chained_after_the_rows_chained_before_it():
    """Ids are taken at insert, rows are seen at commit: the late row gets the next place in the chain."""
    chained_first = threading.Event()
    release = threading.Event()
    late_ids: list[int] = []

    def late_writer() -> None:
        try:
            with transaction.atomic():
                late_ids.extend(row.id for row in audit_record_many(actor=ACTOR, events=[Event("test.late")]))
                chained_first.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    writer = threading.Thread(target=late_writer)
    writer.start()
    assert chained_first.wait(timeout=10)
    early = pending(2, "test.early")
    assert audit_chain_extend() == 2  # the late row is not committed: not seen, not skipped for ever
    release.set()
    writer.join()
    assert audit_chain_extend() == 1
    late = AuditEvent.objects.get(id=late_ids[0])
    assert late.id < min(row.id for row in early)
    assert late.seq == 3
    report = audit_chain_verify()
    assert (report.ok, report.rows, report.pending) == (True, 3, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET actor = 'x' WHERE seq IS NULL",
        "UPDATE audit_auditevent SET seq = 99, prev_hash = 'x', hash = 'y', chained_at = now(), "
        "actor = 'x' WHERE seq IS NULL",
        "UPDATE audit_auditevent SET seq = 99 WHERE seq = 1",
        "UPDATE audit_auditevent SET hash = 'x' WHERE seq = 1",
    ],
)
def test_only_the_sequencers_update_gets_through_and_it_changes_only_the_chain_columns(statement):
    record(1)
    pending(1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)


@pytest.mark.django_db
def test_a_row_inserted_into_the_chain_is_caught():
    record(5)
    third = at_place(3)
    forged = AuditEvent(
        id=third.id - 1000000, at=third.at, actor="system:forged", action="test.forged", data={},
        seq=3, prev_hash=at_place(2).hash, chained_at=third.chained_at,
    )  # fmt: skip
    forged.hash = link(forged.prev_hash or "", canonical_of(forged))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditevent SET seq = seq + 1000 WHERE seq >= 3")
        cursor.execute("UPDATE audit_auditevent SET seq = seq - 999 WHERE seq >= 1003")
        forged.save(force_insert=True)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    report = audit_chain_verify()
    assert report.broken_id == third.id  # the forged row links; the real one after it no longer does
    assert "does not link" in report.reason


@pytest.mark.django_db
def test_the_periodic_job_chains_what_is_pending():
    from cita.audit.tasks import chain

    pending(2)
    chain(timestamp=0)
    assert audit_chain_verify().rows == 2
