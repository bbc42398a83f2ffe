"""Staff sessions end after CITA_STAFF_IDLE_SECONDS without a request; staff pages are served in English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from cita.core import clock

SESSION_SEEN = "cita.staff_seen"
SESSION_IDLE_ENDED = "cita.staff_idle_ended"
# The consoles' URL prefixes: English only (applicant pages follow the applicant's language).
STAFF_PATHS = ("/staff/", "/audit/")


def is_staff_path(path: str) -> bool:
    """True for pages of the staff consoles."""
    return path.startswith(STAFF_PATHS) and not path.startswith("/audit/heads")


class StaffSessionMiddleware:
    """Signs out a staff member idle for too long (their next request goes to sign-in), and switches the
    consoles to English. Sits after the OTP middleware and before `cita.web.middleware.ActorMiddleware`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check_idle(request, user)
        response = self.get_response(request)
        if is_staff_path(request.path):
            response["Content-Language"] = "en"
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        if is_staff_path(request.path):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"

    @staticmethod
    def _check_idle(request: HttpRequest, user: Any) -> None:
        idle = int(settings.CITA_STAFF_IDLE_SECONDS)
        now = clock.now().timestamp()
        seen = request.session.get(SESSION_SEEN)
        if isinstance(seen, int | float) and now - seen > idle:
            from cita.staff.services import staff_signed_out

            staff_signed_out(user=user, reason="idle")
            logout(request)
            request.session[SESSION_IDLE_ENDED] = True
            return
        # Write the session at most every so often, not on every request.
        if not isinstance(seen, int | float) or now - seen >= min(60, idle / 10):
            request.session[SESSION_SEEN] = now
