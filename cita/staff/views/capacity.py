"""The planners' capacity calendar: seats per port, day and slot; weekly templates and single-day edits.

Server-rendered forms that work without JavaScript. Every change goes through the audited services of
`cita.ports.services`; their errors (such as CapacityBelowBooked) show on the field they concern.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cita.core.access import allow
from cita.core.actors import Role
from cita.core.days import reference_today
from cita.core.errors import CitaError
from cita.core.http import actor_of
from cita.ports.errors import CapacityBelowBooked
from cita.ports.models import Port
from cita.ports.selectors import (
    capacity_calendar,
    capacity_port_calendar,
    capacity_port_day,
    capacity_template_get,
    port_get,
)
from cita.ports.services import capacity_day_set, capacity_template_apply, capacity_week_set
from cita.staff.forms.capacity import WEEKDAYS, ApplyForm, DayForm, RangeForm, WeekTemplateForm, slot_key

PLANNERS = (Role.PLANNER, Role.ADMIN)


def _port(code: str) -> Port:
    return port_get(code=code)


def _range_form(request: HttpRequest) -> RangeForm:
    form = RangeForm(request.GET if "start" in request.GET else None)
    start, end = form.range()
    if not form.is_bound:
        form = RangeForm(initial={"start": start, "days": (end - start).days + 1})
    return form


@allow(*PLANNERS)
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Seats per day and port, with totals per day, per port and over all ports."""
    form = _range_form(request)
    start, end = form.range()
    return render(
        request,
        "ports/calendar.html",
        {"form": form, "table": capacity_calendar(start=start, end=end), "start": start, "end": end},
    )


@allow(*PLANNERS)
@require_GET
def port_calendar(request: HttpRequest, code: str) -> HttpResponse:
    """Seats per day and slot at one port, with totals per slot, per day and for the port."""
    port = _port(code)
    form = _range_form(request)
    start, end = form.range()
    return render(
        request,
        "ports/port.html",
        {
            "port": port,
            "form": form,
            "table": capacity_port_calendar(port=port, start=start, end=end),
            "start": start,
            "end": end,
        },
    )


def _template_page(
    request: HttpRequest,
    port: Port,
    form: WeekTemplateForm | None = None,
    apply_form: ApplyForm | None = None,
) -> HttpResponse:
    template = capacity_template_get(port=port)
    form = form or WeekTemplateForm(template=template)
    today = reference_today()
    apply_form = apply_form or ApplyForm(initial={"start": today, "end": today + dt.timedelta(days=27)})
    daily = [sum(template.get(day, {}).values()) for day in range(7)]
    return render(
        request,
        "ports/template.html",
        {
            "port": port,
            "form": form,
            "apply_form": apply_form,
            "weekdays": WEEKDAYS,
            "daily": daily,
            "week_total": sum(daily),
        },
    )


@allow(*PLANNERS)
@require_http_methods(["GET", "POST"])
def template(request: HttpRequest, code: str) -> HttpResponse:
    """The weekly template of a port: seats per weekday and slot."""
    port = _port(code)
    if request.method == "GET":
        return _template_page(request, port)
    form = WeekTemplateForm(request.POST, template=capacity_template_get(port=port))
    if form.is_valid():
        try:
            changed = capacity_week_set(port=port, week=form.week(), actor=actor_of(request))
        except CitaError as exc:
            form.add_error(None, exc.message)
        else:
            names = ", ".join(WEEKDAYS[d] for d in changed) or "nothing"
            messages.success(
                request,
                f"Weekly template saved (changed: {names}). Apply it to days to change the calendar.",
            )
            return HttpResponseRedirect(reverse("ports:template", args=[port.code]))
    return _template_page(request, port, form=form)


@allow(*PLANNERS)
@require_POST
def template_apply(request: HttpRequest, code: str) -> HttpResponse:
    """Set a range of days to the weekly template (keeping what is booked)."""
    port = _port(code)
    form = ApplyForm(request.POST)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            changed = capacity_template_apply(port=port, start=start, end=end, actor=actor_of(request))
        except CitaError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Template applied from {start} to {end}: {changed} days changed.")
            days = (end - start).days + 1
            query = f"?start={start}&days={min(days, 62)}"
            return HttpResponseRedirect(reverse("ports:port", args=[port.code]) + query)
    return _template_page(request, port, apply_form=form)


@allow(*PLANNERS)
@require_http_methods(["GET", "POST"])
def day(request: HttpRequest, code: str, day: str) -> HttpResponse:
    """The slots of one port on one day: change seats (never below what is booked) or add slots."""
    port = _port(code)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404("no such day") from exc
    slots = capacity_port_day(port=port, day=date)
    form = DayForm(request.POST or None, slots=slots)
    if request.method == "POST" and form.is_valid():
        try:
            capacity_day_set(port=port, day=date, slots=form.slots_to_set(), actor=actor_of(request))
        except CapacityBelowBooked as exc:
            slot = exc.objects.get("slot")
            field = slot_key(slot.slot) if slot is not None else None
            form.add_error(field if field in form.fields else None, exc.message)
        except CitaError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Seats of {port.code} on {date} saved.")
            return HttpResponseRedirect(reverse("ports:day", args=[port.code, date.isoformat()]))
    totals = {"seats": sum(s.seats for s in slots), "left": sum(s.left for s in slots)}
    return render(
        request,
        "ports/day.html",
        {
            "port": port,
            "day": date,
            "form": form,
            "totals": {**totals, "booked": totals["seats"] - totals["left"]},
            "previous": date - dt.timedelta(days=1),
            "next": date + dt.timedelta(days=1),
        },
    )
