"""Registering the travel group: the principal with consent first, then the other people in it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cita.appointments.selectors import group_bound_people
from cita.appointments.services.identity import group_holdings, member_change, member_join, member_leave
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.http import actor_of
from cita.registrations.models import Applicant, Member, Relationship
from cita.registrations.selectors import group_size_limit, member_get_for_actor, member_list_for_actor
from cita.registrations.services import group_register
from cita.web.components import NextStep, StepState, TimelineStep
from cita.web.forms import MemberForm, RegisterForm
from cita.web.views.common import for_applicant


def _has_principal(applicant: Applicant) -> bool:
    return applicant.members.filter(relationship=Relationship.SELF).exists()


def _held_form_args(request: HttpRequest, applicant: Applicant) -> dict[str, bool]:
    """Whether the form must ask to confirm (or approve) a change of who is in the group."""
    actor = actor_of(request)
    return {
        "held": bool(group_holdings(applicant=applicant)),
        "approver": actor.role is Role.NGO and actor.shelter_id == applicant.shelter_id,
    }


def _member(request: HttpRequest, member_id: int) -> Member:
    return member_get_for_actor(actor=actor_of(request), member_id=member_id)


def journey(*, registered: bool) -> list[TimelineStep]:
    """The applicant's way through cita, as far as this part of the site knows it."""
    return [
        TimelineStep(_("Sign in with a code"), StepState.DONE),
        TimelineStep(
            _("Register your travel group"),
            StepState.DONE if registered else StepState.CURRENT,
            detail=_("You, and the people who travel with you."),
        ),
        TimelineStep(
            _("Ask for an appointment"),
            StepState.CURRENT if registered else StepState.TODO,
            detail=_("Each day, choose the ports you prefer."),
        ),
        TimelineStep(_("Wait for the daily draw"), detail=_("You get a message with the result.")),
        TimelineStep(_("Confirm before the deadline"), detail=_("Then you get a pass with a QR code.")),
        TimelineStep(_("Go to the port on the day"), detail=_("Bring the pass and your documents.")),
    ]


@allow(Role.APPLICANT, Role.NGO)
@require_GET
@for_applicant
def group(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """The travel group: who is in it, how many of the limit, and what to do next."""
    members = list(member_list_for_actor(actor=actor_of(request)))
    if not members:
        return HttpResponseRedirect(reverse("web:group_register"))
    limit = group_size_limit()
    step = NextStep(
        title=_("Your group is registered"),
        text=_("Check that everyone who travels with you is in the list. Then ask for an appointment."),
        url=reverse("draws:home"),
        action=_("Go to your appointment page"),
        tone="ok",
    )
    return render(
        request,
        "web/group.html",
        {
            "members": members,
            "bound": group_bound_people(applicant_id=applicant.pk),
            "limit": limit,
            "full": len(members) >= limit,
            "next": step,
            "journey": journey(registered=True),
        },
    )


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def register(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Step one of registering: the principal, and consent to the text in the chosen language."""
    if _has_principal(applicant):
        return HttpResponseRedirect(reverse("web:group"))
    actor = actor_of(request)
    form = RegisterForm(request.POST or None, helper=actor.role is Role.NGO)
    if request.method == "POST" and form.is_valid():
        try:
            group_register(
                actor=actor,
                applicant=applicant,
                principal=form.member_input(),
                consent_given=form.cleaned_data["consent"],
                consent_language=request.LANGUAGE_CODE,
            )
        except CitaError as exc:
            form.add_service_error(exc)
        else:
            return HttpResponseRedirect(reverse("web:group"))
    return render(
        request,
        "web/group_register.html",
        {
            "form": form,
            "consent_version": settings.CITA_CONSENT_VERSION,
            "limit": group_size_limit(),
            "journey": journey(registered=False),
        },
    )


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def member_new(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    """Add a person who travels with the principal."""
    if not _has_principal(applicant):
        return HttpResponseRedirect(reverse("web:group_register"))
    size, limit = applicant.members.count(), group_size_limit()
    form = MemberForm(request.POST or None, **_held_form_args(request, applicant))
    if request.method == "POST" and size < limit and form.is_valid():
        try:
            member_join(
                actor=actor_of(request),
                applicant=applicant,
                data=form.member_input(),
                confirmed=form.confirmed(),
            )
        except CitaError as exc:
            form.add_service_error(exc)
        else:
            return HttpResponseRedirect(reverse("web:group"))
    return render(
        request, "web/member_form.html", {"form": form, "size": size, "limit": limit, "full": size >= limit}
    )


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def member_edit(request: HttpRequest, applicant: Applicant, member_id: int) -> HttpResponse:
    """Correct a person's details."""
    member = _member(request, member_id)
    principal = member.relationship == Relationship.SELF
    form = MemberForm(
        request.POST or None,
        initial=MemberForm.initial_for(member),
        principal=principal,
        **_held_form_args(request, applicant),
    )
    if request.method == "POST" and form.is_valid():
        try:
            member_change(
                actor=actor_of(request), member=member, data=form.member_input(), confirmed=form.confirmed()
            )
        except CitaError as exc:
            form.add_service_error(exc)
        else:
            return HttpResponseRedirect(reverse("web:group"))
    return render(request, "web/member_form.html", {"form": form, "member": member})


@allow(Role.APPLICANT, Role.NGO)
@require_http_methods(["GET", "POST"])
@for_applicant
def member_delete(request: HttpRequest, applicant: Applicant, member_id: int) -> HttpResponse:
    """Ask once, then take a person out of the travel group (never the principal)."""
    member = _member(request, member_id)
    error = ""
    if request.method == "POST":
        try:
            member_leave(actor=actor_of(request), member=member)
        except CitaError as exc:
            error = exc.message
        else:
            return HttpResponseRedirect(reverse("web:group"))
    return render(request, "web/member_remove.html", {"member": member, "error": error})
