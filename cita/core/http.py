"""The request as cita's middleware leaves it, and what every page does with a domain's "not found"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from cita.core.actors import Actor
from cita.core.errors import NotFound


class CitaRequest(HttpRequest):
    """A request after `ActorMiddleware`: `actor` is who is asking (staff, applicant or the public)."""

    actor: Actor


def actor_of(request: HttpRequest) -> Actor:
    """Who is asking (set on every request by the actor middleware)."""
    return cast(CitaRequest, request).actor


def session_row(request: HttpRequest) -> Any:
    """The signed-in applicant's row as the actor middleware read it for this request (None when it read
    none): pages and API handlers use it instead of reading the row again."""
    return getattr(request, "_cita_applicant", None)


class NotFoundMiddleware:
    """A selector's `NotFound` (the thing is not there, or the caller may not know it is) is the page's 404:
    views call the scoped selectors and let it through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        return None


def caller_ip(request: HttpRequest) -> str:
    """The caller's network address: the last hop of X-Forwarded-For behind a trusted proxy."""
    if settings.CITA_TRUST_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))
