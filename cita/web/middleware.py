"""Who is asking (the actor of every request, staff or applicant), and the headers of applicant pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse

from cita.core.actors import PUBLIC, Actor, Role
from cita.core.http import CitaRequest
from cita.core.middleware import SESSION_ACTING_FOR, SESSION_APPLICANT, SESSION_EPOCH
from cita.registrations.selectors import applicant_session_language, resident_language


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
        language = applicant_session_language(
            applicant_id=applicant_id, epoch=request.session.get(SESSION_EPOCH)
        )
        if language is not None:
            return Actor(role=Role.APPLICANT, applicant_id=applicant_id, language=language)
        # Signed out everywhere (or the account is gone): this session is over.
        request.session.flush()
    return PUBLIC


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


# The URL namespaces of the pages applicants (and NGO workers helping them, and the public) see: the web
# app, the daily cycle (draw, offers, passes), the transparency pages and the inbox.
APPLICANT_NAMESPACES = frozenset({"web", "draws", "appointments", "transparency", "notifications"})


class ApplicantHeadersMiddleware:
    """Adds the Content-Security-Policy to every applicant page (APPLICANT_NAMESPACES) and to error pages.

    A view may set a stricter policy of its own (the offline pass does); it is kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if match is None or APPLICANT_NAMESPACES.intersection(match.namespaces):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
