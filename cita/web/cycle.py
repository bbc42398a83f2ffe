"""Where a travel group stands in the daily cycle, as its pages say it: one timeline (asked → result →
confirm by the deadline → pass → appointment day) and the one thing to do next, with its deadline.

`cycle_read` reads the rows through the selectors; `next_step` and `timeline` only decide what to say, so
that every state of the cycle is tested without a browser (tests/web/test_cycle.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.selectors import cycle_rows_for_actor
from cita.core import clock
from cita.core.actors import Actor
from cita.core.days import today_in
from cita.draws.models import Draw, Offer, OfferState, Request, RequestState
from cita.draws.selectors import window_next
from cita.policy.selectors import policy_values_of
from cita.registrations.models import Applicant
from cita.web.components import NextStep, StepState, TimelineStep
from cita.web.dates import date_words
from cita.web.timezones import Zone, zone_of

# A request still in its draw: asked, or entered and waiting for the result.
PENDING = (RequestState.SUBMITTED, RequestState.ENTERED)


def offer_of(request: Request | None) -> Offer | None:
    """The offer made to `request`, if any (selectors load it with the request)."""
    if request is None:
        return None
    try:
        return request.offer
    except Offer.DoesNotExist:
        return None


def appointment_of(offer: Offer | None) -> Appointment | None:
    """The appointment a confirmed offer issued, if any."""
    if offer is None:
        return None
    try:
        return offer.appointment
    except Appointment.DoesNotExist:
        return None


def starts_at(appointment: Appointment) -> dt.datetime:
    """The moment the appointment's slot begins (the port's time)."""
    return dt.datetime.combine(appointment.day, appointment.slot, tzinfo=appointment.port.tz)


@dataclass(frozen=True)
class Cycle:
    """What the applicant's pages know about the group's day (read by `cycle_read`)."""

    now: dt.datetime
    zone: Zone
    group_size: int
    draw: Draw | None  # the round-1 draw taking requests now
    latest: Request | None  # the group's newest request, in any draw and any state
    appointment: Appointment | None  # the group's active appointment, if any
    window: tuple[dt.datetime, dt.datetime]  # the open window, or the next one
    second_chance: Draw | None  # a second chance still to come that may select `latest`
    port_names: dict[str, str] = field(default_factory=dict)  # every port's name by its code

    @property
    def registered(self) -> bool:
        """True once the group has its people."""
        return self.group_size > 0

    @property
    def current(self) -> Request | None:
        """The group's live request in the open draw."""
        latest = self.latest
        if latest is None or self.draw is None or latest.draw_id != self.draw.pk or latest.withdrawn_at:
            return None
        return latest

    @property
    def offer(self) -> Offer | None:
        """The offer of the newest request."""
        return offer_of(self.latest)

    @property
    def open_offer(self) -> Offer | None:
        """The offer waiting for the group's answer, if its deadline has not passed."""
        offer = self.offer
        if offer is not None and offer.state == OfferState.OPEN and offer.deadline > self.now:
            return offer
        return None


def cycle_read(*, actor: Actor, applicant: Applicant, request: HttpRequest) -> Cycle:
    """Read the group's draw, newest request, offer and appointment, and the caller's zone, in one statement
    (`cycle_rows_for_actor`); the unread count it read is kept for the layout's badge."""
    now = clock.now()
    rows = cycle_rows_for_actor(actor=actor, applicant=applicant, now=now)
    cast(Any, request)._cita_unread = rows.unread
    latest = rows.latest
    second = rows.second_chance if latest is not None and latest.state == RequestState.NOT_SELECTED else None
    draw = rows.draw
    return Cycle(
        now=now,
        zone=zone_of(request, now=now, ports=[port for port in rows.ports if port.active]),
        group_size=rows.members,
        draw=draw,
        latest=latest,
        appointment=rows.appointment,
        window=(draw.opens_at, draw.closes_at)
        if draw
        else window_next(now=now, values=policy_values_of(rows.policy)),
        second_chance=second,
        port_names={port.code: port.name for port in rows.ports},
    )


def _ask(c: Cycle, *, title: str, text: str, notes: tuple[str, ...] = ()) -> NextStep:
    """Ask (again): the form while a window is open, otherwise when the next one opens."""
    if c.draw is not None:
        return NextStep(
            title=title,
            text=text,
            notes=notes,
            deadline=c.draw.closes_at,
            deadline_label=_("You can ask until"),
            tz=c.zone.key,
            zone=c.zone.place,
            url=reverse("draws:ask"),
            action=_("Ask for an appointment"),
        )
    return NextStep(
        title=title,
        text=text,
        notes=notes,
        deadline=c.window[0],
        deadline_label=_("The next window opens on"),
        tz=c.zone.key,
        zone=c.zone.place,
    )


def place_words(offer: Offer) -> str:
    """Where and when an offer is: "El Paso · martes, 15 de diciembre de 2026 · 08:00 (hora de El Paso)"."""
    zone = _("%(place)s time") % {"place": offer.port.name}
    return f"{offer.port.name} · {date_words(offer.day)} · {time_format(offer.slot, 'TIME_FORMAT')} ({zone})"


