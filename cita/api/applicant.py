"""The signed-in applicant's own operations (`/api/v1/me/…`): their group, requests, offers, appointments.

Each handler reads the caller's objects through the domain's `…_for_actor` selectors, so another group's
ids are not found (404), and writes through the domain's services, which hold every rule.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from cita.api.auth import APPLICANT
from cita.api.schemas import (
    MAX_ID,
    AppointmentListOut,
    AppointmentOut,
    GroupOut,
    MemberOut,
    OfferListOut,
    OfferOut,
    PassOut,
    RequestIn,
    RequestListOut,
    RequestOut,
    problems,
)
from cita.appointments.selectors import appointment_get_for_actor, appointment_list_for_actor
from cita.appointments.services import appointment_cancel
from cita.appointments.services.offers import offer_confirm, offer_decline
from cita.core.http import actor_of, session_row
from cita.core.replica import replica_reads
from cita.draws.selectors import (
    offer_get_for_actor,
    offer_list_for_actor,
    request_get_for_actor,
    request_list_for_actor,
)
from cita.draws.services import request_submit, request_withdraw
from cita.registrations.selectors import applicant_get_for_actor, member_list_for_actor

router = Router(tags=["applicant"], auth=APPLICANT)

READ = problems(401, 403)
ONE = problems(401, 403, 404, 422)
WRITE = problems(400, 401, 403, 404, 409, 422)
Limit = Annotated[int, Query(ge=1, le=50)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/group", response={200: GroupOut, **READ}, url_name="group")
def group(request: HttpRequest) -> GroupOut:
    """The people of the caller's travel group, the principal first."""
    members = [MemberOut.of(m) for m in member_list_for_actor(actor=actor_of(request))]
    return GroupOut(size=len(members), members=members)


@router.get("/requests", response={200: RequestListOut, **problems(401, 403, 422)}, url_name="requests")
@replica_reads
def requests(request: HttpRequest, limit: Limit = 10) -> RequestListOut:
    """The group's latest requests, newest first, with their tickets and states."""
    rows = request_list_for_actor(actor=actor_of(request), limit=limit)
    return RequestListOut(requests=[RequestOut.of(r) for r in rows])


@router.post("/requests", response={201: RequestOut, **WRITE}, url_name="request_submit")
def request_new(request: HttpRequest, data: RequestIn) -> Status[RequestOut]:
    """Ask in the draw whose window is open now, with the ports ranked (most wanted first)."""
    actor = actor_of(request)
    applicant = applicant_get_for_actor(actor=actor, known=session_row(request))
    row = request_submit(applicant=applicant, ports=data.ports, actor=actor)
    return Status(201, RequestOut.of(row))


@router.get("/requests/{request_id}", response={200: RequestOut, **ONE}, url_name="request")
@replica_reads
def request_detail(request: HttpRequest, request_id: IdPath) -> RequestOut:
    """One request of the group."""
    return RequestOut.of(request_get_for_actor(actor=actor_of(request), request_id=request_id))


@router.post(
    "/requests/{request_id}/withdraw", response={200: RequestOut, **WRITE}, url_name="request_withdraw"
)
def request_take_back(request: HttpRequest, request_id: IdPath) -> RequestOut:
    """Take the request out of its draw while the window is still open."""
    actor = actor_of(request)
    row = request_withdraw(request=request_get_for_actor(actor=actor, request_id=request_id), actor=actor)
    return RequestOut.of(row)


@router.get("/offers", response={200: OfferListOut, **problems(401, 403, 422)}, url_name="offers")
@replica_reads
def offers(request: HttpRequest, limit: Limit = 10) -> OfferListOut:
    """The offers made to the group, newest first."""
    return OfferListOut(
        offers=[OfferOut.of(o) for o in offer_list_for_actor(actor=actor_of(request), limit=limit)]
    )


@router.get("/offers/{offer_id}", response={200: OfferOut, **ONE}, url_name="offer")
@replica_reads
def offer_detail(request: HttpRequest, offer_id: IdPath) -> OfferOut:
    """One offer made to the group."""
    return OfferOut.of(offer_get_for_actor(actor=actor_of(request), offer_id=offer_id))


@router.post("/offers/{offer_id}/confirm", response={201: AppointmentOut, **WRITE}, url_name="offer_confirm")
def offer_accept(request: HttpRequest, offer_id: IdPath) -> Status[AppointmentOut]:
    """Confirm the offered seat before its deadline: the appointment and its pass are issued."""
    actor = actor_of(request)
    appointment = offer_confirm(offer=offer_get_for_actor(actor=actor, offer_id=offer_id), actor=actor)
    return Status(201, AppointmentOut.of(appointment))


@router.post("/offers/{offer_id}/decline", response={200: OfferOut, **WRITE}, url_name="offer_decline")
def offer_give_back(request: HttpRequest, offer_id: IdPath) -> OfferOut:
    """Give the offered seat back (someone else can have it)."""
    actor = actor_of(request)
    return OfferOut.of(offer_decline(offer=offer_get_for_actor(actor=actor, offer_id=offer_id), actor=actor))


@router.get(
    "/appointments", response={200: AppointmentListOut, **problems(401, 403, 422)}, url_name="appointments"
)
def appointments(request: HttpRequest, active: bool = False) -> AppointmentListOut:
    """The group's appointments, soonest first (`active=true`: only scheduled or checked in)."""
    rows = appointment_list_for_actor(actor=actor_of(request), active_only=active)
    return AppointmentListOut(appointments=[AppointmentOut.of(a) for a in rows])


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ONE}, url_name="appointment")
def appointment_detail(request: HttpRequest, appointment_id: IdPath) -> AppointmentOut:
    """One appointment of the group."""
    return AppointmentOut.of(
        appointment_get_for_actor(actor=actor_of(request), appointment_id=appointment_id)
    )


@router.get(
    "/appointments/{appointment_id}/pass", response={200: PassOut, **ONE}, url_name="appointment_pass"
)
def appointment_pass(request: HttpRequest, appointment_id: IdPath) -> PassOut:
    """The signed pass of an appointment: the text its QR code holds."""
    return PassOut.of(appointment_get_for_actor(actor=actor_of(request), appointment_id=appointment_id))


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, **WRITE},
    url_name="appointment_cancel",
)
def appointment_call_off(request: HttpRequest, appointment_id: IdPath) -> AppointmentOut:
    """Cancel a scheduled appointment (its seats go back to the port)."""
    actor = actor_of(request)
    row = appointment_get_for_actor(actor=actor, appointment_id=appointment_id)
    return AppointmentOut.of(appointment_cancel(appointment=row, reason="applicant", actor=actor))
