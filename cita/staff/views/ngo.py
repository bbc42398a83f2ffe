"""The NGO console: a shelter's residents (register, see where they stand, add family, act for them,
print their pass, flag them as urgent) and its occupancy.

Personal data of residents is decrypted here only for workers of the resident's shelter: every lookup goes
through the scoped selectors, and a resident of another shelter is not found.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cita.appointments.models import ACTIVE, Appointment, AppointmentState
from cita.appointments.selectors import (
    appointment_arrive_by,
    appointment_member_list,
    appointment_replacement,
)
from cita.appointments.services.identity import member_join
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.forms import form_error_add
from cita.core.http import actor_of, caller_ip
from cita.core.middleware import SESSION_ACTING_FOR
from cita.draws.services import priority_flag
from cita.registrations.errors import ContactInUse, ResidentExists
from cita.registrations.models import Applicant
from cita.registrations.residents import (
    acting_actor,
    acting_start,
    acting_stop,
    resident_contact_code_resend,
    resident_contact_prove,
    resident_register,
    shelter_occupancy_set,
)
from cita.registrations.signin import STAFF_CLIENT
from cita.staff.forms import FlagForm, MemberAddForm, OccupancyForm, ResidentCodeForm, ResidentRegisterForm
from cita.staff.selectors import (
    resident_appointment_for_actor,
    resident_consents_for_actor,
    resident_get_for_actor,
    resident_list_for_actor,
    resident_members_for_actor,
    resident_messages_for_actor,
    resident_status_for_actor,
    shelter_for_actor,
)
from cita.staff.views.common import safe_next

PAGE_SIZE = 50
# Codes sent to the contacts of residents just registered, by resident id: token, field, masked contact.
SESSION_CONTACT_CODES = "ngo_contact_codes"


def _resident(request: HttpRequest, applicant_id: int) -> Applicant:
    return resident_get_for_actor(actor=actor_of(request), applicant_id=applicant_id)


@allow(Role.NGO)
@require_GET
@never_cache
def residents(request: HttpRequest) -> HttpResponse:
    """The shelter's residents, newest first, searchable by name."""
    actor = actor_of(request)
    query = request.GET.get("q", "").strip()[:100]
    rows = resident_list_for_actor(actor=actor, query=query)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/ngo/residents.html",
        {
            "shelter": shelter_for_actor(actor=actor),
            "page": page,
            "query": query,
            "action_count": sum(1 for row in rows if row.action_today),
        },
    )


def _consent_texts() -> list[tuple[str, str, SafeString]]:
    """The consent text the applicant pages show (web/_consent_text.html), in every language, for the
    worker to read to the resident in theirs."""
    texts = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            texts.append((code, str(name), mark_safe(render_to_string("web/_consent_text.html"))))  # noqa: S308
    return texts


@allow(Role.NGO)
@require_http_methods(["GET", "POST"])
@never_cache
def register(request: HttpRequest) -> HttpResponse:
    """Register a new resident and their travel group's main person, with their consent."""
    actor = actor_of(request)
    form = ResidentRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registered = resident_register(
                actor=actor,
                phone=data["phone"],
                email=data["email"],
                language=data["language"],
                principal=form.member_input(relationship="self"),
                consent_given=data["consent"],
                client=_client(request),
                ip=caller_ip(request),
            )
        except ResidentExists as exc:
            messages.info(request, exc.message)
            return HttpResponseRedirect(reverse("staff:ngo_resident", args=[exc.objects["applicant"].pk]))
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            applicant = registered.applicant
            messages.success(request, "The resident is registered. Add their family members below.")
            if registered.codes:
                # The contact is attached once the resident reads out the code it received (issue 14, 5).
                pending = request.session.get(SESSION_CONTACT_CODES, {})
                pending[str(applicant.pk)] = [
                    {"field": field, "token": sent.token, "masked": sent.masked}
                    for field, sent in zip(_code_fields(data), registered.codes, strict=True)
                ]
                request.session[SESSION_CONTACT_CODES] = pending
                return HttpResponseRedirect(reverse("staff:ngo_resident_contact", args=[applicant.pk]))
            return HttpResponseRedirect(reverse("staff:ngo_resident", args=[applicant.pk]))
    return render(
        request,
        "staff/ngo/register.html",
        {"form": form, "shelter": shelter_for_actor(actor=actor), "consent_texts": _consent_texts()},
    )


def _client(request: HttpRequest) -> str:
    """What limits the codes one worker sends: their account, whichever browser they use."""
    return f"{STAFF_CLIENT}{request.user.pk}"


def _code_fields(data: dict[str, Any]) -> list[str]:
    """The fields a code went to, in the order `resident_register` sends them."""
    return [field for field in ("phone", "email") if data[field]]