def waiting_notes(c: Cycle, request: Request) -> tuple[str, ...]:
    """Why asking again is worth it (the waiting time counts), and a second chance still to come."""
    notes = [
        _(
            "Your waiting time counts: you have waited since %(date)s, and the groups that have waited "
            "longest get a share of the seats first."
        )
        % {"date": date_words(request.waiting_since)}
    ]
    if c.second_chance is not None:
        notes.append(
            _(
                "If selected groups give seats back, a second draw gives them out among the requests not "
                "selected today. You are in it, unless you ask again before it runs."
            )
        )
    return tuple(notes)


def next_step(c: Cycle) -> NextStep:
    """The one thing the group should do now, and by when."""
    if not c.registered:
        return NextStep(
            title=_("Register your travel group"),
            text=_(
                "Before you ask for an appointment, register yourself and the people who travel with you."
            ),
            url=reverse("web:group_register"),
            action=_("Register the group"),
        )
    appointment = c.appointment
    if appointment is not None:
        port = appointment.port
        if appointment.state == AppointmentState.CHECKED_IN:
            return NextStep(
                title=_("You were checked in at the port"),
                text=_("The officers have your case now. There is nothing more to do in cita."),
                tone="ok",
            )
        return NextStep(
            title=_("Go to the port on your appointment day"),
            text=_(
                "%(port)s, %(address)s. Arrive %(minutes)d minutes early with the pass and the documents "
                "of everyone in the group."
            )
            % {"port": port.name, "address": port.address, "minutes": settings.CITA_PASS_ARRIVE_MINUTES},
            deadline=starts_at(appointment),
            deadline_label=_("Your appointment:"),
            tz=port.time_zone,
            zone=port.name,
            url=reverse("appointments:pass", args=[appointment.pk]),
            action=_("Show the pass"),
            tone="ok",
        )
    offer = c.open_offer
    if offer is not None:
        return NextStep(
            title=_("You were selected: confirm your appointment"),
            text=place_words(offer),
            notes=(_("If you do not confirm in time, the seat goes to someone else."),),
            deadline=offer.deadline,
            deadline_label=_("Confirm before"),
            tz=c.zone.key,
            zone=c.zone.place,
            url=reverse("draws:offer", args=[offer.pk]),
            action=_("See the offer and confirm"),
            tone="warn",
        )
    current = c.current
    if current is not None and current.state == RequestState.SUBMITTED and c.draw is not None:
        return NextStep(
            title=_("Your request is in: wait for the draw"),
            text=_("We send you a message with the result. Until then, you can withdraw the request."),
            deadline=c.draw.closes_at,
            deadline_label=_("The draw runs on"),
            tz=c.zone.key,
            zone=c.zone.place,
            more_url=reverse("draws:withdraw"),
            more=_("Withdraw the request"),
        )
    latest = c.latest
    if latest is not None and latest.state in (RequestState.SUBMITTED, RequestState.ENTERED):
        return NextStep(
            title=_("The draw is running"),
            text=_("Your ticket is %(ticket)s. The results come soon, and we send you a message.")
            % {"ticket": latest.ticket},
        )
    if latest is None:
        return _ask(
            c,
            title=_("Ask for an appointment"),
            text=_(
                "Choose the ports you can go to. Everyone who asks before the window closes "
                "has the same chance."
            ),
        )
    if latest.state == RequestState.NOT_SELECTED:
        return _ask(
            c,
            title=_("Not selected this time: ask again"),
            text=_("There were more requests than seats. You can ask again in the next draw."),
            notes=waiting_notes(c, latest),
        )
    if latest.state == RequestState.WITHDRAWN:
        return _ask(
            c, title=_("You withdrew your request"), text=_("You can ask again while a window is open.")
        )
    offer = c.offer
    if offer is not None and offer.state == OfferState.DECLINED:
        text = _("You gave the seat back. You can ask again.")
    elif offer is not None and offer.state in (OfferState.OPEN, OfferState.EXPIRED):
        text = _("The time to confirm is over, and the seat went to someone else. You can ask again.")
    else:
        text = _("Your last appointment has ended. You can ask again.")
    return _ask(c, title=_("Ask for an appointment"), text=text)


def _result_step(c: Cycle, request: Request | None) -> TimelineStep:
    label = _("Result of the draw")
    if request is None or request.state == RequestState.WITHDRAWN:
        return TimelineStep(label, detail=_("The draw runs when the window closes."))
    if request.state in (RequestState.SUBMITTED, RequestState.ENTERED):
        return TimelineStep(
            label,
            StepState.CURRENT,
            at=request.draw.closes_at,
            tz=c.zone.key,
            zone=c.zone.place,
            detail=_("The draw runs when the window closes. We send you a message with the result."),
        )
    decided = getattr(request.status, "decided_at", None)
    if request.state == RequestState.SELECTED:
        return TimelineStep(label, StepState.DONE, at=decided, tz=c.zone.key, detail=_("You were selected."))
    return TimelineStep(
        label, StepState.FAILED, at=decided, tz=c.zone.key, detail=_("Not selected this time.")
    )


