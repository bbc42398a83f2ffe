"""Who may call each operation. Every operation of the API declares it (`auth=`), and a test holds every
operation against every kind of caller (tests/core/test_access.py).

- `PUBLIC`: anyone, no session needed (`auth=None`).
- `APPLICANT`: an applicant signed in on the web pages; the same session cookie authenticates the API.
- `OFFICER`, `PLANNER`: staff signed in with password and authenticator code (a staff member who has not
  given the code yet is not signed in for the API).

Cookie authentication needs a CSRF token on unsafe methods (header `X-CSRFToken`, from `GET /session`),
as the HTML forms do. Callers without a session get 401; signed-in callers of another role get 403.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.http import HttpRequest
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from cita.api.errors import CsrfFailed, NotAdmitted
from cita.api.problems import problem_generic
from cita.core.actors import Actor, Role
from cita.core.http import actor_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# `auth=PUBLIC` states in the code that an operation is open to everyone.
PUBLIC = None


class SessionRole(AuthBase):
    """Admits a caller signed in (session cookie) with one of `roles`; returns their `Actor`."""

    roles: ClassVar[frozenset[Role]] = frozenset()
    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = settings.SESSION_COOKIE_NAME
    openapi_description = ""

    def __call__(self, request: HttpRequest) -> Actor | None:
        actor = actor_of(request)
        if actor.role is Role.PUBLIC or actor.mfa_pending:
            return None  # ninja answers 401
        if actor.role not in self.roles:
            raise NotAdmitted(problem_generic("forbidden").detail)
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise CsrfFailed(problem_generic("csrf_failed").detail)
        return actor


class ApplicantSession(SessionRole):
    roles = frozenset({Role.APPLICANT})
    openapi_description = "An applicant signed in with a one-time code on the web pages (session cookie)."


class OfficerSession(SessionRole):
    roles = frozenset({Role.OFFICER})
    openapi_description = "A port officer signed in with password and authenticator code (session cookie)."


class PlannerSession(SessionRole):
    roles = frozenset({Role.PLANNER, Role.ADMIN})
    openapi_description = "A planner or admin signed in with password and authenticator code."


APPLICANT = ApplicantSession()
OFFICER = OfficerSession()
PLANNER = PlannerSession()


def operation_roles(auth_callbacks: Any) -> frozenset[Role]:
    """The roles an operation admits, from its auth callbacks (none: everyone)."""
    if not auth_callbacks:
        return frozenset({Role.PUBLIC})
    roles: set[Role] = set()
    for callback in auth_callbacks:
        if not isinstance(callback, SessionRole):
            raise TypeError(f"operation auth must be a SessionRole, not {callback!r}")
        roles |= callback.roles
    return frozenset(roles)
