"""What the staff views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from cita.core.errors import NotFound

T = TypeVar("T")
HOME = "/staff/"


def or_404(fetch: Callable[[], T]) -> T:
    """Run a scoped selector; what the caller may not see is simply not found."""
    try:
        return fetch()
    except NotFound as exc:
        raise Http404(exc.message) from exc


def safe_next(request: HttpRequest, default: str = HOME) -> str:
    """The `next` target when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return target
