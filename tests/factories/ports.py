from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from cita.ports.models import Port, SlotCapacity


class PortFactory(DjangoModelFactory[Port]):
    class Meta:
        model = Port
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: "".join(chr(65 + (n // 26**i) % 26) for i in (2, 1, 0)))
    name = factory.LazyAttribute(lambda o: f"Port {o.code}")
    city = "Border City"
    address = "1 Border Road"
    time_zone = "America/Los_Angeles"


class SlotCapacityFactory(DjangoModelFactory[SlotCapacity]):
    class Meta:
        model = SlotCapacity

    port = factory.SubFactory(PortFactory)
    day = dt.date(2026, 12, 15)
    slot = dt.time(8, 0)
    seats = 40
    left = factory.LazyAttribute(lambda o: o.seats)
