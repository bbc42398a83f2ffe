"""The admins' page of failed and dead-lettered deliveries, with retry."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.http import actor_of
from cita.notifications.models import DeliveryStatus
from cita.notifications.selectors import (
    deliveries_for_admin,
    delivery_counts_for_admin,
)
from cita.notifications.services import delivery_retry


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
