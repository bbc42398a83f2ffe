"""Behind PgBouncer in transaction mode a server connection serves another client after every transaction:
nothing may outlive one. The web code therefore takes only transaction-level advisory locks
(docs/operations.md, "PgBouncer")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.db import connection, transaction

from cita.core import locks

ROOT = Path(__file__).resolve().parents[2] / "cita"
# pg_advisory_lock, pg_try_advisory_lock, pg_advisory_unlock(_all) and their _shared forms: held by the
# session until unlocked. The transaction-level ones are spelled pg_(try_)advisory_xact_lock(_shared).
SESSION_LOCK = re.compile(r"pg_(?:try_)?advisory_(?:un)?lock(?:_shared|_all)?\s*\(", re.IGNORECASE)


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_pattern_catches_session_locks_and_spares_transaction_locks() -> None:
    assert SESSION_LOCK.search("SELECT pg_advisory_lock(1)")
    assert SESSION_LOCK.search("select PG_TRY_ADVISORY_LOCK_SHARED (1, 2)")
    assert SESSION_LOCK.search("SELECT pg_advisory_unlock_all()")
    assert not SESSION_LOCK.search("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))")
    assert not SESSION_LOCK.search("SELECT pg_try_advisory_xact_lock_shared(1)")


def test_no_code_of_cita_takes_a_session_level_advisory_lock() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        for line, text in _strings(ast.parse(path.read_text(), filename=str(path))):
            if SESSION_LOCK.search(text):
                found.append(f"{path.relative_to(ROOT.parent)}:{line}")
    assert found == [], "session-level advisory locks break under PgBouncer's transaction mode: " + ", ".join(
        found
    )


def test_every_lock_of_cita_core_locks_is_a_transaction_level_lock() -> None:
    tree = ast.parse(Path(locks.__file__).read_text())
    sql = [text for _, text in _strings(tree) if "pg_" in text and "advisory" in text]
    assert sql, "cita.core.locks takes no advisory lock any more: update this test"
    assert all("pg_advisory_xact_lock" in text for text in sql), sql


@pytest.mark.django_db(transaction=True)
def test_an_advisory_lock_is_gone_when_its_transaction_ends() -> None:
    def held() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            )
            return int(cursor.fetchone()[0])

    with transaction.atomic():
        locks.advisory_lock("test", "one")
        locks.advisory_lock_shared("test", "two")
        assert held() == 2
    assert held() == 0
    with pytest.raises(RuntimeError, match="inside a transaction"):
        locks.advisory_lock("test", "outside")
