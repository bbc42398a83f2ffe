"""The closure rebooking rule of issue 15 (shared/DESIGN.md, "Closures and rebooking"): port first, day by
day only within a port; a port in another city only with the minimum notice; and the choice "I prefer to
wait for my first port" (tier 0 in the draws after the port reopens, keeping the group's place)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.test import override_settings

from cita.appointments.errors import AppointmentStateError
from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.rebook_plan import FORMAT_V1, Group, Seats, Snapshot, plan_compute
from cita.appointments.selectors import wait_choice_for
from cita.appointments.services.rebooking import (
    WAIT_REASON,
    appointment_wait_for_first_port,
    closure_rebook,
    rebooking_replay,
)
from cita.audit.models import AuditEvent
from cita.core import clock
from cita.core.errors import PermissionDenied
from cita.draws.bulk import entries_export
from cita.draws.models import Draw, DrawApplicant, PriorityFlag, Request
from cita.draws.services import draw_close, request_submit, request_withdraw
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.rendering import render
from cita.ports.models import SlotCapacity
from tests.factories.closures import Ask, booked, closed, moved_away_from_first_port, slots
from tests.factories.draws import APPOINTMENT_DAY, JOB, open_draw, port_with_slots, staff_actor
from tests.factories.registrations import actor_for
from tests.factories.staff import StaffFactory

D = APPOINTMENT_DAY  # 2026-12-15
D1, D2, D3, D4 = (D + dt.timedelta(days=n) for n in (1, 2, 3, 4))

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner():
    return staff_actor(StaffFactory.create(role="planner"))


@pytest.fixture
def ports():
    """SYS (to close) and OTM in San Diego; LAR in Laredo, another city."""
    sys_ = port_with_slots("SYS", slots=[("08:00", 40)], position=1, name="San Ysidro", city="San Diego, CA")
    otm = port_with_slots("OTM", slots=[], position=2, name="Otay Mesa", city="San Diego, CA")
    lar = port_with_slots("LAR", slots=[], position=3, name="Laredo", city="Laredo, TX")
    return sys_, otm, lar


def _new(old: Appointment) -> Appointment | None:
    return Appointment.objects.filter(rebooked_from=old).select_related("port").first()


def test_a_group_goes_to_its_first_port_a_day_later_rather_than_to_its_second_port_sooner(
    frozen_clock, ports, planner
):
    sys_, otm, _ = ports
    slots(otm, day=D1, seats=[("08:00", 10)])
    slots(sys_, day=D2, seats=[("08:00", 10)])
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "OTM"]), Ask(size=1, ports=["OTM", "SYS"])])
    first, second = sorted((Appointment.objects.get(offer=o) for o in offers), key=lambda a: -a.group_size)
    closure = closed(sys_, start=D, actor=planner)

    rebooking = closure_rebook(closure_id=closure.pk, actor=JOB)

    assert rebooking is not None
    assert rebooking.plan["format"] == "cita-rebooking-v2"
    new_first, new_second = _new(first), _new(second)
    assert new_first is not None
    assert new_second is not None
    # Its first port, a day later (day first would have given OTM on D1) ...
    assert (new_first.port.code, new_first.day) == ("SYS", D2)
    # ... and the group that ranked OTM first gets OTM.
    assert (new_second.port.code, new_second.day) == ("OTM", D1)
    assert rebooking_replay(rebooking=rebooking).same


def test_a_port_in_another_city_is_used_only_with_the_minimum_notice(frozen_clock, ports, planner):
    sys_, _, lar = ports
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "LAR"]), Ask(size=2, ports=["SYS", "LAR"])])
    first, second = (Appointment.objects.get(offer=o) for o in offers)  # in allocation order
    # The day before the appointment (10:00 in Tijuana): Laredo on D1 is two days ahead, on D3 four.
    frozen_clock.set(dt.datetime(2026, 12, 14, 18, 0, tzinfo=dt.UTC))
    slots(lar, day=D1, seats=[("08:00", 10)])
    slots(lar, day=D3, seats=[("08:00", 2)])
    closure = closed(sys_, start=D, actor=planner)

    rebooking = closure_rebook(closure_id=closure.pk, actor=JOB)

    assert rebooking is not None
    assert rebooking.snapshot["notice_days"] == 3
    assert rebooking.snapshot["today"] == "2026-12-14"
    new_first = _new(first)
    assert new_first is not None
    assert (new_first.port.code, new_first.day) == ("LAR", D3)
    # Laredo tomorrow is too soon and D3 is full: the second group is escalated, not sent at 1 day notice.
    assert _new(second) is None
    assert PriorityFlag.objects.filter(applicant=second.applicant, kind="displaced").exists()
    assert SlotCapacity.objects.get(port=lar, day=D1).left == 10


@override_settings(CITA_REBOOK_NOTICE_DAYS=1)
def test_the_minimum_notice_is_a_setting(frozen_clock, ports, planner):
    sys_, _, lar = ports
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "LAR"])])
    old = Appointment.objects.get(offer=offers[0])
    frozen_clock.set(dt.datetime(2026, 12, 14, 18, 0, tzinfo=dt.UTC))
    slots(lar, day=D2, seats=[("08:00", 10)])
    closure = closed(sys_, start=D, actor=planner)
    closure_rebook(closure_id=closure.pk, actor=JOB)
    new = _new(old)
    assert new is not None
    assert (new.port.code, new.day) == ("LAR", D2)


def test_a_rebooking_stored_before_the_rule_changed_still_replays_with_its_own_rule():
    group = Group(
        "appointment:1",
        1,
        1,
        ("SYS", "TIJ"),
        ("2026-12-02T19:00:00.000000Z", 1, ""),
        "SYS",
        D.isoformat(),
        "08:00",
    )
    seats = (Seats("TIJ", D1.isoformat(), "08:00", 5), Seats("SYS", D2.isoformat(), "08:00", 5))
    v2_snapshot = Snapshot(
        closure=1,
        port="SYS",
        start=D.isoformat(),
        end=D.isoformat(),
        first_day="2026-12-03",
        last_day="2026-12-22",
        any_port=False,
        open_ports=("SYS", "TIJ"),
        groups=(group,),
        seats=seats,
    )
    v1 = plan_compute(dataclasses.replace(v2_snapshot, format=FORMAT_V1))
    v2 = plan_compute(v2_snapshot)
    assert (v1.format, v1.placements[0].port, v1.placements[0].day) == (FORMAT_V1, "TIJ", D1.isoformat())
    assert (v2.placements[0].port, v2.placements[0].day) == ("SYS", D2.isoformat())


# -- "I prefer to wait for my first port" ------------------------------------------------------------------


@pytest.fixture
def moved_away(frozen_clock, ports, planner):
    """A group that ranked SYS then OTM, moved to OTM on D1 by the closure of SYS on D and D1."""
    old, new, closure = moved_away_from_first_port(frozen_clock, planner=planner, language="es")
    assert new.port.code == "OTM"
    return old, new, closure


def test_the_notice_of_a_group_moved_away_offers_the_choice_plainly(frozen_clock, moved_away):
    _, new, _ = moved_away
    notice = Notice.objects.get(applicant=new.applicant, kind=NoticeKind.REBOOKED)
    assert notice.context["wait_url"].endswith(f"/appointments/{new.pk}/wait")
    assert (notice.context["first_port_name"], notice.context["wait_from"]) == ("San Ysidro", D2.isoformat())
    rendered = render(kind=notice.kind, context=notice.context, language="es")
    body = rendered.body
    assert "Otay Mesa" in body
    assert "San Ysidro" in body
    assert "Para quedarse con la nueva cita, no haga nada." in body
    assert "jueves 17 de diciembre de 2026" in body  # first in line from the day after the closure
    assert "Usted conserva su lugar" in body
    assert "al menos a 3 días" in body
    assert notice.context["wait_url"] in rendered.sms


def test_a_group_moved_away_from_its_first_port_may_choose_to_wait_for_it(frozen_clock, moved_away):
    _old, new, closure = moved_away
    waiting_since = DrawApplicant.objects.get(applicant=new.applicant).waiting_since
    choice = wait_choice_for(appointment=new)
    assert choice is not None
    assert (choice.first_port.code, choice.from_day) == ("SYS", D2)

    result = appointment_wait_for_first_port(appointment=new, actor=actor_for(new.applicant))

    assert (result.state, result.ended_reason) == (AppointmentState.CANCELLED, WAIT_REASON)
    assert SlotCapacity.objects.get(port=new.port, day=D1).left == 4  # the seats went back
    flag = PriorityFlag.objects.get(applicant=new.applicant, ended_at__isnull=True)
    assert (flag.kind, flag.draws_remaining, flag.from_day) == ("displaced", 3, D2)
    # It keeps its place: the day it first asked does not change.
    assert DrawApplicant.objects.get(applicant=new.applicant).waiting_since == waiting_since
    event = AuditEvent.objects.get(action="appointment.waits_for_first_port")
    assert event.data["first_port"] == "SYS"
    assert event.data["closure"] == closure.pk
    # Asked again, it is refused: the choice is made once.
    with pytest.raises(AppointmentStateError):
        appointment_wait_for_first_port(appointment=new, actor=actor_for(new.applicant))


def test_only_the_group_itself_may_choose_to_wait(frozen_clock, moved_away, planner):
    _, new, _ = moved_away
    with pytest.raises(PermissionDenied):
        appointment_wait_for_first_port(appointment=new, actor=planner)
    assert Appointment.objects.get(pk=new.pk).state == AppointmentState.SCHEDULED


def test_no_choice_for_a_group_placed_at_its_first_port_or_after_its_appointment_began(
    frozen_clock, ports, planner
):
    sys_, _, _ = ports
    slots(sys_, day=D2, seats=[("08:00", 4)])
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "OTM"])])
    old = Appointment.objects.get(offer=offers[0])
    closure = closed(sys_, start=D, actor=planner)
    closure_rebook(closure_id=closure.pk, actor=JOB)
    new = _new(old)
    assert new is not None
    assert new.port.code == "SYS"
    assert wait_choice_for(appointment=new) is None
    assert wait_choice_for(appointment=old) is None  # the old one is not scheduled any more


def test_a_group_waiting_for_its_first_port_is_in_tier_0_only_in_draws_for_days_after_the_closure(
    frozen_clock, moved_away
):
    _, new, _ = moved_away
    applicant = new.applicant
    appointment_wait_for_first_port(appointment=new, actor=actor_for(applicant))

    def tier_in(draw: Draw) -> str:
        body = entries_export(draw_pk=draw.pk, state="submitted", missing_ports=(), second_chance=False)
        ticket = Request.objects.get(draw=draw, applicant=applicant).ticket
        line = next(row for row in body.decode().splitlines() if row.startswith(ticket))
        return line.split(",")[2]

    # The draw of 2 December is for 16 December (D1), a closed day: tier 1, and no draw of priority used.
    during = open_draw(frozen_clock, day=dt.date(2026, 12, 2))
    request = request_submit(
        applicant=applicant, ports=["SYS", "OTM"], actor=actor_for(applicant), draw=during
    )
    assert tier_in(during) == "1"
    request_withdraw(request=request, actor=actor_for(applicant))
    # The draw of 3 December is for 17 December (D2), the day after the closure: tier 0.
    after = open_draw(frozen_clock, day=dt.date(2026, 12, 3))
    request_submit(applicant=applicant, ports=["SYS", "OTM"], actor=actor_for(applicant), draw=after)
    assert tier_in(after) == "0"
    frozen_clock.set(clock.now() + dt.timedelta(days=1))
    draw_close(draw=Draw.objects.get(pk=after.pk), actor=JOB)
    flag = PriorityFlag.objects.get(applicant=applicant, kind="displaced")
    assert flag.draws_remaining == 2  # counted down by the draw for a day after the closure