def _confirm_step(c: Cycle, offer: Offer | None) -> TimelineStep:
    label = _("Confirm before the deadline")
    if offer is None:
        return TimelineStep(label, detail=_("If you are selected, you have about a day to confirm."))
    if offer.state == OfferState.CONFIRMED:
        return TimelineStep(
            label, StepState.DONE, at=offer.settled_at, tz=c.zone.key, detail=_("You confirmed.")
        )
    if offer.state == OfferState.DECLINED:
        return TimelineStep(label, StepState.FAILED, detail=_("You gave the seat back."))
    if offer.state == OfferState.EXPIRED or offer.deadline <= c.now:
        return TimelineStep(
            label, StepState.FAILED, at=offer.deadline, tz=c.zone.key, detail=_("The deadline passed.")
        )
    return TimelineStep(
        label,
        StepState.CURRENT,
        at=offer.deadline,
        tz=c.zone.key,
        zone=c.zone.place,
        detail=_("Confirm, or the seat goes to someone else."),
    )


def _day_step(appointment: Appointment | None) -> TimelineStep:
    label = _("Appointment day")
    if appointment is None:
        return TimelineStep(label, detail=_("Go to the port with the pass and your documents."))
    port = appointment.port
    at, tz = starts_at(appointment), port.time_zone
    where = f"{port.name}, {port.address}"
    if appointment.state == AppointmentState.SCHEDULED:
        return TimelineStep(label, StepState.CURRENT, at=at, tz=tz, zone=port.name, detail=where)
    if appointment.state in (AppointmentState.CHECKED_IN, AppointmentState.COMPLETED):
        return TimelineStep(
            label, StepState.DONE, at=at, tz=tz, zone=port.name, detail=_("You were checked in.")
        )
    if appointment.state == AppointmentState.CANCELLED:
        detail = _("The appointment was cancelled.")
    elif appointment.state == AppointmentState.REBOOKED:
        detail = _("The appointment was moved to another day.")
    else:
        detail = _("Nobody came to the appointment.")
    return TimelineStep(label, StepState.FAILED, at=at, tz=tz, zone=port.name, detail=detail)


def landing(c: Cycle) -> str:
    """The page for the group's real current step, where signing in lands (issue 15, item 2): the pass on
    the appointment day, the offer waiting for an answer, the request in the draw, or asking."""
    if not c.registered:
        return reverse("web:group")
    appointment = c.appointment
    if appointment is not None:
        if (
            appointment.state == AppointmentState.SCHEDULED
            and today_in(appointment.port.tz, now=c.now) == appointment.day
        ):
            return reverse("appointments:pass", args=[appointment.pk])
        return reverse("draws:home")
    offer = c.open_offer
    if offer is not None:
        return reverse("draws:offer", args=[offer.pk])
    latest = c.latest
    if latest is not None and not latest.withdrawn_at and latest.state in PENDING:
        return reverse("draws:request", args=[latest.pk])
    if c.draw is not None:
        return reverse("draws:ask")
    return reverse("draws:home")


def timeline(c: Cycle) -> list[TimelineStep]:
    """The steps of the group's newest request, from asking to the appointment day."""
    request = c.latest
    asked = _("Ask for an appointment")
    if request is None or (
        request.state == RequestState.WITHDRAWN and c.draw and request.draw_id == c.draw.pk
    ):
        if c.draw is not None:
            first = TimelineStep(
                asked,
                StepState.CURRENT,
                at=c.draw.closes_at,
                tz=c.zone.key,
                zone=c.zone.place,
                detail=_("Today's window is open. You can ask until this time."),
            )
        else:
            first = TimelineStep(
                asked,
                StepState.TODO,
                at=c.window[0],
                tz=c.zone.key,
                zone=c.zone.place,
                detail=_("The next window opens at this time."),
            )
        request = None
    elif request.state == RequestState.WITHDRAWN:
        first = TimelineStep(
            asked,
            StepState.FAILED,
            at=request.created_at,
            tz=c.zone.key,
            detail=_("You withdrew this request."),
        )
    else:
        first = TimelineStep(
            asked,
            StepState.DONE,
            at=request.created_at,
            tz=c.zone.key,
            detail=_("Ticket %(ticket)s") % {"ticket": request.ticket},
        )
    offer = offer_of(request)
    appointment = c.appointment or appointment_of(offer)
    if appointment is not None and appointment.offer_id is None and offer is None:
        # An appointment not made by the draw (moved after a port closure): nothing before it to show.
        steps = [TimelineStep(asked, StepState.DONE), TimelineStep(_("Result of the draw"), StepState.DONE)]
        steps.append(TimelineStep(_("Confirm before the deadline"), StepState.DONE))
    else:
        steps = [first, _result_step(c, request), _confirm_step(c, offer)]
    if appointment is not None:
        steps.append(
            TimelineStep(
                _("Your pass"),
                StepState.DONE,
                at=appointment.pass_issued_at,
                tz=c.zone.key,
                detail=_("Show it on your phone or print it."),
            )
        )
    else:
        steps.append(TimelineStep(_("Your pass"), detail=_("You get it when you confirm.")))
    steps.append(_day_step(appointment))
    return steps
