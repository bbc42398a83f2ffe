"""Pages anyone may read: the start page, help, privacy, and the language choice."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cita.core.access import allow
from cita.core.actors import Role
from cita.core.http import actor_of
from cita.core.languages import LANGUAGE_CODES
from cita.registrations.selectors import applicant_get_for_actor, shelter_list
from cita.registrations.services import applicant_language_set
from cita.registrations.signin import CODE_MINUTES
from cita.web.components import NextStep


@allow(Role.PUBLIC)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What cita is and is not, with the language choice first and the next step."""
    actor = actor_of(request)
    if actor.role is Role.APPLICANT or (actor.role is Role.NGO and actor.applicant_id is not None):
        # Signed in, or an NGO worker acting for a resident: never the "we send you a code" box.
        step = NextStep(
            title=_("Your appointment"),
            text=_("See where you are: your request, the result of the draw, your pass."),
            url=reverse("draws:home"),
            action=_("See your appointment page"),
        )
    else:
        step = NextStep(
            title=_("Sign in or register"),
            text=_("We send a code to your phone or email. You do not need a password. It is free."),
            url=reverse("web:signin"),
            action=_("Start"),
        )
    return render(request, "web/home.html", {"next": step})


@allow(Role.PUBLIC)
@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """How the draw works in simple words, and the shelters and NGOs that can help."""
    return render(
        request,
        "web/help.html",
        {
            "shelters": shelter_list(),
            "sms_sender": settings.CITA_SMS_SENDER,
            "email_from": settings.DEFAULT_FROM_EMAIL,
            "site": settings.CITA_BASE_URL,
        },
    )


@allow(Role.PUBLIC)
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """What cita keeps about you, for how long, and who sees it."""
    return render(
        request,
        "web/privacy.html",
        {"retention_days": settings.CITA_RETENTION_DAYS, "code_minutes": CODE_MINUTES},
    )


@allow(Role.PUBLIC)
@require_POST
@csrf_exempt
def language_set(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language in a cookie (and the applicant's profile when signed in).

    Public pages are cached by shared caches (`public, max-age`), so for an anonymous visitor the language
    form carries no CSRF token (one cached token and cookie would be everyone's: issue 14, item 8). For
    them the switch only sets the language cookie, which a forged post could do no more than change.
    Anyone signed in gets the token in the form (their pages are `private, no-store`) and must send it."""
    if actor_of(request).role is not Role.PUBLIC:
        check = CsrfViewMiddleware(lambda _request: HttpResponse())
        refused = check.process_view(request, lambda _request: HttpResponse(), (), {})
        if refused is not None:
            return refused
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in LANGUAGE_CODES:
        actor = actor_of(request)
        if actor.role is Role.APPLICANT:
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
