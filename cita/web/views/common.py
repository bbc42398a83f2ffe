"""What applicant views share: who the page is for, where the caller is, and safe redirects."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cita.core.actors import Role
from cita.core.http import actor_of
from cita.registrations.models import Applicant
from cita.registrations.selectors import applicant_get_for_actor
from cita.web.dates import date_words
from cita.web.middleware import session_applicant

CLIENT = "cita.client"


def client_id(request: HttpRequest) -> str:
    """A random id for this browser session, used to limit how many codes one browser may ask for."""
    value = request.session.get(CLIENT)
    if not value:
        value = request.session[CLIENT] = secrets.token_urlsafe(16)
    return str(value)


def safe_next(request: HttpRequest, target: str | None, default: str) -> str:
    """`target` when it points inside cita, otherwise `default`."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def for_applicant(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give the view the applicant the page is for: the signed-in applicant, or the resident an NGO worker
    is helping. An NGO worker who has not chosen a resident is sent to the NGO console to choose one."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = actor_of(request)
        if actor.role is Role.NGO and actor.applicant_id is None:
            return HttpResponseRedirect(reverse("staff:home"))
        own = session_applicant(request) if actor.role is Role.APPLICANT else None
        applicant: Applicant = own if own is not None else applicant_get_for_actor(actor=actor)
        return view(request, applicant, *args, **kwargs)

    return wrapper


def waiting_done(*, port_name: str, from_day: dt.date) -> str:
    """What a group reads once it chose to wait for its first port (from a moved offer or a rebooking)."""
    return _(
        "Done: you wait for %(port)s. Ask for an appointment in the request window as usual. In "
        "the draws for days from %(day)s your group will be first in line."
    ) % {"port": port_name, "day": date_words(from_day)}
