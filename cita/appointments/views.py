"""The printable pass (HTML with an inline QR code, and the QR code as PNG), cancelling, and the public
keys that verify passes offline."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from cita.appointments.models import Appointment
from cita.appointments.selectors import appointment_get_for_actor
from cita.appointments.services import appointment_cancel, public_keys_document
from cita.core.access import allow
from cita.core.actors import Actor, Role
from cita.core.errors import CitaError, NotFound
from cita.draws.views import resident_chosen, same_origin_only


def _own(request: HttpRequest, appointment_id: int) -> Appointment:
    try:
        return appointment_get_for_actor(actor=request.actor, appointment_id=appointment_id)  # type: ignore[attr-defined]
    except NotFound as exc:
        raise Http404 from exc


def _qr(appointment: Appointment) -> segno.QRCode:
    # Level M survives a scuffed or creased print; the payload is alphanumeric, so the code stays small.
    return segno.make(appointment.pass_payload, error="m", micro=False)


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@never_cache
@same_origin_only
@resident_chosen
def pass_page(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The pass to print or show: QR code, port, address, day, time, group size."""
    appointment = _own(request, appointment_id)
    svg = _qr(appointment).svg_inline(
        border=4, omitsize=True, title=_("Appointment pass"), dark="#000", light="#fff"
    )
    return render(
        request,
        "appointments/pass.html",
        {"appointment": appointment, "qr_svg": mark_safe(svg), "port_zone": appointment.port.tz},  # noqa: S308 - segno's own SVG
    )


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@never_cache
@resident_chosen
def pass_png(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The QR code of the pass as a PNG image (to save on a phone)."""
    appointment = _own(request, appointment_id)
    buffer = io.BytesIO()
    _qr(appointment).save(buffer, kind="png", scale=8, border=4)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="cita-pass-{appointment.pk}.png"'
    return response


@allow(Role.APPLICANT, Role.NGO)
@require_POST
@resident_chosen
def cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Cancel the group's appointment (its seats go back to the port's slot)."""
    appointment = _own(request, appointment_id)
    actor: Actor = request.actor  # type: ignore[attr-defined]
    try:
        appointment_cancel(
            appointment=appointment, reason="ngo" if actor.role is Role.NGO else "applicant", actor=actor
        )
    except CitaError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
    messages.success(request, _("Your appointment was cancelled."))
    return HttpResponseRedirect(reverse("draws:home"))


@allow(Role.PUBLIC)
@require_GET
@cache_control(public=True, max_age=300)
def pass_keys(request: HttpRequest) -> JsonResponse:
    """The public keys that verify passes (`cita verify-pass --keys`), every key id still in the ring."""
    return JsonResponse(public_keys_document(), json_dumps_params={"indent": 1})