def _pending_codes(request: HttpRequest, applicant: Applicant) -> list[dict[str, str]]:
    return list(request.session.get(SESSION_CONTACT_CODES, {}).get(str(applicant.pk), []))


def _pending_codes_set(request: HttpRequest, applicant: Applicant, rows: list[dict[str, str]]) -> None:
    pending = request.session.get(SESSION_CONTACT_CODES, {})
    if rows:
        pending[str(applicant.pk)] = rows
    else:
        pending.pop(str(applicant.pk), None)
    request.session[SESSION_CONTACT_CODES] = pending


@allow(Role.NGO)
@require_http_methods(["GET", "POST"])
@never_cache
def resident_contact(request: HttpRequest, applicant_id: int) -> HttpResponse:
    """The code sent to the phone or email a new resident gave: typed in, it attaches the contact; a new
    code can be sent. The page is the same whether or not the contact belongs to an account."""
    actor = actor_of(request)
    applicant = _resident(request, applicant_id)
    rows = _pending_codes(request, applicant)
    if not rows:
        return HttpResponseRedirect(reverse("staff:ngo_resident", args=[applicant.pk]))
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = ResidentCodeForm(request.POST)
        field = request.POST.get("field", "")
        row = next((r for r in rows if r["field"] == field), None)
        if row is None or (not form.is_valid() and "resend" not in request.POST):
            errors[field] = "Type the code the resident received."
        elif "resend" in request.POST:
            try:
                sent = resident_contact_code_resend(
                    actor=actor,
                    applicant=applicant,
                    token=row["token"],
                    client=_client(request),
                    ip=caller_ip(request),
                )
            except CitaError as exc:
                errors[field] = exc.message
            else:
                row["token"] = sent.token
                _pending_codes_set(request, applicant, rows)
                messages.success(request, "A new code is on its way. The earlier one no longer works.")
                return HttpResponseRedirect(reverse("staff:ngo_resident_contact", args=[applicant.pk]))
        else:
            try:
                resident_contact_prove(
                    actor=actor, applicant=applicant, token=row["token"], code=form.cleaned_data["code"]
                )
            except ContactInUse as exc:
                _pending_codes_set(request, applicant, [r for r in rows if r is not row])
                messages.error(request, exc.message)
                return HttpResponseRedirect(reverse("staff:ngo_resident_contact", args=[applicant.pk]))
            except CitaError as exc:
                errors[field] = exc.message
            else:
                _pending_codes_set(request, applicant, [r for r in rows if r is not row])
                messages.success(
                    request, f"The {'phone number' if field == 'phone' else 'email'} is confirmed and added."
                )
                return HttpResponseRedirect(reverse("staff:ngo_resident_contact", args=[applicant.pk]))
    return render(
        request,
        "staff/ngo/resident_contact.html",
        {
            "resident": applicant,
            "rows": [{**r, "error": errors.get(r["field"], "")} for r in rows],
        },
        status=400 if errors else 200,
    )


@allow(Role.NGO)
@require_GET
@never_cache
def resident(request: HttpRequest, applicant_id: int) -> HttpResponse:
    """One resident: contact, language, travel group, consents, requests, offers, appointments; act for
    them, print their pass, flag them as urgent."""
    actor_of(request)
    applicant = _resident(request, applicant_id)
    return _resident_page(request, applicant, FlagForm())


def _resident_page(
    request: HttpRequest, applicant: Applicant, flag_form: FlagForm, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "staff/ngo/resident.html",
        {
            "resident": applicant,
            "members": resident_members_for_actor(actor=actor, applicant_id=applicant.pk),
            "consents": resident_consents_for_actor(actor=actor, applicant_id=applicant.pk),
            "text_messages": resident_messages_for_actor(actor=actor, applicant_id=applicant.pk),
            "status": resident_status_for_actor(actor=actor, applicant_id=applicant.pk),
            "acting": actor.applicant_id == applicant.pk,
            "flag_form": flag_form,
            "codes_pending": bool(_pending_codes(request, applicant)),
        },
        status=status,
    )


@allow(Role.NGO)
@require_POST
def resident_flag(request: HttpRequest, applicant_id: int) -> HttpResponse:
    """Flag a resident's group as urgent (tier 0 in its next draws), with the reason (audited; the reason
    stays sealed)."""
    applicant = _resident(request, applicant_id)
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            priority_flag(applicant=applicant, reason=form.cleaned_data["reason"], actor=actor_of(request))
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, "The group is flagged as urgent: it comes first in its next draws.")
            return HttpResponseRedirect(reverse("staff:ngo_resident", args=[applicant.pk]))
    return _resident_page(request, applicant, form, status=400)


