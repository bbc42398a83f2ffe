"""The pass: the page to show or print (inline QR code), the same pass as one self-contained file to keep
offline, the QR code as PNG; cancelling (asked once); and the public keys that verify passes offline."""

from __future__ import annotations

import base64
import hashlib
import io

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cita.appointments.models import ACTIVE, Appointment, AppointmentState
from cita.appointments.selectors import (
    appointment_arrive_by,
    appointment_get_for_actor,
    appointment_member_list,
    appointment_replacement,
    swap_closes_at,
    swap_open,
    swap_places,
    wait_choice_for,
)
from cita.appointments.services import appointment_cancel, pass_url, public_keys_document
from cita.appointments.services.rebooking import appointment_wait_for_first_port
from cita.appointments.services.swap import appointment_swap
from cita.core import clock
from cita.core.access import allow
from cita.core.actors import Actor, Role
from cita.core.errors import CitaError
from cita.core.http import actor_of
from cita.core.replica import replica_reads
from cita.registrations.models import Applicant
from cita.web.timezones import zone_of
from cita.web.views.common import for_applicant, waiting_done


def _own(request: HttpRequest, appointment_id: int) -> Appointment:
    return appointment_get_for_actor(actor=actor_of(request), appointment_id=appointment_id)


def _qr(appointment: Appointment) -> segno.QRCode:
    # Level M survives a scuffed or creased print; the payload is alphanumeric, so the code stays small.
    return segno.make(appointment.pass_payload, error="m", micro=False)


