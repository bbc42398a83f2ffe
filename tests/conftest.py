"""Fixtures shared by every test. Factories live in tests/factories/ (one module per domain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations

from cita.core import clock

_flush = DatabaseOperations.execute_sql_flush


def _flush_with_audit_triggers_off(self: DatabaseOperations, sql_list: list[str]) -> None:
    """Transactional tests empty every table afterwards; the audit log's append-only trigger refuses that,
    so the table owner switches its triggers off for the flush only (tests only: production never flushes)."""
    with self.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
    try:
        _flush(self, sql_list)
    finally:
        with self.connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


DatabaseOperations.execute_sql_flush = _flush_with_audit_triggers_off  # type: ignore[method-assign,assignment]


@pytest.fixture
def frozen_clock() -> Iterator[clock.FrozenClock]:
    """A clock that stands still at 2026-12-01 12:00 UTC until the test moves it."""
    frozen = clock.FrozenClock(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC))
    previous = clock.install(frozen)
    yield frozen
    clock.install(previous)


def sign_in_staff(client, user) -> None:
    """Sign a staff member in through both steps (password session + verified TOTP device)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(user=user, name="t")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def sign_in_applicant(client, applicant) -> None:
    """Give the client an applicant session, as the one-time-code sign-in does."""
    from cita.core.middleware import SESSION_APPLICANT, SESSION_EPOCH

    session = client.session
    session[SESSION_APPLICANT] = applicant.pk
    session[SESSION_EPOCH] = applicant.session_epoch
    session.save()
