"""Groups racing to move their appointments into the same last free place (threads, each its own
PostgreSQL connection, committing for real): exactly one wins, no seat is oversold, none is lost."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

import pytest
from django.db.models import Sum

from cita.appointments.errors import PlaceTaken
from cita.appointments.models import Appointment
from cita.appointments.services.swap import appointment_swap
from cita.ports.models import SlotCapacity
from tests.draws.test_concurrency import race
from tests.factories.closures import Ask, booked, slots
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import port_with_slots
from tests.factories.registrations import actor_for


def swap(appointment: Appointment, place: str) -> Callable[[], Appointment]:
    """The group of `appointment` moving it to `place`, as a job for `race`."""
    return lambda: appointment_swap(
        appointment=appointment, place=place, actor=actor_for(appointment.applicant)
    )


@pytest.mark.django_db(transaction=True)
def test_two_groups_racing_for_the_last_place_one_wins_and_nothing_is_oversold(frozen_clock):
    sys_ = port_with_slots("SYS", slots=[("08:00", 4)], position=1)
    elp = port_with_slots("ELP", slots=[], position=2)
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "ELP"]) for _ in range(2)])
    slots(elp, day=D, seats=[("08:00", 2)])  # the last place: room for one of the two groups
    appointments = list(Appointment.objects.filter(offer__in=offers).select_related("port"))
    assert len(appointments) == 2

    for _ in range(5):  # the same race again, from the same start, to catch an unlucky interleaving
        results = race([swap(a, "ELP|2026-12-15|08:00") for a in appointments])
        won = [r for r in results if isinstance(r, Appointment)]
        lost = [r for r in results if isinstance(r, PlaceTaken)]
        assert (len(won), len(lost)) == (1, 1), Counter(type(r).__name__ for r in results)
        at = Counter(Appointment.objects.values_list("port__code", flat=True))
        assert at == {"SYS": 1, "ELP": 1}
        elp_slot = SlotCapacity.objects.get(port=elp, day=D, slot=dt.time(8))
        sys_slot = SlotCapacity.objects.get(port=sys_, day=D, slot=dt.time(8))
        assert (elp_slot.left, sys_slot.left) == (0, 2)
        booked_seats = Appointment.objects.aggregate(n=Sum("group_size"))["n"]
        assert booked_seats == (elp_slot.seats - elp_slot.left) + (sys_slot.seats - sys_slot.left)
        # Put the winner back for the next round.
        winner = Appointment.objects.get(port=elp)
        Appointment.objects.filter(pk=winner.pk).update(port=sys_)
        SlotCapacity.objects.filter(pk=elp_slot.pk).update(left=2)
        SlotCapacity.objects.filter(pk=sys_slot.pk).update(left=0)
        appointments = list(Appointment.objects.select_related("port"))


@pytest.mark.django_db(transaction=True)
def test_two_groups_swapping_into_each_others_slots_at_once_both_move_without_deadlock(frozen_clock):
    sys_ = port_with_slots("SYS", slots=[("08:00", 4)], position=1)
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS"]) for _ in range(2)])
    first, second = (Appointment.objects.select_related("port").get(offer=o) for o in offers)
    slots(sys_, day=D, seats=[("10:00", 4)])
    second = appointment_swap(
        appointment=second, place="SYS|2026-12-15|10:00", actor=actor_for(second.applicant)
    )

    for _ in range(5):
        here, there = f"SYS|2026-12-15|{first.slot:%H:%M}", f"SYS|2026-12-15|{second.slot:%H:%M}"
        results = race([swap(first, there), swap(second, here)])
        assert all(isinstance(r, Appointment) for r in results), results
        first, second = results
        assert (first.slot, second.slot) == (
            dt.time.fromisoformat(there.rsplit("|", 1)[1]),
            dt.time.fromisoformat(here.rsplit("|", 1)[1]),
        )
        assert sorted(SlotCapacity.objects.filter(port=sys_).values_list("left", flat=True)) == [2, 2]
