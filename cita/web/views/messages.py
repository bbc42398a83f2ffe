"""The applicant's inbox and the choice of channels."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cita.core.access import allow
from cita.core.actors import Actor, Role
from cita.core.http import actor_of
from cita.notifications.models import Notice
from cita.notifications.rendering import Rendered
from cita.notifications.rendering import render as render_notice
from cita.notifications.selectors import (
    inbox_page,
    preference_get,
    preference_not_selected_by_sms,
)
from cita.notifications.services import notices_mark_read, preference_set
from cita.registrations.selectors import applicant_get_for_actor
from cita.web.dates import moment_words
from cita.web.forms.messages import PreferenceForm
from cita.web.timezones import zone_of


@dataclass(frozen=True)
class InboxItem:
    notice: Notice
    text: Rendered
    received: str
    unread: bool


def _needs_resident(actor: Actor) -> bool:
    """An NGO worker who is not helping a resident right now has no inbox to see."""
    return actor.role is Role.NGO and actor.applicant_id is None


@allow(Role.APPLICANT, Role.NGO)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Every message cita sent the applicant, newest first, in their language; shown ones become read."""
    actor = actor_of(request)
    if _needs_resident(actor):
        return HttpResponseRedirect(reverse("staff:home"))
    applicant = applicant_get_for_actor(actor=actor)
    page = inbox_page(applicant_id=applicant.pk, page=request.GET.get("page"))
    preference = preference_get(applicant_id=applicant.pk)
    language = translation.get_language() or "en"
    # The moment the message came on the reader's clock (the zone of their pages), never the UTC day, and
    # written as the request history writes it (day, time and zone), so that the two pages agree.
    zone = zone_of(request)
    place = _("%(place)s time") % {"place": zone.place}
    items = [
        InboxItem(
            notice=notice,
            text=render_notice(kind=notice.kind, context=notice.context, language=language),
            received=f"{moment_words(notice.created_at, zone.key)} ({place})",
            unread=notice.read_at is None,
        )
        for notice in page
    ]
    unread = [item.notice.pk for item in items if item.unread]
    if unread and actor.role is Role.APPLICANT:
        notices_mark_read(actor=actor, applicant=applicant, notice_ids=unread)
    form = PreferenceForm(
        initial={
            "channels": preference,
            "not_selected_by_sms": preference_not_selected_by_sms(applicant_id=applicant.pk),
        }
    )
    return render(request, "notifications/inbox.html", {"page": page, "items": items, "form": form})


@allow(Role.APPLICANT, Role.NGO)
@require_POST
def preference(request: HttpRequest) -> HttpResponse:
    """Save how the applicant wants to get messages."""
    actor = actor_of(request)
    if _needs_resident(actor):
        return HttpResponseRedirect(reverse("staff:home"))
    applicant = applicant_get_for_actor(actor=actor)
    form = PreferenceForm(request.POST)
    if form.is_valid():
        preference_set(
            actor=actor,
            applicant=applicant,
            channels=form.cleaned_data["channels"],
            not_selected_by_sms=form.cleaned_data["not_selected_by_sms"],
        )
        flash.success(request, form.saved_message())
    return HttpResponseRedirect(reverse("notifications:inbox") + "#channels")
