"""The officer console: today's manifest at the officer's port, check-in by scanning a pass, each member's
outcome, and flagging a group as urgent.

Scanning needs no camera and no JavaScript: a hardware scanner types the pass into the focused field and
presses Enter, which submits the form. Names are decrypted only for the officer's port and today
(cita.appointments.selectors.officer_group refuses anything else as not found).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cita.appointments.errors import AlreadyCheckedIn, CheckInEarly, OutcomeRefused
from cita.appointments.models import Appointment
from cita.appointments.selectors import officer_appointment_get, officer_group, officer_manifest
from cita.appointments.services import appointment_check_in
from cita.appointments.services.officer import ScanResult, appointment_scan, outcomes_record
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.forms import form_error_add
from cita.core.http import actor_of
from cita.draws.services import priority_flag
from cita.staff.forms import FlagForm, ManifestSearchForm, OutcomesForm, ScanForm
from cita.staff.selectors import staff_names


def _appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    return officer_appointment_get(actor=actor_of(request), appointment_id=appointment_id)


def _scan_message(request: HttpRequest, result: ScanResult) -> None:
    if result.checked_in_now:
        messages.success(request, result.message)
        return
    assert result.appointment is not None
    assert result.at is not None
    local = result.at.astimezone(result.appointment.port.tz)
    who = staff_names(labels=[result.by]).get(result.by, result.by)
    messages.warning(
        request,
        f"This pass was already used: checked in by {who} at {local:%H:%M} on {local:%Y-%m-%d} "
        f"({result.appointment.port.time_zone}).",
    )


def _names(*appointments: Appointment) -> dict[str, str]:
    return staff_names(labels=[a.checked_in_by for a in appointments if a.checked_in_by])


@allow(Role.OFFICER)
@require_GET
@never_cache
def manifest(request: HttpRequest) -> HttpResponse:
    """Today's groups at the officer's port, by slot, with their check-in state and the counts; `q` finds
    groups by a name or their pass code."""
    actor = actor_of(request)
    search = ManifestSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    day = officer_manifest(actor=actor, query=query)
    return render(
        request,
        "staff/officer/manifest.html",
        {
            "manifest": day,
            "form": ScanForm(),
            "search": search,
            "names": _names(*(r.appointment for r in day.rows)),
        },
    )


@allow(Role.OFFICER)
@require_POST
@never_cache
def scan(request: HttpRequest) -> HttpResponse:
    """Verify a scanned pass and check its group in; a refused pass shows why, with the field ready for
    the next scan."""
    actor = actor_of(request)
    form = ScanForm(request.POST)
    result = None
    if form.is_valid():
        result = appointment_scan(
            payload=form.cleaned_data["payload"], actor=actor, early_ok=form.cleaned_data["early"]
        )
        if result.checked_in_now or result.already:
            assert result.appointment is not None
            _scan_message(request, result)
            return HttpResponseRedirect(reverse("staff:officer_group", args=[result.appointment.pk]))
    day = officer_manifest(actor=actor)
    # An early group is a question to the officer, not a refusal.
    status = 200 if result is None or result.early else 429 if result.code == "too_many_codes" else 409
    return render(
        request,
        "staff/officer/manifest.html",
        {
            "manifest": day,
            "form": ScanForm(),
            "search": ManifestSearchForm(),
            "refused": None if result is None or result.early else result,
            "early": result if result is not None and result.early else None,
            "early_payload": form.cleaned_data.get("payload", "") if form.is_valid() else "",
            "names": _names(*(r.appointment for r in day.rows)),
        },
        status=status,
    )


@allow(Role.OFFICER)
@require_GET
@never_cache
def group(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """One group of today: its people (names and documents), check-in, outcomes, urgent flag."""
    return _group_page(request, appointment_id)


def _group_page(
    request: HttpRequest, appointment_id: int, *, early: str = "", status: int = 200
) -> HttpResponse:
    appointment, members = officer_group(actor=actor_of(request), appointment_id=appointment_id)
    return render(
        request,
        "staff/officer/group.html",
        {
            "appointment": appointment,
            "members": members,
            "outcomes_form": OutcomesForm(members=members),
            "flag_form": FlagForm(),
            "form": ScanForm(),
            "names": _names(appointment),
            "identity_changed": any(row.change != "same" for row in members),
            "early": early,
        },
        status=status,
    )


@allow(Role.OFFICER)
@require_POST
def check_in(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Check a group in from the manifest when its pass cannot be scanned (exactly once, as a scan); a
    group long before its slot is checked in only once the officer confirms."""
    appointment = _appointment(request, appointment_id)
    try:
        appointment = appointment_check_in(
            appointment=appointment, actor=actor_of(request), early_ok=request.POST.get("early") == "1"
        )
    except CheckInEarly as exc:
        return _group_page(request, appointment.pk, early=exc.message)
    except AlreadyCheckedIn as exc:
        _scan_message(request, ScanResult("already_checked_in", exc.message, appointment, exc.by, exc.at))
    except CitaError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Checked in: group of {appointment.group_size}.")
    return HttpResponseRedirect(reverse("staff:officer_group", args=[appointment.pk]))


@allow(Role.OFFICER)
@require_POST
def outcomes(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Record the outcome of each person of a checked-in group."""
    actor = actor_of(request)
    appointment, members = officer_group(actor=actor, appointment_id=appointment_id)
    form = OutcomesForm(request.POST, members=members)
    if form.is_valid():
        try:
            appointment = outcomes_record(appointment=appointment, outcomes=form.outcomes(), actor=actor)
        except OutcomeRefused as exc:
            form_error_add(form, exc)
        except CitaError as exc:  # not checked in yet, or no longer the group's day
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("staff:officer_group", args=[appointment.pk]))
        else:
            done = "The group's appointment is complete." if appointment.state == "completed" else ""
            messages.success(request, f"Outcomes saved. {done}".strip())
            return HttpResponseRedirect(reverse("staff:officer_group", args=[appointment.pk]))
    return render(
        request,
        "staff/officer/group.html",
        {
            "appointment": appointment,
            "members": members,
            "outcomes_form": form,
            "flag_form": FlagForm(),
            "form": ScanForm(),
            "names": _names(appointment),
            "identity_changed": any(row.change != "same" for row in members),
        },
        status=400,
    )


@allow(Role.OFFICER)
@require_POST
def flag(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Flag the group as urgent (tier 0 in its next draws), with the reason."""
    actor = actor_of(request)
    appointment, members = officer_group(actor=actor, appointment_id=appointment_id)
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            priority_flag(applicant=appointment.applicant, reason=form.cleaned_data["reason"], actor=actor)
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, "The group is flagged as urgent: it comes first in its next draws.")
            return HttpResponseRedirect(reverse("staff:officer_group", args=[appointment.pk]))
    return render(
        request,
        "staff/officer/group.html",
        {
            "appointment": appointment,
            "members": members,
            "outcomes_form": OutcomesForm(members=members),
            "flag_form": form,
            "form": ScanForm(),
            "names": _names(appointment),
            "identity_changed": any(row.change != "same" for row in members),
        },
        status=400,
    )
