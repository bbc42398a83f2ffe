"""The applicant's profile: language, phone and email (a new contact counts once its code comes back)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cita.core import clock
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.http import actor_of, caller_ip
from cita.registrations.models import Applicant
from cita.registrations.services import applicant_contact_set
from cita.registrations.signin import (
    CODE_MINUTES,
    contact_change_confirm,
    contact_change_start,
    contact_parse,
)
from cita.web.forms import CodeForm, ContactChangeForm
from cita.web.timezones import COOKIE, COOKIE_AGE, zone_choices, zone_of
from cita.web.views.common import client_id, for_applicant

PENDING = "cita.contact_change"


def _page(
    request: HttpRequest, applicant: Applicant, form: ContactChangeForm, error: str = "", status: int = 200
) -> HttpResponse:
    now = clock.now()
    return render(
        request,
        "web/profile.html",
        {
            "applicant": applicant,
            "form": form,
            "error": error,
            "saved": request.GET.get("saved") == "1",
            "zones": [(zone, zone.local_time(now)) for zone in zone_choices(now=now)],
            "zone": zone_of(request, now=now),
        },
        status=status,
    )


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@for_applicant
def profile(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Language, phone and email, and signing out."""
    return _page(request, applicant, ContactChangeForm())


@allow(Role.APPLICANT, Role.NGO)
@require_POST
@for_applicant
def contact_change(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Send a code to a new phone number or email."""
    form = ContactChangeForm(request.POST)
    if form.is_valid():
        try:
            sent = contact_change_start(
                actor=actor_of(request),
                applicant=applicant,
                contact=contact_parse(form.cleaned_data["contact"]),
                language=request.LANGUAGE_CODE,
                client=client_id(request),
                ip=caller_ip(request),
            )
        except CitaError as exc:
            form.add_service_error(exc)
        else:
            request.session[PENDING] = {"token": sent.token, "to": sent.masked}
            return HttpResponseRedirect(reverse("web:contact_confirm"))
    return _page(request, applicant, form)


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def contact_confirm(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Type the code sent to the new phone or email; then it replaces the old one."""
    pending = request.session.get(PENDING)
    if not pending:
        return HttpResponseRedirect(reverse("web:profile"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_change_confirm(
                actor=actor_of(request),
                applicant=applicant,
                token=pending["token"],
                code=form.cleaned_data["code"],
            )
        except CitaError as exc:
            form.add_service_error(exc)
        else:
            request.session.pop(PENDING, None)
            return HttpResponseRedirect(reverse("web:profile") + "?saved=1")
    return render(
        request, "web/contact_confirm.html", {"form": form, "to": pending["to"], "minutes": CODE_MINUTES}
    )


@allow(Role.APPLICANT, Role.NGO)
@require_POST
@for_applicant
def contact_remove(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Remove the phone number or the email (one of them always stays)."""
    which = request.POST.get("which")
    if which not in ("phone", "email"):
        return HttpResponseRedirect(reverse("web:profile"))
    phone = None if which == "phone" else applicant.phone
    email = None if which == "email" else applicant.email
    try:
        applicant_contact_set(actor=actor_of(request), applicant=applicant, phone=phone, email=email)
    except CitaError as exc:
        applicant.refresh_from_db()
        return _page(request, applicant, ContactChangeForm(), error=exc.message, status=400)
    return HttpResponseRedirect(reverse("web:profile") + "?saved=1")


@allow(Role.APPLICANT, Role.NGO)
@require_POST
@for_applicant
def time_zone(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Remember on this phone which clock the pages write times in (docs/decisions/0005)."""
    chosen = request.POST.get("zone", "")
    response = HttpResponseRedirect(reverse("web:profile") + "?saved=1#time-zone")
    if chosen in {zone.key for zone in zone_choices()}:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite="Lax",
            httponly=True,
        )
    return response
