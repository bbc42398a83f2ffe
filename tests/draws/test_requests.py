"""The rules of a request: window, one per group per draw, people in one booking at a time, group size,
registration, ports; withdrawal; tickets; waiting_since; the notice and the audit event."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import translation

from cita.appointments.models import Appointment
from cita.appointments.services.offers import offer_decline
from cita.appointments.services.run import cycle_run_due
from cita.audit.models import AuditEvent
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.draws.errors import (
    AlreadyRequested,
    GroupNotRegistered,
    GroupTooLarge,
    InvalidPorts,
    MemberBusy,
    RequestNotWithdrawable,
    WindowClosed,
)
from cita.draws.models import Draw, DrawApplicant, Offer, Request, RequestState, RequestStatus
from cita.draws.services import draw_close, request_submit, request_withdraw
from cita.draws.services.requests import ticket_new
from cita.notifications.models import Notice
from cita.ports.models import Port
from cita.registrations.services import member_add, member_remove
from tests.factories.draws import (
    APPOINTMENT_DAY,
    DRAW_DAY,
    JOB,
    WINDOW_CLOSES,
    WINDOW_OPENS,
    open_draw,
    port_with_slots,
    submitted,
)
from tests.factories.ports import PortFactory
from tests.factories.registrations import actor_for, applicant, member_input, registered_group


@pytest.fixture
def draw(db, frozen_clock) -> Draw:
    port_with_slots("SYS", slots=[("08:00", 10)])
    port_with_slots("ELP", slots=[("08:00", 10)], position=1)
    return open_draw(frozen_clock)


def ask(group, ports=("SYS",), draw=None) -> Request:
    return request_submit(applicant=group, ports=list(ports), actor=actor_for(group), draw=draw)


def test_a_request_gets_a_ticket_the_group_size_a_notice_and_an_audit_event(draw):
    group = registered_group(size=3)
    request = ask(group, ports=["ELP", "SYS"])
    assert re.fullmatch(r"[A-Z0-9]{10}", request.ticket)
    assert (request.group_size, request.ports, request.state) == (3, ["ELP", "SYS"], RequestState.SUBMITTED)
    assert len(request.people.members) == 3
    assert len(request.people.document_indexes) == 3
    notice = Notice.objects.get(applicant=group)
    assert notice.kind == "request_received"
    assert notice.context == {
        "ticket": request.ticket,
        "draw_id": "2026-12-01",
        "appointment_date": "2026-12-15",
    }
    event = AuditEvent.objects.get(action="request.submitted")
    assert event.data == {
        "draw": "2026-12-01",
        "applicant": group.pk,
        "group_size": 3,
        "ports": ["ELP", "SYS"],
    }
    # The ticket is the group's secret link to the public results: never in the audit log.
    assert request.ticket not in str(event.data)


def test_tickets_are_ten_characters_of_crockfords_base_32_and_do_not_repeat():
    tickets = {ticket_new() for _ in range(20_000)}
    assert len(tickets) == 20_000
    assert all(re.fullmatch(r"[A-Z0-9]{10}", t) for t in tickets)  # draw-v1 allows A-Z0-9
    # Every character of Crockford's alphabet shows up, and none of the look-alikes I, L, O, U (issue 15,
    # item 9): a ticket read aloud or copied by hand has no O to take for 0, no I or L to take for 1.
    assert set("".join(tickets)) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_the_database_refuses_a_malformed_or_repeated_ticket(draw):
    request = submitted(ports=["SYS"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Request.objects.filter(pk=request.pk).update(ticket="abc")
    other = registered_group()
    with pytest.raises(IntegrityError), transaction.atomic():
        Request.objects.create(
            draw=draw,
            applicant=other,
            ticket=request.ticket,
            ports=["SYS"],
            group_size=1,
            waiting_since=DRAW_DAY,
            created_at=WINDOW_OPENS,
            created_by="test",
        )


def test_no_request_before_the_window_opens_or_after_it_closes(db, frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 10)])
    group = registered_group()
    frozen_clock.set(WINDOW_OPENS - dt.timedelta(minutes=1))
    with pytest.raises(WindowClosed):
        ask(group)
    draw = open_draw(frozen_clock)
    frozen_clock.set(WINDOW_CLOSES)
    with pytest.raises(WindowClosed):
        ask(group, draw=draw)
    assert not Request.objects.exists()


def test_no_request_once_the_draw_is_frozen(draw, frozen_clock):
    group = registered_group()
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=draw, actor=JOB)
    frozen_clock.set(WINDOW_CLOSES - dt.timedelta(minutes=1))  # even with a clock that lags behind
    with pytest.raises(WindowClosed):
        ask(group, draw=draw)


def test_a_second_request_for_the_same_draw_is_refused(draw):
    group = registered_group()
    ask(group)
    with pytest.raises(AlreadyRequested):
        ask(group, ports=["ELP"])


def test_a_group_may_ask_again_after_withdrawing_in_the_same_window(draw):
    group = registered_group()
    first = ask(group)
    request_withdraw(request=first, actor=actor_for(group))
    second = ask(group, ports=["ELP"])
    assert second.ticket == first.ticket  # the ticket of a (group, draw) never changes
    first.refresh_from_db()
    assert first.state == RequestState.WITHDRAWN
    assert first.withdrawn_at is not None


def test_withdrawal_is_refused_after_the_window_closes_and_for_a_withdrawn_request(draw, frozen_clock):
    group = registered_group()
    request = ask(group)
    request_withdraw(request=request, actor=actor_for(group))
    with pytest.raises(RequestNotWithdrawable):
        request_withdraw(request=request, actor=actor_for(group))
    other = registered_group()
    later = ask(other)
    frozen_clock.set(WINDOW_CLOSES)
    with pytest.raises(WindowClosed):
        request_withdraw(request=later, actor=actor_for(other))
    draw_close(draw=draw, actor=JOB)
    later.refresh_from_db()
    assert later.state in (RequestState.SELECTED, RequestState.NOT_SELECTED)


def test_someone_else_cannot_withdraw_or_submit_for_a_group(draw):
    group, stranger = registered_group(), registered_group()
    request = ask(group)
    with pytest.raises(PermissionDenied):
        request_withdraw(request=request, actor=actor_for(stranger))
    with pytest.raises(PermissionDenied):
        request_submit(applicant=group, ports=["ELP"], actor=actor_for(stranger), draw=draw)


def test_a_group_too_large_for_the_policy_is_refused(draw, settings):
    group = registered_group(size=3)
    Draw.objects.filter(pk=draw.pk).update(group_size_limit=2)
    draw.refresh_from_db()
    with pytest.raises(GroupTooLarge, match="at most 2 people"):
        ask(group, draw=draw)


def test_a_group_with_nobody_registered_is_refused(draw):
    with pytest.raises(GroupNotRegistered):
        ask(applicant())


@pytest.mark.parametrize(
    ("ports", "message"),
    [
        ([], "at least one"),
        (["SYS", "SYS"], "only once"),
        (["XYZ"], "from the list"),
        (["  "], "at least one"),
    ],
)
def test_ports_must_be_one_or_more_distinct_active_ports(draw, ports, message):
    with pytest.raises(InvalidPorts, match=message):
        ask(registered_group(), ports=ports)


def test_an_inactive_port_cannot_be_chosen(draw):
    PortFactory.create(code="NOG", active=False)
    with pytest.raises(InvalidPorts):
        ask(registered_group(), ports=["NOG"])


def test_a_group_holding_an_open_offer_cannot_ask_in_the_next_draw_until_it_lets_go(draw, frozen_clock):
    group = registered_group()
    ask(group)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=draw, actor=JOB)
    offer = Offer.objects.get(applicant=group)
    port_with_slots("SYS", slots=[("08:00", 10)], day=dt.date(2026, 12, 16))
    tomorrow = open_draw(frozen_clock, day=dt.date(2026, 12, 2))
    with pytest.raises(MemberBusy):
        ask(group, draw=tomorrow)
    offer_decline(offer=offer, actor=actor_for(group))
    assert ask(group, draw=tomorrow).state == RequestState.SUBMITTED


def test_a_person_moved_to_another_group_cannot_be_in_two_requests(draw):
    first = registered_group()
    child = member_add(
        actor=actor_for(first),
        applicant=first,
        member=member_input(relationship="child", document_number="P7777777"),
    )
    ask(first)
    member_remove(actor=actor_for(first), member=child)  # the first group's request still counts them
    second = registered_group()
    member_add(
        actor=actor_for(second),
        applicant=second,
        member=member_input(relationship="child", document_number="P7777777"),
    )
    with pytest.raises(MemberBusy):
        ask(second)
    # Someone without a document has no document index in the request (registration de-duplicates them
    # by names, date of birth and nationality instead, so this one has names of their own).
    third = registered_group(size=1, document_number="", given_names="Rosa Elena")
    assert ask(third).people.document_indexes == []


def test_a_group_with_a_live_appointment_is_refused(draw):
    group = registered_group()
    Appointment.objects.create(
        applicant=group,
        port=draw_port(),
        day=dt.date(2026, 12, 10),
        slot=dt.time(8),
        group_size=1,
        members=[1],
        created_at=WINDOW_OPENS,
        pass_payload="x",
        pass_kid="t",
        pass_issued_at=WINDOW_OPENS,
    )
    with pytest.raises(MemberBusy):
        ask(group)


def draw_port():
    from cita.ports.models import Port

    return Port.objects.get(code="SYS")


def test_waiting_since_is_the_day_of_the_groups_first_request(draw, frozen_clock):
    group = registered_group()
    first = ask(group)
    request_withdraw(request=first, actor=actor_for(group))
    frozen_clock.advance(hours=12)  # the next day in Tijuana
    again = ask(group)
    assert DrawApplicant.objects.get(applicant=group).waiting_since == dt.date(2026, 12, 1)
    assert again.waiting_since == first.waiting_since == dt.date(2026, 12, 1)


def test_errors_speak_the_applicants_language(draw):
    group = registered_group(language="es")
    ask(group)
    with translation.override("es"), pytest.raises(AlreadyRequested) as refused:
        ask(group)
    assert refused.value.message == "Su grupo ya pidió una cita en este sorteo."
    with translation.override("ht"), pytest.raises(AlreadyRequested) as refused:
        ask(group)
    assert "sòti" in refused.value.message or "deja" in refused.value.message


def test_the_database_refuses_a_written_state_a_second_selection_and_a_second_live_request(draw):
    request = submitted(ports=["SYS"])
    # A state is never written: it follows from the draw, the offer and the withdrawal (a view).
    with pytest.raises(DatabaseError, match="cannot update view"), transaction.atomic():
        RequestStatus.objects.filter(request=request).update(state=RequestState.SELECTED)
    offer = {
        "request": request,
        "draw": draw,
        "applicant": request.applicant,
        "port": Port.objects.get(code="SYS"),
        "day": APPOINTMENT_DAY,
        "slot": dt.time(8),
        "group_size": 1,
        "phase": "lottery",
        "deadline": WINDOW_CLOSES,
        "created_at": WINDOW_CLOSES,
    }
    Offer.objects.create(order=1, **offer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(order=2, **offer)  # selected once only
    with pytest.raises(IntegrityError), transaction.atomic():
        Request.objects.create(
            draw=draw,
            applicant=request.applicant,
            ticket="ZZZZZZZZZZ",
            ports=["SYS"],
            group_size=1,
            waiting_since=DRAW_DAY,
            created_at=WINDOW_OPENS,
            created_by="test",
        )


def test_an_ngo_worker_may_ask_for_a_resident(draw):
    from tests.factories.registrations import ShelterFactory

    shelter = ShelterFactory.create()
    group = registered_group()
    group.shelter = shelter
    group.save()
    ngo = Actor(role=Role.NGO, user_id=99, shelter_id=shelter.pk, applicant_id=group.pk)
    request = request_submit(applicant=group, ports=["SYS"], actor=ngo, draw=draw)
    assert request.created_by == "ngo:99"


def test_a_requests_state_follows_its_draw_its_offer_and_its_withdrawal(db, frozen_clock, chain):
    port_with_slots("SYS", slots=[("08:00", 2)])
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    draw = Draw.objects.get(draw_id="2026-12-01")
    requests = [submitted(ports=["SYS"]) for _ in range(5)]
    request_withdraw(request=requests[0], actor=actor_for(requests[0].applicant))

    def states() -> dict[str, int]:
        return dict(Counter(Request.objects.values_list("status__state", flat=True)))

    assert states() == {RequestState.WITHDRAWN: 1, RequestState.SUBMITTED: 4}
    frozen_clock.set(WINDOW_CLOSES)
    cycle_run_due(actor=JOB)  # the beacon round is not out yet: frozen, waiting
    assert states() == {RequestState.WITHDRAWN: 1, RequestState.ENTERED: 4}
    assert not Request.objects.filter(status__decided_at__isnull=False).exists()

    frozen_clock.advance(minutes=1)
    chain.publish(int(draw.beacon_round or 0))
    cycle_run_due(actor=JOB)
    draw.refresh_from_db()
    offers = list(Offer.objects.filter(draw=draw))
    assert len(offers) == 2
    assert states() == {RequestState.WITHDRAWN: 1, RequestState.SELECTED: 2, RequestState.NOT_SELECTED: 2}
    for request in Request.objects.select_related("status", "offer"):
        status = request.status
        if status.state == RequestState.SELECTED:
            assert status.decided_at == request.offer.created_at == draw.published_at
        elif status.state == RequestState.NOT_SELECTED:
            assert status.decided_at == draw.published_at
        else:
            assert status.decided_at is None
            assert request.withdrawn_at is not None
    assert Request.objects.filter(status__state=RequestState.SELECTED).count() == 2
