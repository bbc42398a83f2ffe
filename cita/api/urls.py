"""Routes of the API under `/api/v1/` (included from cita/urls.py).

The operations' views declare `DELEGATED` to cita.core.access: each operation declares its callers itself
(`auth=` in cita.api.auth). The OpenAPI document is public. Anything else under `/api/v1/` is a 404
problem, and every error response leaves here as a problem body (ninja's own 405 included).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from cita.api.main import api
from cita.api.problems import is_problem, problem_for_status, problem_generic, problem_response
from cita.core.access import ATTR, DELEGATED, allow
from cita.core.actors import Role

app_name = "api"

OPENAPI = "openapi-json"
ROOT = "api-root"


@allow(Role.PUBLIC)
@csrf_exempt  # it changes nothing, and answers every method alike
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any address under /api/v1/ that names no operation."""
    return problem_response(problem_generic("not_found"), headers={"Cache-Control": "no-store"})


def _as_problems(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Error responses made outside the exception handlers (ninja's 405) become problem bodies; answers
    that say nothing about caching are not cached (they may hold the caller's own data)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code >= 400 and not is_problem(response):
            allow_header = response.get("Allow")
            response = problem_response(
                problem_for_status(response.status_code),
                headers={"Allow": allow_header} if allow_header else None,
            )
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response

    return wrapper


def _declared(pattern: URLPattern) -> URLPattern:
    if pattern.name == ROOT:
        return URLPattern(pattern.pattern, not_found, pattern.default_args, pattern.name)
    view = _as_problems(pattern.callback)
    setattr(view, ATTR, frozenset({Role.PUBLIC}) if pattern.name == OPENAPI else DELEGATED)
    return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)


def _patterns() -> list[URLPattern]:
    patterns, _app, _namespace = api.urls
    out = []
    for pattern in patterns:
        assert isinstance(pattern, URLPattern), pattern
        out.append(_declared(pattern))
    return out


urlpatterns = [*_patterns(), re_path(r"^", not_found, name="not_found")]