def _qr_svg(appointment: Appointment) -> SafeString:
    svg = _qr(appointment).svg_inline(
        border=4, omitsize=True, title=_("Appointment pass"), dark="#000", light="#fff"
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 - segno's own SVG


def _pass_context(appointment: Appointment) -> dict[str, object]:
    minutes = settings.CITA_PASS_ARRIVE_MINUTES
    return {
        "appointment": appointment,
        "qr_svg": _qr_svg(appointment),
        "people": appointment_member_list(appointment=appointment),
        "arrive_minutes": minutes,
        "arrive_at": appointment_arrive_by(appointment=appointment),
        "valid": appointment.state == AppointmentState.SCHEDULED,
        "replaced_url": _replaced_url(appointment),
        "usable": _usable(appointment),
        "wait_choice": wait_choice_for(appointment=appointment),
        "swap_open": swap_open(appointment=appointment),
    }


def _replaced_url(appointment: Appointment) -> str:
    """The new pass of an appointment a closure moved (issue 15, item 5); empty when not replaced."""
    if appointment.state != AppointmentState.REBOOKED:
        return ""
    newer = appointment_replacement(appointment=appointment)
    return reverse("appointments:pass", args=[newer.pk]) if newer is not None else ""


def _pass_bodies(appointment: Appointment, applicant: Applicant) -> dict[str, object]:
    """The pass wholly in the group's own language (an NGO worker prints it for the resident, whatever the
    worker reads), and the same facts in English beside it for the officer (none when that is English)."""
    language = applicant.language
    with translation.override(language):
        context = _pass_context(appointment)
        body = render_to_string("appointments/_pass_body.html", context)
    officer = ""
    if language != "en" and context["usable"]:
        with translation.override("en"):
            officer = render_to_string(
                "appointments/_pass_body.html", {**_pass_context(appointment), "officer": True}
            )
    return {
        **context,
        "pass_language": language,
        "pass_body": mark_safe(body),  # noqa: S308 - rendered from our own template
        "officer_body": mark_safe(officer),  # noqa: S308 - rendered from our own template
    }


def _usable(appointment: Appointment) -> bool:
    """A cancelled, moved or missed appointment shows no code that could be mistaken for a pass."""
    return appointment.state in ACTIVE or appointment.state == AppointmentState.COMPLETED


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@never_cache
@for_applicant
def pass_page(request: HttpRequest, applicant: Applicant, appointment_id: int) -> HttpResponse:
    """The pass to show or print: QR code, the group's names, port and address, day and time, what to
    bring; and the ways to keep it (a file for offline, the picture of the code)."""
    appointment = _own(request, appointment_id)
    return render(request, "appointments/pass.html", _pass_bodies(appointment, applicant))


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@never_cache
@for_applicant
def pass_offline(request: HttpRequest, applicant: Applicant, appointment_id: int) -> HttpResponse:
    """The pass as one .html file to keep on the phone: styles inline, the QR code as inline SVG, nothing
    it loads from anywhere (its own Content-Security-Policy forbids it, also when opened from the file)."""
    appointment = _own(request, appointment_id)
    css = render_to_string("appointments/pass_offline.css").strip()
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    context = {
        **_pass_bodies(appointment, applicant),
        "css": mark_safe(css),  # noqa: S308 - our own stylesheet
        "policy": policy,
        "saved_at": clock.now(),
        "zone": zone_of(request),
        "online_url": pass_url(appointment),
    }
    with translation.override(applicant.language):  # the whole file in the group's language
        response = render(request, "appointments/pass_offline.html", context)
    response["Content-Disposition"] = f'attachment; filename="cita-pass-{appointment.pk}.html"'
    response["Content-Security-Policy"] = policy + "; frame-ancestors 'none'"
    return response


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@never_cache
@for_applicant
def pass_png(request: HttpRequest, applicant: Applicant, appointment_id: int) -> HttpResponse:
    """The QR code of the pass as a PNG image (to save on a phone); none for a pass no longer usable."""
    appointment = _own(request, appointment_id)
    if not _usable(appointment):
        raise Http404("this pass can no longer be used")
    buffer = io.BytesIO()
    _qr(appointment).save(buffer, kind="png", scale=8, border=4)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="cita-pass-{appointment.pk}.png"'
    return response


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def cancel(request: HttpRequest, applicant: Applicant, appointment_id: int) -> HttpResponse:
    """Ask once ("are you sure?"), then cancel the group's appointment (its seats go back to the slot)."""
    appointment = _own(request, appointment_id)
    if appointment.state != AppointmentState.SCHEDULED:
        return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
    if request.method == "POST":
        actor: Actor = actor_of(request)
        try:
            appointment_cancel(
                appointment=appointment, reason="ngo" if actor.role is Role.NGO else "applicant", actor=actor
            )
        except CitaError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
        messages.success(request, _("Your appointment was cancelled. You can ask again in the next draw."))
        return HttpResponseRedirect(reverse("draws:home"))
    return render(
        request,
        "appointments/cancel.html",
        {"appointment": appointment, "people": appointment_member_list(appointment=appointment)},
    )


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def wait_for_first_port(request: HttpRequest, applicant: Applicant, appointment_id: int) -> HttpResponse:
    """A group a closure moved away from its first port: keep the new appointment, or give it back and
    wait for the first port (first in line in the draws after it reopens, keeping its place)."""
    appointment = _own(request, appointment_id)
    choice = wait_choice_for(appointment=appointment)
    if choice is None:
        return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
    if request.method == "POST":
        try:
            appointment_wait_for_first_port(appointment=appointment, actor=actor_of(request))
        except CitaError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
        messages.success(request, waiting_done(port_name=choice.first_port.name, from_day=choice.from_day))
        return HttpResponseRedirect(reverse("draws:home"))
    return render(
        request,
        "appointments/wait.html",
        {
            "appointment": appointment,
            "choice": choice,
            "people": appointment_member_list(appointment=appointment),
            "notice_days": settings.CITA_REBOOK_NOTICE_DAYS,
        },
    )


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def change(request: HttpRequest, applicant: Applicant, appointment_id: int) -> HttpResponse:
    """Change the port or day of a confirmed appointment: the free places at the group's ranked ports, in
    its order, one to choose (a plain form); the seat is kept until the new one is taken."""
    appointment = _own(request, appointment_id)
    if not swap_open(appointment=appointment):
        return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
    error = ""
    if request.method == "POST":
        place = request.POST.get("place", "")
        if not place:
            error = _("Choose a new place, or go back to keep your appointment.")
        else:
            try:
                appointment = appointment_swap(appointment=appointment, place=place, actor=actor_of(request))
            except CitaError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _(
                        "Done: your appointment was changed. This is your new pass. "
                        "The old one no longer works."
                    ),
                )
                return HttpResponseRedirect(reverse("appointments:pass", args=[appointment.pk]))
    return render(
        request,
        "appointments/change.html",
        {
            "appointment": appointment,
            "places": swap_places(appointment=appointment),
            "closes_at": swap_closes_at(appointment=appointment),
            "error": error,
        },
        status=409 if error else 200,
    )


@allow(Role.PUBLIC)
@require_GET
@cache_control(public=True, max_age=300)
@replica_reads
def pass_keys(request: HttpRequest) -> JsonResponse:
    """The public keys that verify passes (`cita verify-pass --keys`), every key id still in the ring."""
    return JsonResponse(public_keys_document(), json_dumps_params={"indent": 1})
