"""Reading ports and capacity."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet, Sum

from cita.ports.models import Port, SlotCapacity


def port_list(*, active_only: bool = True) -> QuerySet[Port]:
    """Ports in display order."""
    ports = Port.objects.all()
    return ports.filter(active=True) if active_only else ports


def capacity_for_day(*, day: dt.date) -> QuerySet[SlotCapacity]:
    """Every slot of every port on one day, in port then slot order."""
    return (
        SlotCapacity.objects.filter(day=day)
        .select_related("port")
        .order_by("port__position", "port__code", "slot")
    )


def capacity_totals(*, day: dt.date) -> dict[str, int]:
    """Seats and seats left on one day, over all ports."""
    totals = SlotCapacity.objects.filter(day=day).aggregate(seats=Sum("seats"), left=Sum("left"))
    return {"seats": totals["seats"] or 0, "left": totals["left"] or 0}
