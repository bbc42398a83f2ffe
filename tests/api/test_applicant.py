"""The applicant's own operations: group, requests, offers, appointments and passes; each refusal is a
problem body, and another group's ids do not exist (404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.passes import pass_check
from cita.appointments.services import public_keys
from cita.audit.models import AuditEvent
from cita.draws.models import Draw, Offer, OfferState, RequestState
from cita.draws.services import draw_close
from cita.notifications.models import Notice
from cita.ports.models import SlotCapacity
from tests.api.conftest import as_applicant, problem
from tests.factories.draws import (
    APPOINTMENT_DAY,
    JOB,
    WINDOW_CLOSES,
    appointments_made,
    open_draw,
    port_with_slots,
    submitted,
)
from tests.factories.registrations import registered_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def ports(db):
    return [
        port_with_slots("SYS", slots=[("08:00", 5)]),
        port_with_slots("ELP", slots=[("09:00", 5)], position=1),
    ]


def test_the_group_shows_its_own_people_to_its_owner_only():
    ana = registered_group(size=2, given_names="Ana María", family_names="Pérez López")
    other = registered_group(given_names="Rosa", family_names="Díaz")
    body = as_applicant(ana).get("/me/group").json()
    assert body["size"] == 2
    principal, child = body["members"]
    assert principal["relationship"] == "self"
    assert (principal["given_names"], principal["family_names"]) == ("Ana María", "Pérez López")
    assert principal["date_of_birth"] == "1990-05-17"
    assert principal["has_document"] is True
    assert "document_number" not in principal
    assert child["relationship"] == "child"
    seen_by_other = as_applicant(other).get("/me/group").json()
    assert [m["given_names"] for m in seen_by_other["members"]] == ["Rosa"]


# A real transaction: BEGIN, COMMIT and the work after the commit, as a server runs it.
@pytest.mark.django_db(transaction=True)
def test_a_submission_takes_eight_queries(ports, frozen_clock):
    """The crowd's write (issue 19): the session, the applicant, and three statements in one transaction
    (the locks, the rules with the request and its audit event, the notice), the worker woken after the
    commit. The request, its audit event and its notice are all there."""
    open_draw(frozen_clock)
    group = registered_group(size=3)
    api = as_applicant(group)
    api.token()  # the session's first request of a minute notes its use: not the submission's cost
    with CaptureQueriesContext(connection) as captured:
        response = api.post("/me/requests", {"ports": ["ELP", "SYS"]})
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["state"], made["group_size"]) == (RequestState.SUBMITTED, 3)
    assert [q["sql"] for q in captured.captured_queries].count("BEGIN") == 1
    assert len(captured.captured_queries) == 8, [q["sql"][:80] for q in captured.captured_queries]
    assert AuditEvent.objects.filter(action="request.submitted", object_id=str(made["id"])).exists()
    notice = Notice.objects.get(applicant=group, kind="request_received")
    assert notice.context["ticket"] == made["ticket"]
    assert notice.deliveries.count() == 1


def test_a_request_is_submitted_with_ranked_ports_listed_and_withdrawn(ports, frozen_clock):
    draw = open_draw(frozen_clock)
    group = registered_group(size=2)
    api = as_applicant(group)
    response = api.post("/me/requests", {"ports": ["ELP", "SYS"]})
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["draw_id"] == draw.draw_id
    assert made["ports"] == ["ELP", "SYS"]
    assert made["group_size"] == 2
    assert made["state"] == RequestState.SUBMITTED
    assert len(made["ticket"]) == 10
    assert api.get("/me/requests").json()["requests"] == [made]
    assert api.get(f"/me/requests/{made['id']}").json() == made
    again = problem(api.post("/me/requests", {"ports": ["SYS"]}), 409, "already_requested")
    assert again["field"] == "ports"
    assert again["detail"] == "Su grupo ya pidió una cita en este sorteo."  # the applicant reads Spanish
    withdrawn = api.post(f"/me/requests/{made['id']}/withdraw").json()
    assert withdrawn["state"] == RequestState.WITHDRAWN
    assert withdrawn["withdrawn_at"]
    problem(api.post(f"/me/requests/{made['id']}/withdraw"), 409, "request_not_withdrawable")


def test_requests_are_refused_outside_the_window_and_with_bad_ports(ports, frozen_clock):
    api = as_applicant(registered_group())
    closed = problem(api.post("/me/requests", {"ports": ["SYS"]}), 409, "window_closed")
    assert closed["field"] == "ports"
    open_draw(frozen_clock)
    problem(api.post("/me/requests", {"ports": ["XYZ"]}), 400, "invalid_ports")
    problem(api.post("/me/requests", {"ports": ["SYS", "SYS"]}), 400, "invalid_ports")
    empty = problem(api.post("/me/requests", {"ports": []}), 422, "invalid_input")
    assert empty["field"] == "body.ports"
    lower = problem(api.post("/me/requests", {"ports": ["sys"]}), 422, "invalid_input")
    assert lower["errors"][0]["field"] == "body.ports.0"
    problem(api.post("/me/requests", {}), 422, "invalid_input")
    problem(api.post("/me/requests", raw="{not json"), 400, "bad_request")
    problem(
        as_applicant(registered_group()).post("/me/requests", {"ports": ["SYS"]}, csrf=False),
        403,
        "csrf_failed",
    )


def test_a_group_with_nobody_registered_cannot_ask(ports, frozen_clock):
    from tests.factories.registrations import applicant

    open_draw(frozen_clock)
    problem(as_applicant(applicant()).post("/me/requests", {"ports": ["SYS"]}), 409, "group_not_registered")


def test_another_groups_request_offer_and_appointment_do_not_exist(frozen_clock):
    mine, theirs = appointments_made(frozen_clock, count=2)
    api = as_applicant(mine.applicant)
    other_offer = theirs.offer
    assert other_offer is not None
    other_request = other_offer.request_id
    for path in (
        f"/me/requests/{other_request}",
        f"/me/offers/{other_offer.pk}",
        f"/me/appointments/{theirs.pk}",
        f"/me/appointments/{theirs.pk}/pass",
    ):
        problem(api.get(path), 404, "not_found")
    for path in (
        f"/me/requests/{other_request}/withdraw",
        f"/me/offers/{other_offer.pk}/confirm",
        f"/me/offers/{other_offer.pk}/decline",
        f"/me/appointments/{theirs.pk}/cancel",
    ):
        problem(api.post(path), 404, "not_found")
    assert Appointment.objects.get(pk=theirs.pk).state == AppointmentState.SCHEDULED
    problem(api.get("/me/offers/99999999"), 404, "not_found")
    problem(api.get("/me/offers/0"), 422, "invalid_input")
    problem(api.get("/me/offers/99999999999999999999"), 422, "invalid_input")


def test_an_offer_is_listed_confirmed_once_and_its_pass_verifies(ports, frozen_clock):
    draw = open_draw(frozen_clock)
    request = submitted(ports=["SYS"], size=2, draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    api = as_applicant(request.applicant)
    assert api.get(f"/me/requests/{request.pk}").json()["state"] == RequestState.SELECTED
    (offer,) = api.get("/me/offers").json()["offers"]
    assert offer["state"] == OfferState.OPEN
    assert (offer["port"], offer["day"], offer["slot"], offer["group_size"]) == (
        "SYS",
        "2026-12-15",
        "08:00",
        2,
    )
    assert api.get(f"/me/offers/{offer['id']}").json() == offer
    confirmed = api.post(f"/me/offers/{offer['id']}/confirm")
    assert confirmed.status_code == 201, confirmed.content
    appointment = confirmed.json()
    assert appointment["state"] == AppointmentState.SCHEDULED
    assert appointment["pass_url"] == f"http://testserver/appointments/{appointment['id']}/pass"
    problem(api.post(f"/me/offers/{offer['id']}/confirm"), 409, "offer_not_open")
    problem(api.post(f"/me/offers/{offer['id']}/decline"), 409, "offer_not_open")
    assert api.get("/me/appointments").json()["appointments"] == [appointment]
    assert api.get(f"/me/appointments/{appointment['id']}").json() == appointment
    issued = api.get(f"/me/appointments/{appointment['id']}/pass").json()
    fields = pass_check(issued["payload"], keys=public_keys(), port="SYS", day=APPOINTMENT_DAY)
    assert fields.appointment_id == appointment["id"]
    assert fields.group_size == 2
    assert issued["png_url"].endswith(f"/appointments/{appointment['id']}/pass.png")


def test_declining_an_offer_gives_the_seats_back(ports, frozen_clock):
    draw = open_draw(frozen_clock)
    request = submitted(ports=["SYS"], size=2, draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get(request=request)
    slot = SlotCapacity.objects.get(port__code="SYS", day=APPOINTMENT_DAY)
    assert slot.left == 3
    declined = as_applicant(request.applicant).post(f"/me/offers/{offer.pk}/decline").json()
    assert declined["state"] == OfferState.DECLINED
    assert declined["settled_at"]
    slot.refresh_from_db()
    assert slot.left == 5


def test_a_late_confirmation_is_refused(ports, frozen_clock):
    draw = open_draw(frozen_clock)
    request = submitted(ports=["SYS"], draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get(request=request)
    frozen_clock.set(offer.deadline + dt.timedelta(seconds=1))
    problem(as_applicant(request.applicant).post(f"/me/offers/{offer.pk}/confirm"), 409, "offer_not_open")


def test_an_appointment_is_cancelled_once_and_active_ones_are_listed_apart(frozen_clock):
    (appointment,) = appointments_made(frozen_clock)
    api = as_applicant(appointment.applicant)
    cancelled = api.post(f"/me/appointments/{appointment.pk}/cancel").json()
    assert cancelled["state"] == AppointmentState.CANCELLED
    assert cancelled["ended_at"]
    problem(api.post(f"/me/appointments/{appointment.pk}/cancel"), 409, "appointment_state")
    assert api.get("/me/appointments", active="true").json()["appointments"] == []
    assert [a["id"] for a in api.get("/me/appointments").json()["appointments"]] == [appointment.pk]
