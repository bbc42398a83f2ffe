"""Builders for closures and the officer console: groups booked through the real cycle at chosen ports,
closures made through the service, and an appointment of today for the officer pages."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from cita.appointments.models import Appointment
from cita.appointments.services import pass_issue
from cita.appointments.services.closures import port_close
from cita.appointments.services.offers import offer_confirm
from cita.core import clock
from cita.core.actors import Actor
from cita.draws.models import Draw, Offer
from cita.draws.services import draw_close, request_submit
from cita.ports.models import Port, PortClosure, SlotCapacity
from cita.registrations.models import Applicant
from cita.registrations.services import applicant_get_or_create, group_register, member_add
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw
from tests.factories.registrations import actor_for, member_input

_emails = itertools.count(1)


@dataclass(frozen=True)
class Ask:
    """One group to book: its size, ranked ports, language, and whether it gave an email (else a phone)."""

    size: int
    ports: Sequence[str]
    language: str = "es"
    email: bool = False


def group_of(ask: Ask) -> Applicant:
    """A registered group as `ask` describes it."""
    n = next(_emails)
    if ask.email:
        row = applicant_get_or_create(email=f"group{n}@example.org", language=ask.language)
    else:
        row = applicant_get_or_create(phone=f"+52665{n:07d}", language=ask.language, phone_proven=True)
    actor = actor_for(row)
    group_register(
        actor=actor,
        applicant=row,
        principal=member_input(given_names=f"Principal {n}"),
        consent_given=True,
        consent_language=ask.language,
    )
    for i in range(ask.size - 1):
        member_add(
            actor=actor,
            applicant=row,
            member=member_input(
                relationship="child", given_names=f"Child {n}.{i}", date_of_birth=dt.date(2015, 1, 1)
            ),
        )
    return row


def slots(port: Port, *, day: dt.date, seats: Sequence[tuple[str, int]]) -> None:
    """Give a port these (HH:MM, seats) slots on a day."""
    for slot, n in seats:
        SlotCapacity.objects.update_or_create(
            port=port, day=day, slot=dt.time.fromisoformat(slot), defaults={"seats": n, "left": n}
        )


def booked(frozen_clock: clock.FrozenClock, asks: Sequence[Ask], *, confirm: bool = True) -> list[Offer]:
    """Every group asks in the draw of 2026-12-01 (appointments on 2026-12-15), the draw runs, and each
    selected group confirms (unless `confirm` is False). Returns the offers in allocation order."""
    draw = open_draw(frozen_clock)
    requests = [
        request_submit(applicant=(a := group_of(ask)), ports=list(ask.ports), actor=actor_for(a), draw=draw)
        for ask in asks
    ]
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offers = list(Offer.objects.filter(request__in=requests).select_related("applicant").order_by("order"))
    if confirm:
        for offer in offers:
            offer_confirm(offer=offer, actor=actor_for(offer.applicant))
    return offers


def closed(
    port: Port,
    *,
    start: dt.date,
    end: dt.date | None = None,
    horizon_days: int = 7,
    any_port: bool = False,
    actor: Actor,
    reason: str = "Flooding on the bridge",
) -> PortClosure:
    """A closure made through the service."""
    return port_close(
        port=port,
        start=start,
        end=end or start,
        reason=reason,
        horizon_days=horizon_days,
        any_port=any_port,
        actor=actor,
    )


def appointment_today(
    *, applicant: Applicant, port: Port, pk: int | None = None, slot: str = "09:00"
) -> Appointment:
    """A scheduled appointment of `applicant`'s whole group at `port` today (port time), with its pass;
    made without the cycle (the access matrix and the officer pages only need the row)."""
    now = clock.now()
    members = list(applicant.members.order_by("id").values_list("pk", flat=True))
    appointment = Appointment.objects.create(
        pk=pk,
        applicant=applicant,
        port=port,
        day=now.astimezone(port.tz).date(),
        slot=dt.time.fromisoformat(slot),
        group_size=max(len(members), 1),
        members=members or [1],
        created_at=now,
        pass_payload="",
        pass_kid="",
        pass_issued_at=now,
    )
    pass_issue(appointment, issued_at=now)
    appointment.save()
    return appointment


def confirm_all_but(offers: Sequence[Offer], *, keep_open: int) -> list[Appointment]:
    """Each group confirms its offer, except `keep_open` of them spread over the draw's order."""
    step = max(len(offers) // max(keep_open, 1), 1)
    waiting = {offers[i].pk for i in range(step // 2, len(offers), step)}
    waiting = set(list(waiting)[:keep_open])
    return [
        offer_confirm(offer=offer, actor=actor_for(offer.applicant))
        for offer in offers
        if offer.pk not in waiting
    ]


def moved_away_from_first_port(
    frozen_clock: clock.FrozenClock, *, planner: Actor, language: str = "es"
) -> tuple[Appointment, Appointment, PortClosure]:
    """A group of 2 that ranked SYS then OTM (both in San Diego), moved to OTM on 16 December by the
    closure of SYS on 15 and 16 December: (its old appointment, its new one, the closure)."""
    from cita.appointments.services.rebooking import closure_rebook
    from tests.factories.draws import port_with_slots

    sys_ = Port.objects.filter(code="SYS").first() or port_with_slots(
        "SYS", slots=[("08:00", 40)], position=1, name="San Ysidro", city="San Diego, CA"
    )
    otm = Port.objects.filter(code="OTM").first() or port_with_slots(
        "OTM", slots=[], position=2, name="Otay Mesa", city="San Diego, CA"
    )
    day = dt.date(2026, 12, 15)
    slots(otm, day=day + dt.timedelta(days=1), seats=[("08:00", 4)])
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "OTM"], language=language)])
    old = Appointment.objects.get(offer=offers[0])
    closure = closed(sys_, start=day, end=day + dt.timedelta(days=1), actor=planner)
    closure_rebook(closure_id=closure.pk, actor=JOB)
    new = Appointment.objects.select_related("port").get(rebooked_from=old)
    return old, new, closure


def offer_moved_away_from_first_port(
    frozen_clock: clock.FrozenClock, *, planner: Actor, language: str = "es"
) -> tuple[Offer, PortClosure]:
    """A group of 2 that ranked SYS then OTM (both in San Diego), selected for SYS on 15 December and not
    confirmed yet when SYS closed on 15 and 16 December: its open offer, moved to OTM on 16 December."""
    from cita.appointments.services.rebooking import closure_rebook
    from tests.factories.draws import port_with_slots

    sys_ = port_with_slots("SYS", slots=[("08:00", 40)], position=1, name="San Ysidro", city="San Diego, CA")
    otm = port_with_slots("OTM", slots=[], position=2, name="Otay Mesa", city="San Diego, CA")
    day = dt.date(2026, 12, 15)
    slots(otm, day=day + dt.timedelta(days=1), seats=[("08:00", 4)])
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "OTM"], language=language)], confirm=False)
    closure = closed(sys_, start=day, end=day + dt.timedelta(days=1), actor=planner)
    closure_rebook(closure_id=closure.pk, actor=JOB)
    return Offer.objects.select_related("port", "request").get(pk=offers[0].pk), closure
