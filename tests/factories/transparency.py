"""Builders of the transparency figures: the counts the job `transparency.figures` keeps per port and day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cita.draws.models import DrawApplicant
from cita.transparency.models import PortDayFigures
from tests.factories.ports import PortFactory
from tests.factories.registrations import registered_group

AT = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def figures(code: str, day: dt.date, **counts: Any) -> PortDayFigures:
    """One port-day of counts."""
    return PortDayFigures.objects.create(
        port=PortFactory.create(code=code), day=day, computed_at=AT, **counts
    )


def waiting_since(day: dt.date) -> DrawApplicant:
    """A registered group whose first request was on `day`."""
    return DrawApplicant.objects.create(applicant=registered_group(), waiting_since=day, first_request_at=AT)


def recent_history() -> None:
    """Two port-days inside November, two just outside, and four groups, three of them new in November."""
    figures(
        "SYS",
        dt.date(2026, 11, 1),
        seats=300,
        selections=100,
        confirmations=90,
        check_ins=80,
        no_shows=5,
        processed_released=150,
        referred=10,
        detained=30,
        removed=10,
        member_no_show=7,
    )
    figures(
        "ELP",
        dt.date(2026, 11, 30),
        seats=150,
        selections=50,
        confirmations=40,
        check_ins=35,
        no_shows=5,
        processed_released=60,
        detained=20,
        removed=20,
    )
    for day in (dt.date(2026, 10, 31), dt.date(2026, 12, 1)):
        figures(
            "SYS", day, seats=999, selections=999, confirmations=1, check_ins=1, no_shows=999, detained=999
        )
    for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 15), dt.date(2026, 11, 30), dt.date(2026, 10, 31)):
        waiting_since(day)
