"""The API object: version 1, its routers, and the handlers that turn every error into a problem body.

The OpenAPI document (`/api/v1/openapi.json`) is generated from the operations; its error responses are
declared as `application/problem+json` with the problem schema. No documentation UI is served (it would
load scripts from a CDN); read the document with any OpenAPI viewer, or docs/api.md.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from cita.api import applicant, officer, planner, public
from cita.api.problems import (
    CONTENT_TYPE,
    problem_for_error,
    problem_for_status,
    problem_for_validation,
    problem_generic,
    problem_response,
)
from cita.core.errors import CitaError

log = logging.getLogger(__name__)

DESCRIPTION = """\
The JSON API of cita, version 1: public facts about draws and ports, an applicant's own group, requests,
offers and appointments, and the officers' and planners' operations.

Every error is an RFC 9457 problem (`application/problem+json`) with cita's members `code` (stable, listed
at `/api/v1/problems`) and `field`. Signed-in operations use the session cookie of the web pages; unsafe
methods need the CSRF token from `GET /api/v1/session` in the `X-CSRFToken` header.
"""


class CitaApi(NinjaAPI):
    """NinjaAPI whose OpenAPI document declares error responses as problem bodies."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content")
                    if int(status) >= 400 and content and "application/json" in content:
                        response["content"] = {CONTENT_TYPE: content["application/json"]}
        return schema

    def get_openapi_operation_id(self, operation: Any) -> str:
        """The operation's URL name (`request_submit`, `pass_check_in`, …)."""
        return str(operation.url_name)


api = CitaApi(
    title="cita API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
)


@api.exception_handler(CitaError)
def _domain_error(request: HttpRequest, exc: CitaError) -> HttpResponse:
    if exc.status >= 500:
        log.error("domain error answered with %s", exc.status, extra={"code": exc.code})
    return problem_response(problem_for_error(exc))


@api.exception_handler(NinjaValidationError)
def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem_response(problem_for_validation(exc.errors))


@api.exception_handler(AuthenticationError)
def _not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(problem_generic("not_signed_in"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(problem_for_status(exc.status_code))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(problem_generic("not_found"))


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return problem_response(problem_generic("forbidden"))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The caller learns nothing of the internals; the log has the traceback and the request id.
    log.exception("API operation failed", extra={"path": request.path, "method": request.method})
    return problem_response(problem_generic("server_error"))


api.add_router("", public.router)
api.add_router("/me", applicant.router)
api.add_router("/officer", officer.router)
api.add_router("/planner", planner.router)
