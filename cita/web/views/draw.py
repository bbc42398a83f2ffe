"""The applicant's pages of the daily cycle: where the group stands, asking (ranked ports), withdrawing,
each request's result and how to check its draw, the history, and the offer (confirm or give it back).

Thin: parse input, call one service or selector, render. The layout is the applicant web app's
(`web/base.html`); what the status page says is decided in `cita.web.cycle`. An NGO worker helping a
resident sees the same pages (`for_applicant`).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cita.appointments.selectors import offer_wait_choice_for
from cita.appointments.services.offers import offer_confirm, offer_decline
from cita.appointments.services.rebooking import offer_wait_for_first_port
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.http import actor_of
from cita.core.replica import replica_reads
from cita.draws.models import Offer, OfferState, Request, RequestState
from cita.draws.selectors import (
    draw_open_now,
    draw_rounds,
    offer_get_for_actor,
    request_current_for_actor,
    request_get_for_actor,
    request_history_for_actor,
    request_member_list,
    second_chance_pending,
    window_next,
)
from cita.draws.services import request_submit, request_withdraw
from cita.ports.selectors import port_list
from cita.registrations.models import Applicant
from cita.web.cycle import appointment_of, cycle_read, next_step, offer_of, timeline
from cita.web.forms.draw import RequestForm
from cita.web.timezones import zone_of
from cita.web.views.common import for_applicant, waiting_done


def _port_names() -> dict[str, str]:
    return {port.code: port.name for port in port_list(active_only=False)}


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@for_applicant
@replica_reads
def home(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Where the group stands: the next thing to do and its deadline, and the timeline of its request."""
    cycle = cycle_read(actor=actor_of(request), applicant=applicant, request=request)
    return render(
        request,
        "draws/status.html",
        {"cycle": cycle, "next": next_step(cycle), "steps": timeline(cycle), "names": cycle.port_names},
    )


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def ask(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Ask for an appointment in today's draw: the ports, most preferred first."""
    actor = actor_of(request)
    ports = list(port_list())
    form = RequestForm(request.POST if request.method == "POST" else None, ports=ports)
    if request.method == "POST" and form.is_valid():
        # The crowd's write: the service finds and holds the open draw itself; the page's rows are read
        # only when it is shown again (issue 19).
        try:
            made = request_submit(applicant=applicant, ports=form.ranked(), actor=actor)
        except CitaError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Your request is in. Keep your ticket: %(ticket)s.") % {"ticket": made.ticket}
            )
            return HttpResponseRedirect(reverse("draws:home"))
    cycle = cycle_read(actor=actor, applicant=applicant, request=request)
    zone, draw = cycle.zone, cycle.draw
    if request.method == "GET" and cycle.current is not None:
        return HttpResponseRedirect(reverse("draws:home"))
    return render(
        request,
        "draws/ask.html",
        {
            "form": form,
            "cycle": cycle,
            "draw": draw,
            "zone": zone,
            "next_window": window_next() if draw is None else None,
        },
    )


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def withdraw(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Ask once ("are you sure?"), then take the group's request out of today's draw."""
    actor = actor_of(request)
    draw = draw_open_now()
    current = request_current_for_actor(actor=actor, draw=draw) if draw else None
    if current is None or current.state != RequestState.SUBMITTED:
        messages.error(request, _("There is no request to withdraw."))
        return HttpResponseRedirect(reverse("draws:home"))
    if request.method == "POST":
        try:
            request_withdraw(request=current, actor=actor)
        except CitaError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Your request was withdrawn. You can ask again while the window is open.")
            )
        return HttpResponseRedirect(reverse("draws:home"))
    return render(
        request,
        "draws/withdraw.html",
        {"current": current, "draw": draw, "zone": zone_of(request), "names": _port_names()},
    )


def _own_request(request: HttpRequest, request_id: int) -> Request:
    return request_get_for_actor(actor=actor_of(request), request_id=request_id)


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@for_applicant
@replica_reads
def request_detail(request: HttpRequest, applicant: Applicant, request_id: int) -> HttpResponse:
    """One request: its ticket, its result, what happens next, and how to check its draw."""
    row = _own_request(request, request_id)
    offer = offer_of(row)
    open_draw = draw_open_now()
    return render(
        request,
        "draws/request.html",
        {
            "row": row,
            "offer": offer,
            "appointment": appointment_of(offer),
            "rounds": draw_rounds(draw=row.draw),
            "second_chance": second_chance_pending(draw=row.draw)
            if row.state == RequestState.NOT_SELECTED
            else None,
            "open_draw": open_draw,
            "next_window": window_next() if open_draw is None else None,
            "zone": zone_of(request),
            "names": _port_names(),
            "people": request_member_list(request=row),
        },
    )


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@for_applicant
@replica_reads
def history(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Every request of the group, newest first: ticket, the day's result, and where to check the draw."""
    rows = request_history_for_actor(actor=actor_of(request))
    return render(
        request,
        "draws/history.html",
        {"rows": [(row, offer_of(row)) for row in rows], "zone": zone_of(request)},
    )


def _own_offer(request: HttpRequest, offer_id: int) -> Offer:
    return offer_get_for_actor(actor=actor_of(request), offer_id=offer_id)


def _offer_page(request: HttpRequest, row: Offer, *, template: str, error: str = "") -> HttpResponse:
    return render(
        request,
        template,
        {
            "offer": row,
            "appointment": appointment_of(row),
            "people": request_member_list(request=row.request),
            "zone": zone_of(request),
            "error": error,
            "wait_choice": offer_wait_choice_for(offer=row),
        },
        status=409 if error else 200,
    )


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def offer(request: HttpRequest, applicant: Applicant, offer_id: int) -> HttpResponse:
    """An offer: where and when, the deadline, and the button that confirms it (giving it back is on a
    page of its own)."""
    row = _own_offer(request, offer_id)
    if request.method == "POST":
        try:
            appointment = offer_confirm(offer=row, actor=actor_of(request))
        except CitaError as exc:
            return _offer_page(
                request, _own_offer(request, offer_id), template="draws/offer.html", error=exc.message
            )
        messages.success(request, _("Your appointment is confirmed. Here is your pass."))
        return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
    return _offer_page(request, row, template="draws/offer.html")


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def offer_decline_page(request: HttpRequest, applicant: Applicant, offer_id: int) -> HttpResponse:
    """ "Are you sure you cannot go?", then give the seat back."""
    row = _own_offer(request, offer_id)
    if row.state != OfferState.OPEN:
        return HttpResponseRedirect(reverse("draws:offer", args=[row.pk]))
    if request.method == "POST":
        try:
            offer_decline(offer=row, actor=actor_of(request))
        except CitaError as exc:
            return _offer_page(
                request, _own_offer(request, offer_id), template="draws/offer_decline.html", error=exc.message
            )
        messages.success(request, _("You gave the seat back. Someone else can use it now."))
        return HttpResponseRedirect(reverse("draws:home"))
    return _offer_page(request, row, template="draws/offer_decline.html")


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def offer_wait_page(request: HttpRequest, applicant: Applicant, offer_id: int) -> HttpResponse:
    """An open offer a closure moved away from the group's first port: confirm the new place, or give it
    back and wait for the first port (first in line in the draws after it reopens, keeping its place)."""
    row = _own_offer(request, offer_id)
    choice = offer_wait_choice_for(offer=row)
    if choice is None:
        return HttpResponseRedirect(reverse("draws:offer", args=[row.pk]))
    if request.method == "POST":
        try:
            offer_wait_for_first_port(offer=row, actor=actor_of(request))
        except CitaError as exc:
            return _offer_page(
                request, _own_offer(request, offer_id), template="draws/offer.html", error=exc.message
            )
        messages.success(request, waiting_done(port_name=choice.first_port.name, from_day=choice.from_day))
        return HttpResponseRedirect(reverse("draws:home"))
    return render(
        request,
        "draws/offer_wait.html",
        {
            "offer": row,
            "choice": choice,
            "people": request_member_list(request=row.request),
            "zone": zone_of(request),
        },
    )
