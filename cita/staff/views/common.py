"""What the staff views share."""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

T = TypeVar("T")
HOME = "/staff/"


def safe_next(request: HttpRequest, default: str = HOME) -> str:
    """The `next` target when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return target
