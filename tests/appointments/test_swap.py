"""appointment_swap refuses whoever does not act for the group, and a place not offered."""

from __future__ import annotations

import pytest

from cita.appointments.errors import PlaceTaken
from cita.appointments.models import Appointment
from cita.appointments.services.swap import appointment_swap
from cita.core.errors import PermissionDenied
from tests.factories.closures import Ask, booked, slots
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import port_with_slots, staff_actor
from tests.factories.registrations import actor_for, registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(frozen_clock) -> Appointment:
    sys_ = port_with_slots("SYS", slots=[("08:00", 2)], position=1)
    (offer,) = booked(frozen_clock, [Ask(size=2, ports=["SYS"])])
    slots(sys_, day=D, seats=[("10:00", 2)])
    return Appointment.objects.get(offer=offer)


@pytest.mark.parametrize("role", ["planner", "admin", "officer", "auditor"])
def test_staff_cannot_move_a_groups_appointment(appointment, role):
    user = StaffFactory.create(role=role, port=appointment.port if role == "officer" else None)
    with pytest.raises(PermissionDenied):
        appointment_swap(appointment=appointment, place="SYS|2026-12-15|10:00", actor=staff_actor(user))


def test_another_group_cannot_move_it(appointment):
    with pytest.raises(PermissionDenied):
        appointment_swap(
            appointment=appointment, place="SYS|2026-12-15|10:00", actor=actor_for(registered_group())
        )


def test_its_own_place_is_not_a_place_to_move_to(appointment):
    with pytest.raises(PlaceTaken):
        appointment_swap(
            appointment=appointment, place="SYS|2026-12-15|08:00", actor=actor_for(appointment.applicant)
        )
