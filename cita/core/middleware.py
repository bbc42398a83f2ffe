"""Request id and JSON access log, and the language each request is served in (the actor of each request
is set by `cita.web.middleware.ActorMiddleware`: it reads the applicant sessions of registrations)."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from cita.core import logging as cita_logging
from cita.core.actors import PUBLIC
from cita.core.languages import LANGUAGE_CODES

access_log = logging.getLogger("cita.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

SESSION_APPLICANT = "cita.applicant"
SESSION_EPOCH = "cita.applicant_epoch"
SESSION_ACTING_FOR = "cita.acting_for"


# What an answer that is not a page may do in a browser: nothing (the API, /healthz, /metrics).
NOT_HTML_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


class HealthMiddleware:
    """Answers `GET /healthz` first, before the rest of the stack (issue 19: a load balancer asks it many
    times a second, and the stack cost it 80 % of a bare Django's rate). It says only that the process
    serves; `/readyz` goes through everything and asks the database. Not logged or counted: a probe's
    line every few seconds tells the operators nothing the load balancer does not."""

    BODY = b'{"status": "ok"}'

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != "/healthz" or request.method != "GET":
            return self.get_response(request)
        response = HttpResponse(self.BODY, content_type="application/json")
        add_never_cache_headers(response)
        response["Content-Security-Policy"] = NOT_HTML_CONTENT_SECURITY_POLICY
        incoming = request.headers.get("X-Request-ID", "")
        response["X-Request-ID"] = incoming if _VALID_REQUEST_ID.match(incoming) else secrets.token_hex(8)
        return response


class RequestIdMiddleware:
    """Gives each request an id (or keeps a sane incoming `X-Request-ID`) and logs one line when it ends."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID_REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = cita_logging.request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "actor": getattr(getattr(request, "actor", None), "label", "-"),
                },
            )
            return response
        finally:
            cita_logging.request_id.reset(token)


class LanguageMiddleware:
    """Serves each request in the caller's language: the applicant's profile, then the cookie, then the
    browser's Accept-Language, then English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response

    @staticmethod
    def language_for(request: HttpRequest) -> str:
        """The language to serve `request` in."""
        actor = getattr(request, "actor", PUBLIC)
        if actor.language in LANGUAGE_CODES:
            return str(actor.language)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie in LANGUAGE_CODES:
            return str(cookie)
        return translation.get_language_from_request(request, check_path=False)
