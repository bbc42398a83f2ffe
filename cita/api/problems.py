"""The one place that maps errors to API problem responses (RFC 9457, `application/problem+json`).

Every problem body has `type`, `title`, `status`, `detail`, and cita's own members `code` (a stable
machine name: the `CitaError.code`, or one of the generic codes below) and `field` (the input it concerns,
or null). Validation problems add `errors`, one per field. Details are safe to show: a domain error's
message (translated into the caller's language), or a generic sentence; never internals.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cita.core.errors import CitaError

CONTENT_TYPE = "application/problem+json"
# Where the problem types are listed (each `type` is this URL with the code as fragment).
TYPES_PATH = "/api/v1/problems"

# Problems that are not domain errors: HTTP-level refusals, input that does not parse, the server failing.
GENERIC: dict[str, tuple[int, Any]] = {
    "bad_request": (400, gettext_lazy("The request could not be read.")),
    "not_signed_in": (401, gettext_lazy("Sign in first.")),
    "forbidden": (403, gettext_lazy("You cannot do this.")),
    "csrf_failed": (403, gettext_lazy("The request was refused for your safety. Reload and try again.")),
    "not_found": (404, gettext_lazy("This does not exist, or you cannot see it.")),
    "method_not_allowed": (405, gettext_lazy("This address does not accept this method.")),
    "invalid_input": (422, gettext_lazy("Some values are missing or not valid.")),
    "too_many_requests": (429, gettext_lazy("Too many requests. Wait a little and try again.")),
    "server_error": (500, gettext_lazy("Something went wrong on our side. Try again later.")),
}
_BY_STATUS = {status: code for code, (status, _detail) in GENERIC.items() if code != "csrf_failed"}


@dataclass(frozen=True)
class FieldError:
    """One invalid input value: where (`body.ports.0`, `query.limit`), what is wrong, and its kind."""

    field: str
    message: str
    type: str


@dataclass(frozen=True)
class Problem:
    """What went wrong, as the caller is told."""

    status: int
    code: str
    detail: str
    field: str | None = None
    errors: Sequence[FieldError] = ()
    members: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def title(self) -> str:
        """A short name of the problem type, the same for every occurrence of it."""
        return self.code.replace("_", " ").capitalize()

    def body(self) -> dict[str, Any]:
        """The JSON object sent to the caller."""
        body: dict[str, Any] = {
            "type": problem_type(self.code),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            "field": self.field,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message, "type": e.type} for e in self.errors]
        body.update(self.members)
        return body


def problem_type(code: str) -> str:
    """The URI that names a problem type: its entry in the list of problem types."""
    return f"{settings.CITA_BASE_URL}{TYPES_PATH}#{code}"


def problem_for_error(exc: CitaError) -> Problem:
    """A domain error as a problem: its status, code, field and (already translated) message."""
    return Problem(
        status=exc.status,
        code=exc.code,
        detail=exc.message,
        field=exc.field,
        members=exc.problem_members(),
    )


def problem_generic(code: str, *, detail: str | None = None) -> Problem:
    """One of the GENERIC problems, with its standard detail unless another is given."""
    status, standard = GENERIC[code]
    return Problem(status=status, code=code, detail=detail or str(standard))


def problem_for_status(status: int) -> Problem:
    """The generic problem for an HTTP status (any other 4xx is `bad_request`, any 5xx `server_error`)."""
    code = _BY_STATUS.get(status)
    if code is None:
        return Problem(
            status=status,
            code="server_error" if status >= 500 else "bad_request",
            detail=str(GENERIC["server_error" if status >= 500 else "bad_request"][1]),
        )
    return problem_generic(code)


def problem_for_validation(errors: Iterable[Mapping[str, Any]]) -> Problem:
    """Input that did not validate (422), one entry per invalid value.

    `errors` are pydantic-style dicts (`loc`, `msg`, `type`); `loc` starts with where the value came from
    (`body`, `query`, `path`), then the parameter's name, which is left out of `field` when it names the
    whole body.
    """
    fields = [
        FieldError(field=_field_of(e.get("loc", ())), message=str(e.get("msg", "")), type=str(e.get("type")))
        for e in errors
    ]
    problem = problem_generic("invalid_input")
    return Problem(
        status=problem.status,
        code=problem.code,
        detail=problem.detail,
        field=fields[0].field if fields else None,
        errors=fields,
    )


def _field_of(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "body" and parts[1] == "data":
        # The body parameter of every operation is called `data`; its name says nothing to the caller.
        parts = [parts[0], *parts[2:]]
    return ".".join(parts)


def problem_response(problem: Problem, *, headers: Mapping[str, str] | None = None) -> HttpResponse:
    """The HTTP response carrying a problem."""
    response = HttpResponse(
        json.dumps(problem.body(), ensure_ascii=False),
        status=problem.status,
        content_type=CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def is_problem(response: HttpResponse) -> bool:
    """True when a response already carries a problem body."""
    return str(response.get("Content-Type", "")).startswith(CONTENT_TYPE)


@dataclass(frozen=True)
class ProblemType:
    """One entry of the list of problem types."""

    code: str
    status: int
    title: str
    description: str


def problem_types() -> list[ProblemType]:
    """Every problem type the API can answer with: the generic ones and each domain error, by code."""
    for app in settings.INSTALLED_APPS:
        if app.startswith("cita."):
            try:
                importlib.import_module(f"{app}.errors")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.errors":
                    raise
    found: dict[str, ProblemType] = {
        code: ProblemType(code, status, Problem(status, code, "").title, _(str(detail)))
        for code, (status, detail) in GENERIC.items()
    }
    for cls in _subclasses(CitaError):
        if cls.code in found or not cls.__module__.startswith("cita."):
            continue
        doc = (cls.__doc__ or "").strip().split("\n")[0]
        found[cls.code] = ProblemType(cls.code, cls.status, Problem(cls.status, cls.code, "").title, doc)
    return sorted(found.values(), key=lambda p: p.code)


def _subclasses(cls: type[CitaError]) -> list[type[CitaError]]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


__all__ = [
    "CONTENT_TYPE",
    "FieldError",
    "Problem",
    "ProblemType",
    "is_problem",
    "problem_for_error",
    "problem_for_status",
    "problem_for_validation",
    "problem_generic",
    "problem_response",
    "problem_type",
    "problem_types",
]
