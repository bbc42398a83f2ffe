"""Every view declares who may use it; the middleware refuses everyone else, and refuses undeclared views.

    @allow(Role.OFFICER)
    def manifest(request): ...

Object-level scoping (this officer's port, this applicant's own data) is the job of the selectors
(`<entity>_get_for_actor`); this layer only checks roles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import ResolverMatch, reverse

from cita.core.actors import STAFF_ROLES, Role
from cita.core.http import actor_of

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
ATTR = "cita_roles"
MFA_STEP_ATTR = "cita_mfa_step"

# URL namespaces whose views we do not write ourselves: the rule is declared here, once.
NAMESPACE_RULES: dict[str, frozenset[Role]] = {
    "admin": frozenset({Role.ADMIN}),
}
# Marks views whose authorisation is declared per operation elsewhere (the JSON API: cita.api).
DELEGATED = frozenset({Role.SYSTEM})


def allow(*roles: Role) -> Callable[[F], F]:
    """Declare the roles that may use a view (function or class); `Role.PUBLIC` admits everyone."""
    if not roles:
        raise ValueError("allow() needs at least one role")

    def mark(view: F) -> F:
        setattr(view, ATTR, frozenset(roles))
        return view

    return mark


def mfa_step(view: F) -> F:
    """Mark a view that a staff member who gave a password but not yet a TOTP code may use."""
    setattr(view, MFA_STEP_ATTR, True)
    return view


def declared_roles(view: Callable[..., Any], match: ResolverMatch | None = None) -> frozenset[Role] | None:
    """The roles a view admits, or None when it declares nothing (which the middleware refuses)."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        roles = getattr(candidate, ATTR, None)
        if roles is not None:
            return frozenset(roles)
    if match is not None:
        for namespace in match.namespaces:
            if namespace in NAMESPACE_RULES:
                return NAMESPACE_RULES[namespace]
    return None


def is_admitted(roles: Iterable[Role], role: Role) -> bool:
    """True when `role` is one of `roles` (or the view is public)."""
    roles = frozenset(roles)
    return Role.PUBLIC in roles or role in roles


class AccessMiddleware:
    """Enforces `allow(...)`: anonymous callers are sent to the right sign-in, others get 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        roles = declared_roles(view, request.resolver_match)
        if roles is None:
            log.error("view declares no access rule", extra={"path": request.path})
            return forbidden(request)
        if roles == DELEGATED:
            return None
        actor = actor_of(request)
        admitted = is_admitted(roles, actor.role)
        if actor.mfa_pending:
            if Role.PUBLIC in roles or (admitted and getattr(view, MFA_STEP_ATTR, False)):
                return None
            return _redirect(request, "staff:mfa") if roles & STAFF_ROLES else forbidden(request)
        if admitted:
            return None
        if actor.role is Role.PUBLIC:
            wants_staff = bool(roles & STAFF_ROLES) and Role.APPLICANT not in roles
            return _redirect(request, "staff:login" if wants_staff else "web:signin")
        return forbidden(request)


def _redirect(request: HttpRequest, url_name: str) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


def forbidden(request: HttpRequest) -> HttpResponse:
    """The page shown when the caller may not see what they asked for."""
    return TemplateResponse(request, "core/403.html", status=403)
