"""Fixtures shared by every test. Factories live in tests/factories/ (one module per domain)."""

from __future__ import annotations

import datetime as dt
import os
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


# Every test starts at the same instant, whatever the hour it runs: 2026-12-01 20:00 UTC (12:00 in Tijuana,
# when the default window opens) unless CITA_TEST_CLOCK names another (ISO 8601 with its offset), to run
# the whole suite at another hour: `make test PYTEST_ARGS=...` with CITA_TEST_CLOCK=2026-12-03T07:27Z.
# The clock then runs at the real speed, so that timeouts and expiries still pass. A test that needs a
# moment of its own freezes the clock (`frozen_clock`).
TEST_START = dt.datetime.fromisoformat(os.environ.get("CITA_TEST_CLOCK") or "2026-12-01T20:00:00+00:00")


@pytest.fixture(autouse=True)
def _clock_at_the_test_start() -> Iterator[clock.RunningClock]:
    """The clock of every test: TEST_START, running."""
    running = clock.RunningClock(TEST_START)
    previous = clock.install(running)
    yield running
    clock.install(previous)


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a `cita` process a test starts: this one's, with that process's clock starting
    where the test's clock is now (CITA_TEST_CLOCK), so both see the same time."""
    return {**os.environ, clock.TEST_CLOCK_ENV: clock.now().isoformat(), **extra}


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


def csrf_post(client, path: str, data: dict | None = None, *, page: str | None = None):
    """POST a form as a browser does, with the CSRF token of the page that holds it (`page`, default
    `path`): for clients made with `Client(enforce_csrf_checks=True)`."""
    import re

    html = client.get(page or path).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match is not None, f"no CSRF token on {page or path}"
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": match.group(1)})
