"""The applicant's profile: language, phone and email (a new contact counts once its code comes back)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cita.core import clock
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.http import actor_of, caller_ip
from cita.core.middleware import SESSION_EPOCH
from cita.registrations.models import Applicant
from cita.registrations.signin import (
    CODE_MINUTES,
    Contact,
    contact_change_confirm,
    contact_change_prove,
    contact_change_start,
    contact_code_proven,
    contact_parse,
)
from cita.web.forms import ContactChangeForm, ContactConfirmForm
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


def _start(
    request: HttpRequest, applicant: Applicant, *, contact: Contact | None, remove: str = ""
) -> HttpResponse:
    change = contact_change_start(
        actor=actor_of(request),
        applicant=applicant,
        contact=contact,
        remove=remove,
        language=request.LANGUAGE_CODE,
        client=client_id(request),
        ip=caller_ip(request),
    )
    request.session[PENDING] = {
        "token": change.new.token if change.new else None,
        "to": change.new.masked if change.new else "",
        "current": change.current.token if change.current else None,
        "from": change.current.masked if change.current else "",
        "remove": change.remove,
    }
    return HttpResponseRedirect(reverse("web:contact_confirm"))


@allow(Role.APPLICANT, Role.NGO)
@require_POST
@for_applicant
def contact_change(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Send a code to a new phone number or email, and one to the current contact."""
    form = ContactChangeForm(request.POST)
    if form.is_valid():
        try:
            return _start(request, applicant, contact=contact_parse(form.cleaned_data["contact"]))
        except CitaError as exc:
            form.add_service_error(exc)
    return _page(request, applicant, form)


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def contact_confirm(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Type the code sent to the current contact (it proves it is the owner), then the one sent to the
    new phone or email; then the change is made, the old contacts are told and other sessions end."""
    pending = request.session.get(PENDING)
    if not pending:
        return HttpResponseRedirect(reverse("web:profile"))
    actor = actor_of(request)
    current = pending.get("current")
    proven = bool(current) and contact_code_proven(applicant=applicant, token=current)
    may_attest = actor.role is Role.NGO and actor.shelter_id == applicant.shelter_id
    form = ContactConfirmForm(
        request.POST or None,
        current=not proven and (bool(current) or may_attest),
        new=bool(pending.get("token")),
        may_attest=may_attest,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if current and not proven and data.get("current_code"):
                contact_change_prove(
                    actor=actor, applicant=applicant, token=current, code=data["current_code"]
                )
            applicant = contact_change_confirm(
                actor=actor,
                applicant=applicant,
                token=pending.get("token"),
                code=data.get("code", ""),
                current_token=current,
                remove=pending.get("remove", ""),
                attested=bool(data.get("attest")),
            )
        except CitaError as exc:
            if current and not proven and contact_code_proven(applicant=applicant, token=current):
                # The current contact's code was right, the new one not: ask only for the new one now.
                form = ContactConfirmForm(request.POST, current=False, new=bool(pending.get("token")))
                form.is_valid()
            form.add_service_error(exc)
        else:
            request.session.pop(PENDING, None)
            if actor.role is Role.APPLICANT:
                # Every other session ended; this one goes on.
                request.session[SESSION_EPOCH] = applicant.session_epoch
            return HttpResponseRedirect(reverse("web:profile") + "?saved=1")
    return render(
        request,
        "web/contact_confirm.html",
        {
            "form": form,
            "to": pending.get("to", ""),
            "from": pending.get("from", ""),
            "removing": pending.get("remove", ""),
            "minutes": CODE_MINUTES,
        },
    )


@allow(Role.APPLICANT, Role.NGO)
@require_POST
@for_applicant
def contact_remove(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Remove the phone number or the email (one of them always stays), once its owner proves it."""
    which = request.POST.get("which")
    if which not in ("phone", "email") or not getattr(applicant, which):
        return HttpResponseRedirect(reverse("web:profile"))
    if not (applicant.phone and applicant.email):
        error = _("Give a phone number or an email address.")
        return _page(request, applicant, ContactChangeForm(), error=str(error), status=400)
    try:
        return _start(request, applicant, contact=None, remove=which)
    except CitaError as exc:
        return _page(request, applicant, ContactChangeForm(), error=exc.message, status=400)


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