@allow(Role.NGO)
@require_GET
@never_cache
def resident_pass(request: HttpRequest, applicant_id: int, appointment_id: int) -> HttpResponse:
    """A resident's pass to print, in the resident's language (QR code inline, no JavaScript)."""
    actor = actor_of(request)
    appointment = resident_appointment_for_actor(
        actor=actor, applicant_id=applicant_id, appointment_id=appointment_id
    )
    svg = segno.make(appointment.pass_payload, error="m", micro=False)
    language = appointment.applicant.language
    # The same pass body as the applicant's own pass page (appointments/_pass_body.html): wholly in the
    # resident's language, then the same facts in English for the officer (issue 15, item 3).
    facts = {
        "appointment": appointment,
        "people": appointment_member_list(appointment=appointment),
        "arrive_at": appointment_arrive_by(appointment=appointment),
        "arrive_minutes": settings.CITA_PASS_ARRIVE_MINUTES,
        "valid": appointment.state == AppointmentState.SCHEDULED,
        "usable": appointment.state in ACTIVE or appointment.state == AppointmentState.COMPLETED,
        "replaced_url": _replaced_url(appointment),
    }
    with translation.override(language):
        title = gettext("Appointment pass")
        qr = mark_safe(svg.svg_inline(border=4, omitsize=True, title=title))  # noqa: S308 - segno's own SVG
        body = render_to_string("appointments/_pass_body.html", {**facts, "qr_svg": qr})
    officer = ""
    if language != "en" and facts["usable"]:
        with translation.override("en"):
            officer = render_to_string("appointments/_pass_body.html", {**facts, "officer": True})
    return render(
        request,
        "staff/ngo/pass.html",
        {
            "appointment": appointment,
            "title": title,
            "language": language,
            "pass_body": mark_safe(body),  # noqa: S308 - rendered from our own template
            "officer_body": mark_safe(officer),  # noqa: S308 - rendered from our own template
        },
    )


def _replaced_url(appointment: Appointment) -> str:
    if appointment.state != AppointmentState.REBOOKED:
        return ""
    newer = appointment_replacement(appointment=appointment)
    if newer is None:
        return ""
    return reverse("staff:ngo_pass", args=[appointment.applicant_id, newer.pk])


@allow(Role.NGO)
@require_http_methods(["GET", "POST"])
@never_cache
def member_new(request: HttpRequest, applicant_id: int) -> HttpResponse:
    """Add a family member to a resident's travel group."""
    applicant = _resident(request, applicant_id)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_join(
                actor=acting_actor(actor=actor_of(request), applicant=applicant),
                applicant=applicant,
                data=form.member_input(),
                confirmed=form.cleaned_data["confirm"],
            )
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, "The family member is added.")
            return HttpResponseRedirect(reverse("staff:ngo_resident", args=[applicant.pk]))
    return render(
        request,
        "staff/ngo/member_new.html",
        {"form": form, "resident": applicant},
    )


@allow(Role.NGO)
@require_POST
def acting_begin(request: HttpRequest, applicant_id: int) -> HttpResponse:
    """Act for a resident in the applicant pages (until "Stop acting")."""
    applicant = _resident(request, applicant_id)
    acting_start(actor=actor_of(request), applicant=applicant)
    request.session[SESSION_ACTING_FOR] = applicant.pk
    return HttpResponseRedirect(safe_next(request, default=reverse("web:home")))


@allow(Role.NGO)
@require_POST
def acting_end(request: HttpRequest) -> HttpResponse:
    """Stop acting for the resident; back to their page in the console."""
    actor = actor_of(request)
    acting_stop(actor=actor)
    request.session.pop(SESSION_ACTING_FOR, None)
    if actor.applicant_id is not None:
        return HttpResponseRedirect(reverse("staff:ngo_resident", args=[actor.applicant_id]))
    return HttpResponseRedirect(reverse("staff:ngo_residents"))


@allow(Role.NGO)
@require_http_methods(["GET", "POST"])
def occupancy(request: HttpRequest) -> HttpResponse:
    """How many people stay at the shelter now."""
    actor = actor_of(request)
    shelter = shelter_for_actor(actor=actor)
    form = OccupancyForm(request.POST or None, initial={"occupancy": shelter.occupancy})
    if request.method == "POST" and form.is_valid():
        try:
            shelter_occupancy_set(actor=actor, shelter=shelter, occupancy=form.cleaned_data["occupancy"])
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, "Occupancy saved.")
            return HttpResponseRedirect(reverse("staff:ngo_occupancy"))
    return render(request, "staff/ngo/occupancy.html", {"form": form, "shelter": shelter})
