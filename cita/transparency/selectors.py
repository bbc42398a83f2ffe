"""What the transparency pages publish about draws: public facts only (never a sealed seed); and the recent
rates the planners' simulator is calibrated with (`cita simulate --from-db`), as sums only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.urls import reverse

from cita.core.days import reference_today
from cita.draws.models import Draw, DrawApplicant, DrawFile, DrawStatus, Request
from cita.draws.selectors import draw_file_names, draw_list_public
from cita.ports.models import Port
from cita.transparency.models import BacklogFigures, PortDayFigures

FILES = ("manifest.json", "entries.csv", "results.csv")


def draw_public(draw: Draw, *, files: list[str] | None = None) -> dict[str, Any]:
    """One draw as published: commitment from the start, seed and results once revealed."""
    present = draw_file_names(draw=draw) if files is None else files
    revealed = draw.status in (DrawStatus.PUBLISHED, DrawStatus.SKIPPED)
    return {
        "draw_id": draw.draw_id,
        "round": draw.round,
        "appointment_date": draw.appointment_date.isoformat(),
        "status": draw.status,
        "opens_at": draw.opens_at.isoformat(),
        "closes_at": draw.closes_at.isoformat(),
        "commitment": draw.commitment,
        "server_seed": draw.server_seed if revealed else None,
        "beacon": (
            {
                "source": draw.beacon_source,
                "round": draw.beacon_round,
                "value": draw.beacon_value if revealed else None,
            }
            if draw.beacon_round is not None
            else None
        ),
        "reserve_percent": draw.reserve_percent,
        "entries_sha256": draw.entries_sha256,
        "results_sha256": draw.results_sha256 if revealed else None,
        "entries": draw.entries_count,
        "seats": draw.seats,
        "selected": draw.selected_count if revealed else None,
        "published_at": draw.published_at.isoformat() if draw.published_at and revealed else None,
        "files": {
            name: settings.CITA_BASE_URL + reverse("transparency:draw_file", args=[draw.draw_id, name])
            for name in FILES
            if name in present
        },
    }


def draws_public(*, limit: int | None = None) -> list[dict[str, Any]]:
    """Every draw, newest first, as published."""
    rows = list(draw_list_public()[:limit] if limit else draw_list_public())
    names: dict[int, list[str]] = {}
    for draw_pk, name in DrawFile.objects.filter(draw__in=rows).values_list("draw_id", "name"):
        names.setdefault(draw_pk, []).append(name)
    return [draw_public(draw, files=names.get(draw.pk, [])) for draw in rows]


def _for_people(draw: Draw, published: dict[str, Any]) -> dict[str, Any]:
    """A draw as published, with the two days people know it by (for the pages, not draws.json)."""
    return {**published, "runs_on": draw.runs_on, "day": draw.appointment_date}


def _days(rows: list[Draw]) -> list[dict[str, Any]]:
    seconds = list(Draw.objects.filter(first__in=rows).order_by("round"))
    names: dict[int, list[str]] = {}
    for draw_pk, name in DrawFile.objects.filter(draw__in=rows + seconds).values_list("draw_id", "name"):
        names.setdefault(draw_pk, []).append(name)
    under: dict[int | None, list[dict[str, Any]]] = {}
    for draw in seconds:
        under.setdefault(draw.first_id, []).append(
            _for_people(draw, draw_public(draw, files=names.get(draw.pk, [])))
        )
    return [
        {
            "draw": _for_people(draw, draw_public(draw, files=names.get(draw.pk, []))),
            "second_chances": under.get(draw.pk, []),
        }
        for draw in rows
    ]


def draw_days_public(*, limit: int | None = None) -> list[dict[str, Any]]:
    """Each day's round-1 draw, newest first (`limit` days), with its second chances in order under it:
    `{"draw": …, "second_chances": […]}`, each as published plus `runs_on` and `day`."""
    firsts = Draw.objects.filter(round=1).order_by("-opens_at")
    return _days(list(firsts[:limit] if limit else firsts))


def draw_day_public(*, draw: Draw) -> dict[str, Any]:
    """One day's round-1 `draw` with its second chances, as `draw_days_public` gives each day."""
    return _days([draw])[0]


# -- figures: counts per port and day, backlog, outcomes ---------------------------------------------------

