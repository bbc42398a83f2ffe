"""Headers for applicant pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
