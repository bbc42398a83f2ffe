"""Suppressed outcome counts cannot be recovered by differencing (issue 14, item 10). The public page is
read through the client on every day of five months, as someone saving it daily would; every pair of
published figures of the same port and outcome is then subtracted. A difference that equals the count of
some days (the days one period has and the other lacks, the other side counting 0) and is from 1 to 4
gives a suppressed count away; so does one period published with two different values."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re

import pytest
from django.test import Client

from cita.transparency.selectors import OUTCOME_FIELDS, SUPPRESS_BELOW
from tests.factories.transparency import figures

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2026, 8, 1), dt.date(2026, 12, 31)
PORTS = ("SYS", "ELP")


def history() -> dict[tuple[str, str, dt.date], int]:
    """Outcomes per port, field and day: mostly none, now and then 1 to 3 people, sometimes many; removals
    rare."""
    rng = random.Random(14)
    truth: dict[tuple[str, str, dt.date], int] = {}
    day = FIRST
    while day <= LAST:
        for code in PORTS:
            counts = {field: rng.choice((0, 0, 0, 0, 1, 2, 3, 12)) for field in OUTCOME_FIELDS}
            # Removals are rare: a month at a port often has 1 to 4 of them, which must stay hidden.
            counts["removed"] = 1 if rng.random() < 0.06 else 0
            figures(code, day, **counts)
            truth.update({(code, field, day): n for field, n in counts.items()})
        day += dt.timedelta(days=1)
    return truth


def published_on(client: Client) -> list[tuple[str, str, tuple[dt.date, dt.date], int | None]]:
    """Every outcome cell of the public page: port, field, period, value (None: "fewer than 5")."""
    html = client.get("/transparency/").content.decode()
    table = re.search(r'<table class="stats" data-period="([\d-]+)/([\d-]+)">(.*?)</table>', html, re.S)
    if table is None:
        return []
    period = (dt.date.fromisoformat(table.group(1)), dt.date.fromisoformat(table.group(2)))
    cells = []
    for label, row in re.findall(r'<tr><th scope="row">[^<]*\((\w+)\)</th>(.*?)</tr>', table.group(3), re.S):
        values = re.findall(r'<td class="num">(.*?)</td>', row)
        for field, value in zip(OUTCOME_FIELDS, values, strict=True):
            cells.append((label, field, period, None if value == "fewer than 5" else int(value)))
    return cells


def days(period: tuple[dt.date, dt.date]) -> set[dt.date]:
    start, end = period
    return {start + dt.timedelta(days=n) for n in range((end - start).days + 1)}


def test_no_difference_of_published_outcome_figures_reveals_a_suppressed_count(frozen_clock):
    truth = history()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    seen: set[tuple[str, str, tuple[dt.date, dt.date], int | None]] = set()
    day = FIRST
    while day <= LAST + dt.timedelta(days=45):
        frozen_clock.set(dt.datetime.combine(day, dt.time(20, 0), tzinfo=dt.UTC))
        seen.update(published_on(client))
        day += dt.timedelta(days=1)
    assert len({period for _c, _f, period, _v in seen}) >= 4  # several periods were published
    assert any(value is None for *_rest, value in seen)  # and some counts were suppressed
    for (code, field, p1, v1), (code2, field2, p2, v2) in itertools.combinations(sorted(seen, key=str), 2):
        if (code, field) != (code2, field2):
            continue
        if p1 == p2:
            assert v1 == v2, f"{code} {field} {p1} published as {v1} and as {v2}"
            continue
        if v1 is None or v2 is None:
            continue
        only_1 = sum(truth[(code, field, d)] for d in days(p1) - days(p2))
        only_2 = sum(truth[(code, field, d)] for d in days(p2) - days(p1))
        for hidden, other in ((only_1, only_2), (only_2, only_1)):
            # v1 - v2 == only_1 - only_2: with one side 0 the difference is the count of the other.
            assert not (other == 0 and 0 < hidden < SUPPRESS_BELOW), (
                f"{code} {field}: {p1} ({v1}) and {p2} ({v2}) differ by {abs(v1 - v2)}, a count of "
                "fewer than 5 people"
            )


def test_the_outcomes_of_a_whole_month_are_published_once_it_can_no_longer_change(frozen_clock):
    figures("SYS", dt.date(2026, 11, 3), detained=7, processed_released=2)
    figures("SYS", dt.date(2026, 12, 2), detained=9)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    frozen_clock.set(dt.datetime(2026, 12, 14, 20, 0, tzinfo=dt.UTC))  # November 30 is still recounted
    assert {period for _c, _f, period, _v in published_on(client)} <= {
        (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    }
    frozen_clock.set(dt.datetime(2026, 12, 15, 20, 0, tzinfo=dt.UTC))
    cells = published_on(client)
    assert ("SYS", "detained", (dt.date(2026, 11, 1), dt.date(2026, 11, 30)), 7) in cells
    assert ("SYS", "processed_released", (dt.date(2026, 11, 1), dt.date(2026, 11, 30)), None) in cells
    assert "from 2026-11-01 to 2026-11-30" in client.get("/transparency/").content.decode()