# Counts of people's outcomes below this (and above 0) are published as "fewer than 5": a detention or a
# removal at one port in a short period could otherwise point at someone known to be there.
SUPPRESS_BELOW = 5
# The figures job counts this many days back again (`services.figures_refresh_due`); older days are final.
RECOUNT_DAYS = 14
DAY_FIELDS = (
    "requests",
    "seats",
    "selections",
    "confirmations",
    "appointments",
    "check_ins",
    "people_checked_in",
    "no_shows",
    "cancelled",
    "rebooked",
)
OUTCOME_FIELDS = ("processed_released", "detained", "removed", "referred", "member_no_show")


@dataclass(frozen=True)
class Totals:
    """Counts summed over ports (a day) or over days (a port)."""

    key: object
    label: str
    values: dict[str, int]


def _sum(rows: Iterable[PortDayFigures], names: Sequence[str]) -> dict[str, int]:
    totals = dict.fromkeys(names, 0)
    for row in rows:
        for name in names:
            totals[name] += getattr(row, name)
    return totals


def figures_rows(*, start: dt.date, end: dt.date) -> list[PortDayFigures]:
    """Every stored port-day row in the range, by day then port order."""
    return list(
        PortDayFigures.objects.filter(day__range=(start, end))
        .select_related("port")
        .order_by("day", "port__position", "port__code")
    )


def figures_by_day(*, rows: Sequence[PortDayFigures], start: dt.date, end: dt.date) -> list[Totals]:
    """One line per day of the range (every port together); days with no row count zero."""
    by_day: dict[dt.date, list[PortDayFigures]] = {}
    for row in rows:
        by_day.setdefault(row.day, []).append(row)
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    return [
        Totals(key=day, label=day.isoformat(), values=_sum(by_day.get(day, []), DAY_FIELDS + OUTCOME_FIELDS))
        for day in days
    ]


def figures_by_port(*, rows: Sequence[PortDayFigures]) -> list[Totals]:
    """One line per port (every day of the range together), in port order."""
    by_port: dict[int, list[PortDayFigures]] = {}
    for row in rows:
        by_port.setdefault(row.port_id, []).append(row)
    ports = Port.objects.filter(pk__in=by_port).order_by("position", "code")
    return [
        Totals(
            key=p.code, label=f"{p.name} ({p.code})", values=_sum(by_port[p.pk], DAY_FIELDS + OUTCOME_FIELDS)
        )
        for p in ports
    ]


def figures_computed_at(*, rows: Sequence[PortDayFigures]) -> dt.datetime | None:
    """When the oldest of these rows was counted (the figures are at least this fresh)."""
    return min((row.computed_at for row in rows), default=None)


@dataclass(frozen=True)
class PublicCount:
    """A count as published: the number, or None when it is suppressed (1 to 4)."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None


def suppress(value: int) -> PublicCount:
    """Small non-zero counts of people's outcomes are not published exactly."""
    return PublicCount(None if 0 < value < SUPPRESS_BELOW else value)


