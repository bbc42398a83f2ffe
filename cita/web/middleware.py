"""Who is asking (the actor of every request, staff or applicant), and the headers of applicant pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from cita.core import clock
from cita.core.actors import PUBLIC, Actor, Role
from cita.core.http import CitaRequest, session_row
from cita.core.middleware import (
    NOT_HTML_CONTENT_SECURITY_POLICY,
    SESSION_ACTING_FOR,
    SESSION_APPLICANT,
    SESSION_EPOCH,
)
from cita.registrations.models import Applicant
from cita.registrations.selectors import applicant_for_session, resident_language

# When the applicant's session was last used (POSIX seconds): it ends after CITA_APPLICANT_IDLE_HOURS.
SESSION_SEEN = "cita.applicant.seen"


class ActorMiddleware:
    """Sets `request.actor`: a staff member (MFA verified or pending), an applicant, or the public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cast(CitaRequest, request).actor = actor_for_request(request)
        return self.get_response(request)


STAFF_PATHS = ("/staff/", "/admin/")


def actor_for_request(request: HttpRequest) -> Actor:
    """Work out who is asking, from the staff login or the applicant session."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        role = Role(user.role)
        verified = bool(getattr(user, "is_verified", lambda: False)())
        acting_for = request.session.get(SESSION_ACTING_FOR) if role is Role.NGO and verified else None
        resident = ""
        if acting_for is not None and not request.path.startswith(STAFF_PATHS):
            # The resident's pages in the resident's language (and that language shown as theirs), not
            # the worker's; the staff consoles stay as they are.
            resident = resident_language(applicant_id=acting_for, shelter_id=user.shelter_id) or ""
        return Actor(
            role=role,
            user_id=user.pk,
            port_id=user.port_id,
            shelter_id=user.shelter_id,
            applicant_id=acting_for,
            mfa_pending=not verified,
            name=user.get_username(),
            language=resident,
        )
    applicant_id = request.session.get(SESSION_APPLICANT)
    if applicant_id is not None:
        row = applicant_for_session(applicant_id=applicant_id, epoch=request.session.get(SESSION_EPOCH))
        if row is not None and not _idle_too_long(request):
            # Read once per request: the applicant's pages use this row (`session_applicant`).
            cast(Any, request)._cita_applicant = row
            return Actor(role=Role.APPLICANT, applicant_id=applicant_id, language=row.language)
        # Signed out everywhere (or the account is gone): this session is over.
        request.session.flush()
    return PUBLIC


def _idle_too_long(request: HttpRequest) -> bool:
    """Whether the applicant's session went unused longer than CITA_APPLICANT_IDLE_HOURS (then it ends);
    otherwise note this request (at most once a minute, to spare session writes)."""
    now = int(clock.now().timestamp())
    seen = request.session.get(SESSION_SEEN)
    if isinstance(seen, int) and now - seen > int(settings.CITA_APPLICANT_IDLE_HOURS) * 3600:
        return True
    if not isinstance(seen, int) or now - seen >= 60:
        request.session[SESSION_SEEN] = now
    return False


def session_applicant(request: HttpRequest) -> Applicant | None:
    """The signed-in applicant's row as `ActorMiddleware` read it for this request, if it did."""
    row = session_row(request)
    return row if isinstance(row, Applicant) else None


# Applicant pages load only cita's own files: no third-party request can happen even by mistake, and an
# injected script or form target would be refused by the browser.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)


# Staff pages: the same, but the simulator's matplotlib charts colour their lines with style attributes
# (never a <style> element or a script), so those are allowed there.
STAFF_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY + "; style-src-attr 'unsafe-inline'"

# The API answers JSON only: nothing in it may load, run or be framed.
API_CONTENT_SECURITY_POLICY = NOT_HTML_CONTENT_SECURITY_POLICY

# The URL namespaces of the pages applicants (and NGO workers helping them, and the public) see: the web
# app, the daily cycle (draw, offers, passes), the transparency pages and the inbox.
APPLICANT_NAMESPACES = frozenset({"web", "draws", "appointments", "transparency", "notifications"})


class ApplicantHeadersMiddleware:
    """Adds a Content-Security-Policy to every response: `CONTENT_SECURITY_POLICY` to applicant pages
    (APPLICANT_NAMESPACES) and error pages, `STAFF_CONTENT_SECURITY_POLICY` to staff, audit and admin pages,
    `API_CONTENT_SECURITY_POLICY` to every other answer that is not HTML (the API, health, metrics).

    A view may set a stricter policy of its own (the offline pass does); it is kept. A page rendered for
    anyone signed in (an applicant, an NGO worker acting for one, any staff member) holds personal data
    or at least a CSRF token and the person's navigation: it is sent `Cache-Control: private, no-store`,
    unless the view already said `no-store` (a public page's `public, max-age` is for anonymous callers only).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if match is None or APPLICANT_NAMESPACES.intersection(match.namespaces):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        elif not response.get("Content-Type", "").startswith("text/html"):  # the API, /healthz, /metrics
            response.headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        else:
            # Staff, audit and admin pages (issue 14, item 10: they had none).
            response.headers.setdefault("Content-Security-Policy", STAFF_CONTENT_SECURITY_POLICY)
        actor = getattr(request, "actor", PUBLIC)
        if actor.role is not Role.PUBLIC and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        patch_vary_headers(response, ("Cookie",))
        return response
