"""The public "Is this appointment real?" page (issue 14): paste a pass code, see valid, used, cancelled,
moved or not found, with the port and the day; never a name."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from cita.appointments.services.public_check import PublicCheck, pass_public_check
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.http import caller_ip
from cita.web.forms import PassCheckForm


@allow(Role.PUBLIC)
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Anyone checks whether a pass is real, and reads that appointments are free and never sold."""
    form = PassCheckForm(request.POST or None)
    result: PublicCheck | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = pass_public_check(payload=form.cleaned_data["payload"], ip=caller_ip(request))
        except CitaError as exc:
            form.add_service_error(exc)
            status = exc.status
    return render(request, "web/check.html", {"form": form, "result": result}, status=status)
