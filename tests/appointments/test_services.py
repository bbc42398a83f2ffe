"""Appointments: check-in exactly once, at the right port on the right day; cancel; no-shows;
reminders; the online pass check."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from cita.appointments.errors import AlreadyCheckedIn, AppointmentStateError, WrongPortOrDay
from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services import (
    appointment_cancel,
    appointment_check_in,
    appointment_complete,
    appointments_mark_no_shows,
    appointments_remind_day_before,
    pass_verify,
)
from cita.audit.models import AuditEvent
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.notifications.models import Notice
from cita.ports.models import Port, SlotCapacity
from tests.factories.draws import APPOINTMENT_DAY, appointment_made, appointments_made, port_with_slots
from tests.factories.registrations import actor_for

# 2026-12-15 10:00 in San Diego (UTC-8).
ON_THE_DAY = dt.datetime(2026, 12, 15, 18, 0, tzinfo=dt.UTC)


def officer_at(port: Port, user_id: int = 11) -> Actor:
    return Actor(role=Role.OFFICER, user_id=user_id, port_id=port.pk)


@pytest.fixture
def appointment(db, frozen_clock) -> Appointment:
    return appointment_made(frozen_clock)


def test_a_pass_is_checked_in_once_and_a_second_scan_says_who_and_when(appointment, frozen_clock):
    frozen_clock.set(ON_THE_DAY)
    done = appointment_check_in(appointment=appointment, actor=officer_at(appointment.port))
    assert done.state == AppointmentState.CHECKED_IN
    assert done.checked_in_by == "officer:11"
    frozen_clock.advance(minutes=30)
    with pytest.raises(AlreadyCheckedIn) as again:
        appointment_check_in(appointment=appointment, actor=officer_at(appointment.port, user_id=12))
    assert again.value.by == "officer:11"
    assert again.value.at == ON_THE_DAY
    assert "officer:11" in again.value.message
    assert "10:00" in again.value.message
    assert AuditEvent.objects.filter(action="appointment.checked_in").count() == 1


def test_check_in_is_refused_at_another_port_or_on_another_day(appointment, frozen_clock):
    other = port_with_slots("ELP", slots=[("08:00", 1)], position=1)
    frozen_clock.set(ON_THE_DAY)
    with pytest.raises(WrongPortOrDay, match="not at your port"):
        appointment_check_in(appointment=appointment, actor=officer_at(other))
    frozen_clock.set(ON_THE_DAY - dt.timedelta(days=1))
    with pytest.raises(WrongPortOrDay, match="not today"):
        appointment_check_in(appointment=appointment, actor=officer_at(appointment.port))
    with pytest.raises(PermissionDenied):
        appointment_check_in(appointment=appointment, actor=actor_for(appointment.applicant))


@pytest.mark.django_db
def test_a_cancelled_appointment_cannot_be_checked_in_and_a_checked_in_one_cannot_be_cancelled(frozen_clock):
    cancelled, visited = appointments_made(frozen_clock, count=2)
    frozen_clock.set(ON_THE_DAY)
    appointment_cancel(appointment=cancelled, reason="applicant", actor=actor_for(cancelled.applicant))
    with pytest.raises(AppointmentStateError):
        appointment_check_in(appointment=cancelled, actor=officer_at(cancelled.port))
    appointment_check_in(appointment=visited, actor=officer_at(visited.port))
    with pytest.raises(AppointmentStateError):
        appointment_cancel(appointment=visited, reason="applicant", actor=actor_for(visited.applicant))
    appointment_complete(appointment=visited, actor=officer_at(visited.port))
    visited.refresh_from_db()
    assert visited.state == AppointmentState.COMPLETED
    with pytest.raises(AppointmentStateError):
        appointment_complete(appointment=visited, actor=officer_at(visited.port))


def test_cancelling_gives_the_seats_back_and_tells_the_group(appointment):
    slot = SlotCapacity.objects.get(port=appointment.port, day=APPOINTMENT_DAY, slot=appointment.slot)
    before = slot.left
    appointment_cancel(appointment=appointment, reason="applicant", actor=actor_for(appointment.applicant))
    slot.refresh_from_db()
    assert slot.left == before + appointment.group_size
    notice = Notice.objects.get(kind="cancelled")
    assert notice.context == {
        "appointment_id": appointment.pk,
        "port_name": appointment.port.name,
        "date": "2026-12-15",
        "reason": "applicant",
    }
    with pytest.raises(AppointmentStateError):
        appointment_cancel(
            appointment=appointment, reason="applicant", actor=actor_for(appointment.applicant)
        )


def test_a_stranger_cannot_cancel(appointment):
    from tests.factories.registrations import registered_group

    with pytest.raises(PermissionDenied):
        appointment_cancel(appointment=appointment, reason="applicant", actor=actor_for(registered_group()))


def test_groups_that_did_not_come_are_marked_no_show_after_their_day_ends_at_the_port(
    appointment, frozen_clock
):
    frozen_clock.set(dt.datetime(2026, 12, 16, 7, 59, tzinfo=dt.UTC))  # 23:59 in San Diego
    assert appointments_mark_no_shows(actor=Actor(role=Role.SYSTEM)) == 0
    frozen_clock.set(dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC))
    assert appointments_mark_no_shows(actor=Actor(role=Role.SYSTEM)) == 1
    assert appointments_mark_no_shows(actor=Actor(role=Role.SYSTEM)) == 0
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.NO_SHOW
    assert Notice.objects.filter(kind="no_show").count() == 1


def test_the_day_before_reminder_goes_once_with_the_address_and_the_pass(appointment, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 12, 14, 7, 0, tzinfo=dt.UTC))  # 13 Dec in San Diego
    assert appointments_remind_day_before(actor=Actor(role=Role.SYSTEM)) == 0
    frozen_clock.set(dt.datetime(2026, 12, 14, 17, 0, tzinfo=dt.UTC))  # 14 Dec
    assert appointments_remind_day_before(actor=Actor(role=Role.SYSTEM)) == 1
    assert appointments_remind_day_before(actor=Actor(role=Role.SYSTEM)) == 0
    notice = Notice.objects.get(kind="day_before")
    assert notice.context["port_address"] == appointment.port.address
    assert notice.context["pass_url"].endswith(f"/appointments/{appointment.pk}/pass")


def test_the_online_check_knows_what_the_pass_cannot(appointment, frozen_clock):
    port, payload = appointment.port, appointment.pass_payload
    assert pass_verify(payload=payload, port=port, day=APPOINTMENT_DAY).ok
    assert pass_verify(payload=payload, port="ELP", day=APPOINTMENT_DAY).code == "other_port"
    assert (
        pass_verify(payload=payload, port=port, day=APPOINTMENT_DAY + dt.timedelta(days=1)).code
        == "other_date"
    )
    frozen_clock.set(ON_THE_DAY)
    appointment_check_in(appointment=appointment, actor=officer_at(port))
    check = pass_verify(payload=payload, port=port, day=APPOINTMENT_DAY)
    assert (check.ok, check.code) == (False, "checked_in")
    assert "officer:11" in check.message


def test_the_online_check_refuses_a_cancelled_appointments_pass(appointment):
    appointment_cancel(appointment=appointment, reason="applicant", actor=actor_for(appointment.applicant))
    check = pass_verify(payload=appointment.pass_payload, port=appointment.port, day=APPOINTMENT_DAY)
    assert (check.ok, check.code) == (False, "cancelled")


def test_the_database_refuses_a_checked_in_appointment_without_its_time(appointment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(state=AppointmentState.CHECKED_IN)


@pytest.mark.django_db(transaction=True)
def test_two_officers_scanning_the_same_pass_at_once_check_it_in_once(frozen_clock):
    appointment = appointment_made(frozen_clock)
    frozen_clock.set(ON_THE_DAY)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def scan(user_id: int) -> None:
        try:
            barrier.wait()
            appointment_check_in(appointment=appointment, actor=officer_at(appointment.port, user_id))
            result = "in"
        except AlreadyCheckedIn:
            result = "already"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=scan, args=(100 + i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already"] * 19 + ["in"]
    assert AuditEvent.objects.filter(action="appointment.checked_in").count() == 1


def test_after_a_key_rotation_old_passes_still_verify_until_their_key_is_dropped(appointment, settings):
    from cita.core.crypto import new_key_ring_entry

    old = settings.CITA_SIGNING_KEY
    settings.CITA_SIGNING_KEY = f"{new_key_ring_entry('ts2')},{old}"
    assert pass_verify(payload=appointment.pass_payload, port=appointment.port, day=APPOINTMENT_DAY).ok
    from cita.appointments.services import public_keys_document

    keys = public_keys_document()["keys"]
    assert isinstance(keys, list)
    assert [key["kid"] for key in keys] == ["ts2", "ts1"]
    settings.CITA_SIGNING_KEY = new_key_ring_entry("ts3")
    check = pass_verify(payload=appointment.pass_payload, port=appointment.port, day=APPOINTMENT_DAY)
    assert check.code == "unknown_key"
