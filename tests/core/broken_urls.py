"""A URL that fails, for the test of what a server error logs (tests/core/test_log_privacy.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cita.core.access import allow
from cita.core.actors import Role


@allow(Role.PUBLIC)
def broken(request: HttpRequest) -> HttpResponse:
    """Always fails, as a bug would."""
    raise RuntimeError("a bug")


urlpatterns = [path("broken", broken)]
