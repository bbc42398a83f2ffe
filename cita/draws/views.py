"""The applicant's draw pages: ask (ranked ports), withdraw, see results, confirm or decline an offer.

Thin: parse input, call one service or selector, render. The applicant-web pages link here; their layout
(`web/base.html`) frames these pages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cita.appointments.selectors import appointment_list_for_actor
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError, NotFound
from cita.draws.forms import RequestForm
from cita.draws.models import OfferState
from cita.draws.selectors import (
    draw_open_now,
    offer_get_for_actor,
    offer_list_for_actor,
    reference_time_zone,
    request_current_for_actor,
    request_list_for_actor,
)
from cita.draws.services import offer_confirm, offer_decline, request_submit, request_withdraw
from cita.ports.selectors import port_list
from cita.registrations.selectors import applicant_get_for_actor
from cita.web.middleware import CONTENT_SECURITY_POLICY


def same_origin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The applicant pages' Content-Security-Policy (cita.web.middleware) on pages outside the `web`
    namespace: only cita's own files load, nothing inline runs."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return wrapper


def resident_chosen(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An NGO worker who has not chosen a resident to help is sent to the NGO console to choose one
    (as on every applicant page)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = request.actor  # type: ignore[attr-defined]
        if actor.role is Role.NGO and actor.applicant_id is None:
            return HttpResponseRedirect(reverse("staff:home"))
        return view(request, *args, **kwargs)

    return wrapper


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@same_origin_only
@resident_chosen
def home(request: HttpRequest) -> HttpResponse:
    """Today's draw: the group's request and ticket, or the form to ask; earlier results and offers."""
    actor = request.actor  # type: ignore[attr-defined]
    try:
        applicant = applicant_get_for_actor(actor=actor)
    except NotFound as exc:
        raise Http404 from exc
    draw = draw_open_now()
    current = request_current_for_actor(actor=actor, draw=draw) if draw else None
    ports = list(port_list())
    form = RequestForm(request.POST if request.method == "POST" else None, ports=ports)
    if request.method == "POST" and form.is_valid():
        try:
            request_submit(applicant=applicant, ports=form.ranked(), actor=actor, draw=draw)
        except CitaError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your request is in. Keep your ticket."))
            return HttpResponseRedirect(reverse("draws:home"))
    offers = offer_list_for_actor(actor=actor)
    return render(
        request,
        "draws/home.html",
        {
            "draw": draw,
            "current": current,
            "form": form,
            "group_size": applicant.members.count(),
            "requests": [r for r in request_list_for_actor(actor=actor) if r != current],
            "open_offers": [o for o in offers if o.state == OfferState.OPEN],
            "appointments": appointment_list_for_actor(actor=actor),
            "reference_zone": reference_time_zone(),
        },
        status=400 if request.method == "POST" else 200,
    )


@allow(Role.APPLICANT, Role.NGO)
@require_POST
@resident_chosen
def withdraw(request: HttpRequest) -> HttpResponse:
    """Take the group's request out of today's draw."""
    actor = request.actor  # type: ignore[attr-defined]
    draw = draw_open_now()
    try:
        current = request_current_for_actor(actor=actor, draw=draw) if draw else None
        if current is None:
            messages.error(request, _("There is no request to withdraw."))
            return HttpResponseRedirect(reverse("draws:home"))
        request_withdraw(request=current, actor=actor)
    except NotFound as exc:
        raise Http404 from exc
    except CitaError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Your request was withdrawn. You can ask again while the window is open.")
        )
    return HttpResponseRedirect(reverse("draws:home"))


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@same_origin_only
@resident_chosen
def offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    """An offer: where and when, the deadline, and the two buttons (confirm, give the seat back)."""
    actor = request.actor  # type: ignore[attr-defined]
    try:
        row = offer_get_for_actor(actor=actor, offer_id=offer_id)
    except NotFound as exc:
        raise Http404 from exc
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                appointment = offer_confirm(offer=row, actor=actor)
                return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
            if request.POST.get("action") == "decline":
                offer_decline(offer=row, actor=actor)
                messages.success(request, _("You gave the seat back. Someone else can use it now."))
                return HttpResponseRedirect(reverse("draws:home"))
            error = _("Choose one of the two buttons.")
        except CitaError as exc:
            error = exc.message
        row = offer_get_for_actor(actor=actor, offer_id=offer_id)
    return render(
        request,
        "draws/offer.html",
        {"offer": row, "error": error, "port_zone": row.port.tz},
        status=409 if error else 200,
    )
