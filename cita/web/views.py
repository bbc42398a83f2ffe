"""Applicant pages. Thin: parse input, call one service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from cita.core.access import allow
from cita.core.actors import Role
from cita.core.middleware import LANGUAGE_CODES


@allow(Role.PUBLIC)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What cita is and is not, with the language choice first."""
    return render(request, "web/home.html")


@allow(Role.PUBLIC)
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language in a cookie (and the applicant's profile when signed in)."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in LANGUAGE_CODES:
        actor = request.actor  # type: ignore[attr-defined]
        if actor.role is Role.APPLICANT:
            from cita.registrations.selectors import applicant_get_for_actor
            from cita.registrations.services import applicant_language_set

            applicant_language_set(
                actor=actor, applicant=applicant_get_for_actor(actor=actor), language=language
            )
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite="Lax",
            httponly=True,
        )
    return response
