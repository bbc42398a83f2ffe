"""Error pages that go through the normal layout (and so the caller's language)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cita.core.access import allow
from cita.core.actors import Role


@allow(Role.PUBLIC)
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 in the caller's language."""
    return render(request, "404.html", status=404)
