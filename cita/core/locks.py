"""Transaction-level advisory locks (every domain takes its locks here), and the crash points the
crash-safety tests use."""

from __future__ import annotations

import os
import signal

from django.db import connection

# Set to the name of a crash point to make the process kill itself there (tests of crash safety only; the
# test starts a subprocess against its own test database with this variable set).
CRASH_ENV = "CITA_TEST_CRASH_AT"


def advisory_lock(scope: str, key: str) -> None:
    """Take the transaction-level advisory lock for (`scope`, `key`); it is released at commit/rollback."""
    if not connection.in_atomic_block:
        raise RuntimeError("advisory locks are taken inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", [scope, key])


def advisory_lock_shared(scope: str, key: str) -> None:
    """The shared form of `advisory_lock`: many holders at once, none while someone holds it exclusively."""
    if not connection.in_atomic_block:
        raise RuntimeError("advisory locks are taken inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(hashtext(%s), hashtext(%s))", [scope, key])


def crash_point(name: str) -> None:
    """Die at once with SIGKILL when `CITA_TEST_CRASH_AT` names this point (no cleanup, no rollback)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
