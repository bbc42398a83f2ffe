"""Port closures (planners): the dates and reason, a preview of every group affected, confirm, and the
rebooking's result once its job ran; reopening. Auditors read closures and their plans.

Plain forms; the result page refreshes itself (a meta refresh, no JavaScript) until the job is done.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cita.appointments.models import Rebooking
from cita.appointments.selectors import ClosureSpec, closure_preview, rebooking_rows
from cita.appointments.services.closures import closure_check, port_close, port_reopen
from cita.appointments.services.rebooking import rebooking_audit_hashes, rebooking_replay
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError, NotFound
from cita.core.forms import form_error_add
from cita.core.http import actor_of
from cita.ports.models import PortClosure
from cita.ports.selectors import closure_get, closure_list
from cita.staff.forms import ClosureForm
from cita.staff.selectors import staff_names

PLANNERS = (Role.PLANNER, Role.ADMIN)
READERS = (Role.PLANNER, Role.ADMIN, Role.AUDITOR)


def _closure(closure_id: int) -> PortClosure:
    return closure_get(closure_id=closure_id)


@allow(*READERS)
@require_GET
def closure_list_view(request: HttpRequest) -> HttpResponse:
    """Every closure, newest first, with whether its groups are rebooked and whether it was reopened."""
    closures = closure_list()
    names = staff_names(labels=[c.created_by for c in closures])
    return render(request, "staff/closures/list.html", {"closures": closures, "names": names})


@allow(*PLANNERS)
@require_http_methods(["GET", "POST"])
@never_cache
def closure_new(request: HttpRequest) -> HttpResponse:
    """The closure form; "Preview" lists every group affected, "Close the port" confirms."""
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            closure_check(
                port=data["port"],
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
                horizon_days=data["horizon_days"],
            )
            if "confirm" in request.POST:
                closure = port_close(
                    port=data["port"],
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                    horizon_days=data["horizon_days"],
                    any_port=data["any_port"],
                    actor=actor_of(request),
                )
                messages.success(request, f"{closure.port.code} is closed. Its groups are being rebooked.")
                return HttpResponseRedirect(reverse("staff:closure", args=[closure.pk]))
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            spec = ClosureSpec(
                port=data["port"],
                start=data["start"],
                end=data["end"],
                horizon_days=data["horizon_days"],
                any_port=data["any_port"],
            )
            snapshot, plan, rows = closure_preview(spec=spec)
            return render(
                request,
                "staff/closures/preview.html",
                {"form": form, "spec": spec, "snapshot": snapshot, "plan": plan, "rows": rows},
            )
    return render(request, "staff/closures/new.html", {"form": form})


@allow(*READERS)
@require_GET
@never_cache
def closure_detail(request: HttpRequest, closure_id: int) -> HttpResponse:
    """A closure and its rebooking: group by group, the counts, and the plan computed again from its
    snapshot (the replay) compared with the stored plan and the audit log."""
    closure = _closure(closure_id)
    rebooking = Rebooking.objects.filter(closure=closure).first()
    context: dict[str, object] = {
        "closure": closure,
        "rebooking": rebooking,
        "names": staff_names(labels=[closure.created_by, closure.reopened_by]),
    }
    if rebooking is not None:
        context.update(
            rows=rebooking_rows(rebooking=rebooking),
            replay=rebooking_replay(rebooking=rebooking),
            audited=rebooking_audit_hashes(closure=closure),
        )
    return render(request, "staff/closures/detail.html", context)


@allow(*READERS)
@require_GET
def closure_plan(request: HttpRequest, closure_id: int) -> JsonResponse:
    """The stored snapshot and plan, to replay anywhere (`cita.appointments.rebook_plan.plan_compute`)."""
    closure = _closure(closure_id)
    rebooking = _rebooking_of(closure)
    body = {
        "format": "cita-rebooking-v1",
        "closure": closure.pk,
        "snapshot_sha256": rebooking.snapshot_sha256,
        "plan_sha256": rebooking.plan_sha256,
        "snapshot": rebooking.snapshot,
        "plan": rebooking.plan,
    }
    response = JsonResponse(body, json_dumps_params={"indent": 1, "sort_keys": True})
    response["Content-Disposition"] = f'inline; filename="closure-{closure.pk}-rebooking.json"'
    return response


def _rebooking_of(closure: PortClosure) -> Rebooking:
    rebooking = Rebooking.objects.filter(closure=closure).first()
    if rebooking is None:
        raise NotFound("not rebooked yet")
    return rebooking


@allow(*PLANNERS)
@require_POST
def closure_reopen(request: HttpRequest, closure_id: int) -> HttpResponse:
    """Reopen the port: the days whose draw has not run get their seats back from the weekly template."""
    closure = _closure(closure_id)
    try:
        port_reopen(closure=closure, actor=actor_of(request))
    except CitaError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{closure.port.code} is open again from the next day without a draw.")
    return HttpResponseRedirect(reverse("staff:closure", args=[closure.pk]))
