"""Pages of the notifications domain: the applicant's inbox, and the admins' dead-letter page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from cita.core.access import allow
from cita.core.actors import Actor, Role
from cita.core.days import today_in
from cita.core.errors import CitaError, NotFound
from cita.core.http import actor_of
from cita.notifications.forms import PreferenceForm
from cita.notifications.models import DeliveryStatus, Notice
from cita.notifications.rendering import Rendered, date_format
from cita.notifications.rendering import render as render_notice
from cita.notifications.selectors import (
    deliveries_for_admin,
    delivery_counts_for_admin,
    inbox_page_for_actor,
    preference_for_actor,
)
from cita.notifications.services import delivery_retry, notices_mark_read, preference_set
from cita.registrations.selectors import applicant_get_for_actor
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
    try:
        page = inbox_page_for_actor(actor=actor, page=request.GET.get("page"))
        preference = preference_for_actor(actor=actor)
    except NotFound as exc:
        raise Http404 from exc
    language = translation.get_language() or "en"
    # The day the message came on the reader's clock (the zone of their pages), never the UTC day.
    zone = zone_of(request)
    items = [
        InboxItem(
            notice=notice,
            text=render_notice(kind=notice.kind, context=notice.context, language=language),
            received=date_format(today_in(zone.tz, now=notice.created_at), language),
            unread=notice.read_at is None,
        )
        for notice in page
    ]
    unread = [item.notice.pk for item in items if item.unread]
    if unread and actor.role is Role.APPLICANT:
        notices_mark_read(actor=actor, applicant=applicant_get_for_actor(actor=actor), notice_ids=unread)
    form = PreferenceForm(initial={"channels": preference})
    return render(request, "notifications/inbox.html", {"page": page, "items": items, "form": form})


@allow(Role.APPLICANT, Role.NGO)
@require_POST
def preference(request: HttpRequest) -> HttpResponse:
    """Save how the applicant wants to get messages."""
    actor = actor_of(request)
    if _needs_resident(actor):
        return HttpResponseRedirect(reverse("staff:home"))
    try:
        applicant = applicant_get_for_actor(actor=actor)
    except NotFound as exc:
        raise Http404 from exc
    form = PreferenceForm(request.POST)
    if form.is_valid():
        preference_set(actor=actor, applicant=applicant, channels=form.cleaned_data["channels"])
        flash.success(request, form.saved_message())
    return HttpResponseRedirect(reverse("notifications:inbox") + "#channels")


@allow(Role.ADMIN)
@require_GET
def admin_list(request: HttpRequest) -> HttpResponse:
    """Failed and dead-lettered deliveries with their reasons (or those of one status), and the counts."""
    actor = actor_of(request)
    status = request.GET.get("status") or ""
    counts = delivery_counts_for_admin(actor=actor)
    context = {
        "deliveries": deliveries_for_admin(actor=actor, status=status or None),
        "counts": [(value, label, counts[value]) for value, label in DeliveryStatus.choices],
        "status": status if status in DeliveryStatus.values else "",
        "retryable": {DeliveryStatus.FAILED, DeliveryStatus.DEAD},
    }
    return render(request, "notifications/admin_list.html", context)


@allow(Role.ADMIN)
@require_POST
def admin_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """Send a failed or dead-lettered delivery again (audited)."""
    actor = actor_of(request)
    try:
        delivery_retry(actor=actor, delivery_id=delivery_id)
    except CitaError as exc:
        flash.error(request, f"Delivery {delivery_id}: {exc.message}")
    else:
        flash.success(request, f"Delivery {delivery_id} will be sent again.")
    return HttpResponseRedirect(reverse("notifications:admin_list"))
