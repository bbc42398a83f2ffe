"""Builders for the daily cycle: ports with seats on a day, an open draw, requests through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cita.appointments.models import Appointment
from cita.core import clock
from cita.core.actors import Actor, Role, system
from cita.draws.models import Draw, Request
from cita.draws.services import draw_open, request_submit
from cita.ports.models import Port, SlotCapacity
from cita.staff.models import User
from tests.factories.ports import PortFactory
from tests.factories.registrations import actor_for, registered_group

JOB = system("test")
# 2026-12-01 12:00 in Tijuana (UTC-8 in December): the default policy opens draw 2026-12-01 then,
# for appointments on 2026-12-15, and closes it on 2026-12-02 at 11:00 (19:00 UTC).
WINDOW_OPENS = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)
WINDOW_CLOSES = dt.datetime(2026, 12, 2, 19, 0, tzinfo=dt.UTC)
DRAW_DAY = dt.date(2026, 12, 1)
APPOINTMENT_DAY = dt.date(2026, 12, 15)


def port_with_slots(
    code: str,
    *,
    slots: Sequence[tuple[str, int]],
    day: dt.date = APPOINTMENT_DAY,
    position: int = 0,
    **extra: object,
) -> Port:
    """A port with the given (HH:MM, seats) slots on `day`."""
    port = PortFactory.create(code=code, position=position, **extra)
    for slot, seats in slots:
        SlotCapacity.objects.create(
            port=port, day=day, slot=dt.time.fromisoformat(slot), seats=seats, left=seats
        )
    return port


def san_ysidro_and_el_paso(*, seats: int = 3, day: dt.date = APPOINTMENT_DAY) -> tuple[Port, Port]:
    """The two ports most tests need: San Ysidro (first) and El Paso, one 08:00 slot of `seats` each."""
    return (
        port_with_slots(
            "SYS",
            slots=[("08:00", seats)],
            day=day,
            name="San Ysidro",
            city="San Diego, CA",
            address="720 E San Ysidro Blvd, San Diego, CA 92173",
            time_zone="America/Los_Angeles",
        ),
        port_with_slots(
            "ELP",
            slots=[("08:00", seats)],
            day=day,
            position=1,
            name="El Paso",
            city="El Paso, TX",
            address="1000 S El Paso St, El Paso, TX 79901",
            time_zone="America/Denver",
        ),
    )


def open_draw(frozen_clock: clock.FrozenClock, *, day: dt.date = DRAW_DAY) -> Draw:
    """Move the clock to the window's opening and open it."""
    frozen_clock.set(WINDOW_OPENS + dt.timedelta(days=(day - DRAW_DAY).days))
    return draw_open(day=day, actor=JOB)


def submitted(
    *,
    ports: Sequence[str],
    size: int = 1,
    language: str = "es",
    draw: Draw | None = None,
    **principal: object,
) -> Request:
    """A newly registered group of `size` people asking in the open draw (`principal`: the principal's
    fields, e.g. `given_names`)."""
    applicant = registered_group(size=size, language=language, **principal)
    return request_submit(applicant=applicant, ports=list(ports), actor=actor_for(applicant), draw=draw)


def staff_actor(user: User) -> Actor:
    """The actor of a signed-in staff member (MFA passed), as the middleware builds it."""
    return Actor(
        role=Role(user.role),
        user_id=user.pk,
        port_id=user.port_id,
        shelter_id=user.shelter_id,
        name=user.username,
    )


def appointments_made(
    frozen_clock: clock.FrozenClock,
    *,
    count: int = 1,
    size: int = 2,
    code: str = "SYS",
    names: Sequence[str] = (),
) -> list[Appointment]:
    """Groups that asked, were drawn and confirmed: their appointments (port `code`, 2026-12-15 08:00);
    `names` gives the principals' given names, in order."""
    from cita.appointments.services.offers import offer_confirm
    from cita.draws.models import Offer
    from cita.draws.services import draw_close

    if not Port.objects.filter(code=code).exists():
        port_with_slots(code, slots=[("08:00", 10 * count)])
    draw = open_draw(frozen_clock)
    requests = [
        submitted(ports=[code], size=size, draw=draw, **({"given_names": names[i]} if i < len(names) else {}))
        for i in range(count)
    ]
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offers = [Offer.objects.get(request=request) for request in requests]
    return [offer_confirm(offer=offer, actor=actor_for(offer.applicant)) for offer in offers]


def appointment_made(frozen_clock: clock.FrozenClock, *, size: int = 2, code: str = "SYS") -> Appointment:
    """One group's appointment, made through the whole cycle."""
    return appointments_made(frozen_clock, count=1, size=size, code=code)[0]