def outcome_month(*, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month whose outcomes are published on `today`: the latest
    whole month none of whose days can be counted again.

    Outcomes are published over fixed calendar months only, never a rolling window: two windows that
    overlap (the last 30 days today and tomorrow) differ by a day or two, and their difference would give
    a suppressed count away. Months never overlap, and a month's figures do not change once published, so
    no difference of published figures is a count of fewer than 5 (docs/staff.md)."""
    last_final = today - dt.timedelta(days=RECOUNT_DAYS + 1)
    if (last_final + dt.timedelta(days=1)).day == 1:
        end = last_final
    else:
        end = last_final.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def outcomes_public(*, rows: Sequence[PortDayFigures]) -> list[tuple[str, list[PublicCount]]]:
    """Outcomes of people per port over the whole range, small counts suppressed, and no totals (a total
    beside a suppressed cell would give it away)."""
    return [
        (port.label, [suppress(port.values[name]) for name in OUTCOME_FIELDS])
        for port in figures_by_port(rows=rows)
    ]


@dataclass(frozen=True)
class SizeRow:
    """Round-1 entries of one group size over a range of draws, and how many of them a round selected."""

    label: str
    entered: int
    selected: int

    @property
    def percent(self) -> int | None:
        """The share selected, in whole percent (None with no entry)."""
        return round(100 * self.selected / self.entered) if self.entered else None


LARGEST_SIZE_SHOWN = 6


def selection_by_group_size(*, start: dt.date, end: dt.date) -> list[SizeRow]:
    """Per group size (1 to 5, then 6 or more): the requests entered in the draws opened from `start` to
    `end` (draw days, published ones) and how many of them a round of their day selected. Public facts:
    every draw's entries.csv and results.csv hold them."""
    rows = (
        Request.objects.filter(
            draw__round=1,
            draw__status=DrawStatus.PUBLISHED,
            draw__draw_id__gte=start.isoformat(),
            draw__draw_id__lte=end.isoformat(),
            withdrawn_at__isnull=True,
        )
        .values("group_size")
        .annotate(entered=Count("id"), selected=Count("offer"))
    )
    entered: dict[int, int] = {}
    selected: dict[int, int] = {}
    for row in rows:
        size = min(row["group_size"], LARGEST_SIZE_SHOWN)
        entered[size] = entered.get(size, 0) + row["entered"]
        selected[size] = selected.get(size, 0) + row["selected"]
    return [
        SizeRow(
            label=f"{size}+" if size == LARGEST_SIZE_SHOWN else str(size),
            entered=entered[size],
            selected=selected[size],
        )
        for size in sorted(entered)
    ]


def backlog_latest() -> BacklogFigures | None:
    """The latest count of the groups waiting."""
    return BacklogFigures.objects.order_by("-day").first()


# -- the simulator's calibration: the last days' rates, as aggregates --------------------------------------

CALIBRATION_DAYS = 30


@dataclass(frozen=True)
class RecentRates:
    """What the last days of the system amount to, for `cita simulate --from-db` (docs/simulator.md).

    Counts over the appointment days from `first` to `last` (the figures job's rows) and the groups whose
    first request fell in those days: no person, no ticket, nothing but sums.
    """

    first: dt.date
    last: dt.date
    offers: int  # made for those days, every round
    confirmed: int
    held: int  # appointments that were checked in or missed
    no_shows: int
    released: int  # persons: processed and released, or referred
    detained: int
    removed: int
    new_groups: int
    seats: dict[str, int]  # port code → seats over the days

    @property
    def days(self) -> int:
        """Days in the window."""
        return (self.last - self.first).days + 1

    @property
    def confirm_rate(self) -> float | None:
        """Offers confirmed among offers made (None without offers)."""
        return self.confirmed / self.offers if self.offers else None

    @property
    def no_show_rate(self) -> float | None:
        """Appointments missed among those held (None without any)."""
        return self.no_shows / self.held if self.held else None

    @property
    def seen(self) -> int:
        """Persons whose outcome was recorded (no-shows left out)."""
        return self.released + self.detained + self.removed


def recent_rates(*, today: dt.date | None = None, days: int = CALIBRATION_DAYS) -> RecentRates:
    """The `days` days before `today` (in the draws' time zone; today by the clock when None)."""
    today = today or reference_today()
    first, last = today - dt.timedelta(days=days), today - dt.timedelta(days=1)
    rows = PortDayFigures.objects.filter(day__range=(first, last))
    totals = rows.aggregate(
        offers=Sum("selections"),
        confirmed=Sum("confirmations"),
        check_ins=Sum("check_ins"),
        no_shows=Sum("no_shows"),
        released=Sum("processed_released"),
        referred=Sum("referred"),
        detained=Sum("detained"),
        removed=Sum("removed"),
    )
    count = {name: value or 0 for name, value in totals.items()}
    seats = dict(rows.values_list("port__code").annotate(total=Sum("seats")).order_by("port__code"))
    arrived = DrawApplicant.objects.filter(waiting_since__range=(first, last))
    return RecentRates(
        first=first,
        last=last,
        offers=count["offers"],
        confirmed=count["confirmed"],
        held=count["check_ins"] + count["no_shows"],
        no_shows=count["no_shows"],
        released=count["released"] + count["referred"],
        detained=count["detained"],
        removed=count["removed"],
        new_groups=arrived.count(),
        seats={code: total or 0 for code, total in seats.items()},
    )
