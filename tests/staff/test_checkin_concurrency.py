"""One pass scanned 50 times at once (50 threads, each its own PostgreSQL connection, committing for
real): exactly one check-in; the 49 others are told it was already checked in, by whom and when."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

import pytest

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services.officer import ScanResult, appointment_scan
from cita.audit.models import AuditEvent
from cita.audit.selectors import audit_chain_verify
from cita.core.actors import Actor
from cita.ports.models import Port
from tests.draws.test_concurrency import race
from tests.factories.draws import appointment_made, staff_actor
from tests.factories.staff import StaffFactory


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_scans_of_one_pass_check_it_in_once(frozen_clock):
    appointment = appointment_made(frozen_clock, size=4)
    frozen_clock.set(dt.datetime(2026, 12, 15, 17, 0, tzinfo=dt.UTC))  # 09:00 at SYS, its day
    port = Port.objects.get(code="SYS")
    # Several officers at the port's lanes, each scanning the same pass (a copied pass, or a double scan).
    officers = [staff_actor(StaffFactory.create(role="officer", port=port)) for _ in range(5)]

    def scan_as(actor: Actor) -> Callable[[], ScanResult]:
        return lambda: appointment_scan(payload=appointment.pass_payload, actor=actor)

    results = race([scan_as(officers[n % 5]) for n in range(50)], max_threads=50)

    errors = [r for r in results if not isinstance(r, ScanResult)]
    assert not errors, errors
    kinds = Counter(r.code for r in results)
    assert kinds == {"checked_in_now": 1, "already_checked_in": 49}, kinds
    winner = next(r for r in results if r.checked_in_now)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CHECKED_IN
    assert appointment.checked_in_by == winner.by
    # Every loser names the same officer and moment as the one stored.
    assert {(r.by, r.at) for r in results if r.already} == {
        (appointment.checked_in_by, appointment.checked_in_at)
    }
    assert all("already" in r.message.lower() and "09:00" in r.message for r in results if r.already)
    assert Appointment.objects.filter(state=AppointmentState.CHECKED_IN).count() == 1
    assert AuditEvent.objects.filter(action="appointment.checked_in").count() == 1
    assert AuditEvent.objects.filter(action="pass.rescanned").count() == 49
    assert audit_chain_verify().ok
    print(f"\n50 concurrent scans: {dict(kinds)}; checked in by {appointment.checked_in_by}")
