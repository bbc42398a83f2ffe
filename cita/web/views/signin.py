"""Signing in with a one-time code sent by SMS or email, and signing out (here, or on every device)."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cita.core.access import allow
from cita.core.actors import PUBLIC, Role
from cita.core.errors import CitaError
from cita.core.http import CitaRequest, actor_of, caller_ip
from cita.core.middleware import SESSION_APPLICANT, SESSION_EPOCH
from cita.registrations.models import Applicant
from cita.registrations.selectors import applicant_get_for_actor
from cita.registrations.services import applicant_sign_out_everywhere
from cita.registrations.signin import (
    CODE_MINUTES,
    contact_parse,
    signin_code_resend,
    signin_code_send,
    signin_code_verify,
)
from cita.web.cycle import cycle_read, landing
from cita.web.forms import CodeForm, ContactForm
from cita.web.views.common import client_id, for_applicant, safe_next

PENDING = "cita.signin"


@allow(Role.PUBLIC)
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    """Step 1: the phone number or email address that gets the code."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("web:start"))
    if actor_of(request).role is Role.APPLICANT:
        return HttpResponseRedirect(next_url)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = signin_code_send(
                contact=contact_parse(form.cleaned_data["contact"]),
                language=request.LANGUAGE_CODE,
                client=client_id(request),
                ip=caller_ip(request),
            )
        except CitaError as exc:
            form.add_service_error(exc)
        else:
            request.session[PENDING] = {"token": sent.token, "to": sent.masked, "next": next_url}
            return HttpResponseRedirect(reverse("web:signin_code"))
    return render(request, "web/signin.html", {"form": form, "next": next_url})


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@never_cache
@for_applicant
def start(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Where signing in lands: the page of the group's real current step (the pass on the appointment
    day, an offer waiting, a request in the draw, or asking), not always the group page."""
    return HttpResponseRedirect(
        landing(cycle_read(actor=actor_of(request), applicant=applicant, request=request))
    )


@allow(Role.PUBLIC)
@require_http_methods(["GET", "POST"])
def signin_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code. On success the session starts anew (new key) as this applicant."""
    pending = request.session.get(PENDING)
    if not pending:
        return render(request, "web/signin_code.html", {"form": None})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            applicant = signin_code_verify(token=pending["token"], code=form.cleaned_data["code"])
        except CitaError as exc:
            form.add_service_error(exc)
        else:
            request.session.cycle_key()
            request.session.pop(PENDING, None)
            request.session[SESSION_APPLICANT] = applicant.pk
            request.session[SESSION_EPOCH] = applicant.session_epoch
            return HttpResponseRedirect(safe_next(request, pending.get("next"), reverse("web:start")))
    return render(
        request, "web/signin_code.html", {"form": form, "to": pending["to"], "minutes": CODE_MINUTES}
    )


@allow(Role.PUBLIC)
@require_POST
def signin_resend(request: HttpRequest) -> HttpResponse:
    """Send a new code to the same phone or email (the old one stops working)."""
    pending = request.session.get(PENDING)
    if not pending:
        return render(request, "web/signin_code.html", {"form": None})
    form = CodeForm()
    try:
        sent = signin_code_resend(token=pending["token"], client=client_id(request), ip=caller_ip(request))
    except CitaError as exc:
        form.add_error(None, exc.message)
        return render(
            request, "web/signin_code.html", {"form": form, "to": pending["to"], "minutes": CODE_MINUTES}
        )
    request.session[PENDING] = {**pending, "token": sent.token}
    return render(
        request,
        "web/signin_code.html",
        {"form": form, "to": sent.masked, "minutes": CODE_MINUTES, "resent": True},
    )


@allow(Role.APPLICANT)
@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """End this session (on a shared phone, the next person starts clean)."""
    request.session.flush()
    cast(CitaRequest, request).actor = PUBLIC
    return render(request, "web/signed_out.html")


@allow(Role.APPLICANT)
@require_POST
def signout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this applicant, on every phone and computer."""
    actor = actor_of(request)
    applicant_sign_out_everywhere(actor=actor, applicant=applicant_get_for_actor(actor=actor))
    request.session.flush()
    cast(CitaRequest, request).actor = PUBLIC
    return render(request, "web/signed_out.html", {"everywhere": True})
