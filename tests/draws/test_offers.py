"""Offers: confirm, decline, expire (and what each does to seats), reminders, second chances."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services.offers import offer_confirm, offer_decline
from cita.audit.models import AuditEvent
from cita.core.errors import PermissionDenied
from cita.draws.errors import OfferNotOpen
from cita.draws.models import Draw, DrawStatus, Offer, OfferState, Request, RequestState
from cita.draws.services import (
    draw_close,
    draw_open,
    draws_close_due,
    offers_expire_due,
    offers_remind_due,
    priority_flag,
    request_submit,
)
from cita.notifications.models import Notice
from cita.ports.models import SlotCapacity
from tests.draws.conftest import Chain
from tests.factories.draws import (
    APPOINTMENT_DAY,
    JOB,
    WINDOW_CLOSES,
    open_draw,
    port_with_slots,
    staff_actor,
    submitted,
)
from tests.factories.registrations import actor_for, registered_group
from tests.factories.staff import StaffFactory


def left(code: str = "SYS", slot: str = "08:00") -> int:
    return SlotCapacity.objects.get(
        port__code=code, day=APPOINTMENT_DAY, slot=dt.time.fromisoformat(slot)
    ).left


@pytest.fixture
def offers(db, frozen_clock) -> list[Offer]:
    """Draw 2026-12-01 published: 5 seats at SYS 08:00, six groups of one; five offers, one left out."""
    port_with_slots("SYS", slots=[("08:00", 5)])
    draw = open_draw(frozen_clock)
    for _ in range(6):
        submitted(ports=["SYS"], draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=draw, actor=JOB)
    return list(Offer.objects.select_related("applicant", "request", "port").order_by("order"))


def test_the_results_hold_the_offered_seats_and_give_back_the_rest(db, frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 5), ("09:00", 5)])
    draw = open_draw(frozen_clock)
    submitted(ports=["SYS"], size=3, draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=draw, actor=JOB)
    offer = Offer.objects.get()
    assert (offer.slot, offer.group_size, offer.state) == (dt.time(8), 3, OfferState.OPEN)
    assert (left("SYS", "08:00"), left("SYS", "09:00")) == (2, 5)
    assert offer.deadline == WINDOW_CLOSES + dt.timedelta(hours=23)


def test_confirming_issues_an_appointment_with_a_pass_and_tells_the_group(offers, frozen_clock):
    offer = offers[0]
    appointment = offer_confirm(offer=offer, actor=actor_for(offer.applicant))
    offer.refresh_from_db()
    assert offer.state == OfferState.CONFIRMED
    assert offer.settled_at == frozen_clock.now()
    assert (appointment.port, appointment.day, appointment.slot) == (offer.port, offer.day, offer.slot)
    assert appointment.state == AppointmentState.SCHEDULED
    assert appointment.pass_payload.startswith("CP1:")
    notice = Notice.objects.get(kind="confirmed", applicant=offer.applicant)
    assert notice.context == {
        "appointment_id": appointment.pk,
        "port_name": offer.port.name,
        "date": "2026-12-15",
        "slot": "08:00",
        "time_zone": offer.port.time_zone,
        "port_address": offer.port.address,
        "pass_url": f"http://testserver/appointments/{appointment.pk}/pass",
    }
    assert left() == 0  # the seat stays taken: it was taken when the results were applied
    assert {"offer.confirmed", "appointment.issued"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_an_offer_is_confirmed_or_declined_once_and_never_after_its_deadline(offers, frozen_clock):
    first, second, third = offers[:3]
    offer_confirm(offer=first, actor=actor_for(first.applicant))
    with pytest.raises(OfferNotOpen, match="already confirmed"):
        offer_confirm(offer=first, actor=actor_for(first.applicant))
    with pytest.raises(OfferNotOpen):
        offer_decline(offer=first, actor=actor_for(first.applicant))
    offer_decline(offer=second, actor=actor_for(second.applicant))
    with pytest.raises(OfferNotOpen, match="declined"):
        offer_confirm(offer=second, actor=actor_for(second.applicant))
    frozen_clock.set(third.deadline)
    with pytest.raises(OfferNotOpen, match="over"):
        offer_confirm(offer=third, actor=actor_for(third.applicant))
    assert Appointment.objects.count() == 1


def test_declining_gives_the_seats_back(offers):
    offer = offers[0]
    offer_decline(offer=offer, actor=actor_for(offer.applicant))
    offer.refresh_from_db()
    assert offer.state == OfferState.DECLINED
    assert left() == 1


def test_the_expiry_job_expires_late_offers_once_and_gives_their_seats_back(offers, frozen_clock):
    offer_confirm(offer=offers[0], actor=actor_for(offers[0].applicant))
    frozen_clock.set(offers[0].deadline - dt.timedelta(seconds=1))
    assert offers_expire_due(actor=JOB) == 0
    frozen_clock.set(offers[0].deadline)
    assert offers_expire_due(actor=JOB) == 4
    assert offers_expire_due(actor=JOB) == 0
    states = sorted(Offer.objects.values_list("state", flat=True))
    assert states == ["confirmed", "expired", "expired", "expired", "expired"]
    assert left() == 4
    assert AuditEvent.objects.filter(action="offer.expired").count() == 4


def test_only_the_group_itself_may_confirm(offers):
    stranger = registered_group()
    with pytest.raises(PermissionDenied):
        offer_confirm(offer=offers[0], actor=actor_for(stranger))


def test_the_database_refuses_an_open_offer_with_a_settlement_time(offers):
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offers[0].pk).update(state=OfferState.CONFIRMED)


def test_one_reminder_before_the_deadline(offers, frozen_clock):
    frozen_clock.set(offers[0].deadline - dt.timedelta(hours=7))
    assert offers_remind_due(actor=JOB) == 0
    frozen_clock.set(offers[0].deadline - dt.timedelta(hours=5))
    offer_confirm(offer=offers[0], actor=actor_for(offers[0].applicant))
    assert offers_remind_due(actor=JOB) == 4
    assert offers_remind_due(actor=JOB) == 0
    notice = Notice.objects.filter(kind="deadline_reminder").first()
    assert notice is not None
    assert set(notice.context) == {
        "offer_id",
        "deadline",
        "port_name",
        "date",
        "slot",
        "time_zone",
    }


def test_confirming_ends_the_groups_priority(offers):
    admin = StaffFactory.create(role="admin")
    offer = offers[0]
    flag = priority_flag(applicant=offer.applicant, reason="medical", actor=staff_actor(admin))
    offer_confirm(offer=offer, actor=actor_for(offer.applicant))
    flag.refresh_from_db()
    assert flag.ended_reason == "served"


def test_the_second_chance_draws_the_released_seats_among_those_not_selected(offers, frozen_clock):
    draw = offers[0].draw
    second = Draw.objects.get(first=draw, round=2)
    assert second.status == DrawStatus.OPEN
    assert second.closes_at == draw.deadline
    offer_decline(offer=offers[0], actor=actor_for(offers[0].applicant))
    offer_decline(offer=offers[1], actor=actor_for(offers[1].applicant))
    for offer in offers[2:]:
        offer_confirm(offer=offer, actor=actor_for(offer.applicant))
    left_out = Request.objects.get(status__state=RequestState.NOT_SELECTED)
    frozen_clock.set(draw.deadline)
    draws_close_due(actor=JOB)
    second.refresh_from_db()
    assert second.status == DrawStatus.PUBLISHED
    assert (second.seats, second.entries_count) == (2, 1)
    lucky = Offer.objects.get(draw=second)
    assert lucky.request_id == left_out.pk
    assert lucky.deadline == draw.deadline + dt.timedelta(hours=23)
    left_out.refresh_from_db()
    assert left_out.state == RequestState.SELECTED
    assert left() == 1  # two released, one taken again, one given back to the slot
    third = Draw.objects.get(first=draw, round=3)
    assert third.closes_at == lucky.deadline


def test_a_second_chance_with_no_released_seats_is_skipped_and_reveals_its_seed(offers, frozen_clock):
    for offer in offers:
        offer_confirm(offer=offer, actor=actor_for(offer.applicant))
    draw = offers[0].draw
    frozen_clock.set(draw.deadline)
    draws_close_due(actor=JOB)
    second = Draw.objects.get(first=draw, round=2)
    assert second.status == DrawStatus.SKIPPED
    assert second.server_seed is not None
    assert not Draw.objects.filter(first=draw, round=3).exists()
    assert AuditEvent.objects.filter(action="draw.skipped", object_id=second.draw_id).exists()


def test_a_group_that_asked_again_meanwhile_is_left_out_of_the_second_chance(offers, frozen_clock):
    draw = offers[0].draw
    offer_decline(offer=offers[0], actor=actor_for(offers[0].applicant))
    left_out = Request.objects.select_related("applicant").get(status__state=RequestState.NOT_SELECTED)
    port_with_slots("SYS", slots=[("08:00", 5)], day=dt.date(2026, 12, 16))
    tomorrow = open_draw(frozen_clock, day=dt.date(2026, 12, 2))
    request_submit(
        applicant=left_out.applicant, ports=["SYS"], actor=actor_for(left_out.applicant), draw=tomorrow
    )
    frozen_clock.set(draw.deadline)
    draws_close_due(actor=JOB)
    second = Draw.objects.get(first=draw, round=2)
    # It holds a live request in another draw, so it is not an entry of the second chance.
    assert second.entries_count == 0
    assert not Offer.objects.filter(draw=second).exists()


@pytest.mark.django_db
def test_a_second_chance_declines_at_once_for_a_group_that_asked_again_while_it_waited(
    frozen_clock, chain: Chain
):
    """Between the second chance's freeze and its reveal (waiting for the beacon), a group in its entries
    asks in another draw: if drawn, its offer is declined at once and the seats go on to the next round."""
    port_with_slots("SYS", slots=[("08:00", 1)])
    draw = open_draw(frozen_clock)
    chain.publish(int(draw.beacon_round or 0))
    first, second_group = submitted(ports=["SYS"], draw=draw), submitted(ports=["SYS"], draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=draw, actor=JOB)
    offer = Offer.objects.get()
    offer_decline(offer=offer, actor=actor_for(offer.applicant))
    left_out = Request.objects.select_related("applicant").get(status__state=RequestState.NOT_SELECTED)
    assert left_out.pk in (first.pk, second_group.pk)
    draw.refresh_from_db()
    frozen_clock.set(draw.deadline)
    draws_close_due(actor=JOB)
    chance = Draw.objects.get(first=draw, round=2)
    assert chance.status == DrawStatus.FROZEN
    assert chance.entries_count == 1
    port_with_slots("ELP", slots=[("08:00", 5)], day=dt.date(2026, 12, 17), position=1)
    frozen_clock.set(WINDOW_CLOSES + dt.timedelta(days=1, hours=1))  # draw 2026-12-03 is open
    tomorrow = draw_open(day=dt.date(2026, 12, 3), actor=JOB)
    request_submit(
        applicant=left_out.applicant, ports=["ELP"], actor=actor_for(left_out.applicant), draw=tomorrow
    )
    chain.publish(int(chance.beacon_round or 0))
    draws_close_due(actor=JOB)
    chance.refresh_from_db()
    assert chance.status == DrawStatus.PUBLISHED
    assert chance.selected_count == 1
    auto = Offer.objects.get(draw=chance)
    assert (auto.state, auto.settled_reason) == (OfferState.DECLINED, "holds another booking")
    assert left() == 1  # the seat went back, for the next round
    assert Draw.objects.get(first=draw, round=3).status == DrawStatus.OPEN
