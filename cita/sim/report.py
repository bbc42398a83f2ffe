"""What a run amounts to: the summary (text and JSON) and the comparison of two runs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from cita.sim.engine import Outcome

TREND_DAYS = 30  # the backlog trend is measured over the last month of a run


@dataclass(frozen=True, slots=True)
class Stats:
    """Count, mean and percentiles (nearest rank: an actual value of the data) of a list of days."""

    count: int
    mean: float | None
    p50: int | None
    p90: int | None
    p99: int | None
    max: int | None

    @classmethod
    def of(cls, values: list[int]) -> Stats:
        """The statistics of `values` (all None but the count when there are none)."""
        if not values:
            return cls(count=0, mean=None, p50=None, p90=None, p99=None, max=None)
        data = np.asarray(values)
        p50, p90, p99 = (int(v) for v in np.percentile(data, (50, 90, 99), method="inverted_cdf"))
        return cls(
            count=len(values),
            mean=round(float(data.mean()), 2),
            p50=p50,
            p90=p90,
            p99=p99,
            max=int(data.max()),
        )


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures a planner reads first; `to_json()` gives them as one JSON object."""

    scenario: str
    seed: int
    days: int
    start: str
    end: str
    ports: int
    seats_per_day: int
    reserve_percent: int
    horizon_days: int
    initial_backlog: int
    arrived: int
    final: dict[str, int]
    backlog_start: int
    backlog_end: int
    backlog_peak: int
    backlog_peak_date: str
    backlog_mean: float
    backlog_trend_per_day: float
    drain_days: float | None
    wait: Stats
    still_waiting: Stats
    appointment_days: int
    seats_nominal: int
    seats_closed: int
    seats_booked: int
    seats_attended: int
    seats_no_show: int
    seats_unused: int
    rounds: int
    second_chance_rounds: int
    entries: int
    selected_persons: int
    reserve_persons: int
    second_chance_persons: int
    confirmed: int
    lapsed: int
    rebooked: int
    displaced: int
    seconds: float
    lottery_seconds: float

    @property
    def seats_open(self) -> int:
        """Seats of the appointment days held, less those closed."""
        return self.seats_nominal - self.seats_closed

    @property
    def booked_share(self) -> float | None:
        """Booked seats as a share of open seats."""
        return self.seats_booked / self.seats_open if self.seats_open else None

    def to_json(self) -> dict[str, Any]:
        """Every figure, as JSON values."""
        value = asdict(self)
        value["seats_open"] = self.seats_open
        value["booked_share"] = None if self.booked_share is None else round(self.booked_share, 4)
        return value


def summary_compute(outcome: Outcome) -> Summary:
    """The summary of a finished run."""
    scenario = outcome.scenario
    days = outcome.days
    waiting = [day.waiting for day in days]
    peak_at = int(np.argmax(waiting))
    trend = _trend(waiting[-TREND_DAYS:])
    held = [day for day in days if day.appointments_drawn]
    last = days[-1]
    return Summary(
        scenario=scenario.name,
        seed=scenario.seed,
        days=scenario.days,
        start=days[0].date,
        end=last.date,
        ports=len(scenario.ports),
        seats_per_day=scenario.seats_per_day,
        reserve_percent=scenario.reserve_percent,
        horizon_days=scenario.horizon_days,
        initial_backlog=scenario.backlog.groups,
        arrived=sum(day.arrivals for day in days),
        final={
            "waiting": last.waiting,
            "offered": last.offered,
            "booked": last.booked,
            "attended": last.attended_total,
            "no_show": last.no_show_total,
            "left": last.left_total,
        },
        backlog_start=scenario.backlog.groups,
        backlog_end=last.waiting,
        backlog_peak=waiting[peak_at],
        backlog_peak_date=days[peak_at].date,
        backlog_mean=round(float(np.mean(waiting)), 1),
        backlog_trend_per_day=round(trend, 1),
        drain_days=round(last.waiting / -trend, 1) if trend < 0 else None,
        wait=Stats.of(outcome.waits),
        still_waiting=Stats.of(outcome.waiting_ages),
        appointment_days=len(held),
        seats_nominal=sum(day.appointment_seats for day in held),
        seats_closed=sum(day.appointment_closed for day in held),
        seats_booked=sum(day.booked_persons for day in held),
        seats_attended=sum(day.attended_persons for day in held),
        seats_no_show=sum(day.no_show_persons for day in held),
        seats_unused=sum(day.unused_seats for day in held),
        rounds=outcome.draws,
        second_chance_rounds=sum(day.second_chance_rounds for day in days),
        entries=outcome.entries,
        selected_persons=sum(day.selected_persons for day in days),
        reserve_persons=sum(day.reserve_persons for day in days),
        second_chance_persons=sum(day.second_chance_persons for day in days),
        confirmed=sum(day.confirmed for day in days),
        lapsed=sum(day.lapsed for day in days),
        rebooked=sum(day.rebooked for day in days),
        displaced=sum(day.displaced for day in days),
        seconds=round(outcome.seconds, 3),
        lottery_seconds=round(outcome.lottery_seconds, 3),
    )


def _trend(values: list[int]) -> float:
    """The least-squares slope of `values` per day (0 for fewer than two days)."""
    if len(values) < 2:
        return 0.0
    slope, _ = np.polyfit(np.arange(len(values)), np.asarray(values, dtype=float), 1)
    return float(slope)


def _n(value: float | None) -> str:
    """A count with thousands separators; a dash for none."""
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _stats_text(stats: Stats) -> str:
    if not stats.count:
        return "none"
    return (
        f"mean {_n(stats.mean)}, median {_n(stats.p50)}, 90th percentile {_n(stats.p90)}, "
        f"99th percentile {_n(stats.p99)}, longest {_n(stats.max)}"
    )


def summary_facts(summary: Summary) -> list[tuple[str, str]]:
    """The summary as (label, value) pairs in plain words: the page shows them as a list, the text
    summary as lines."""
    s = summary
    final = s.final
    if s.drain_days is not None:
        drain = f"falling by {_n(-s.backlog_trend_per_day)} a day: empty in about {_n(s.drain_days)} days"
    elif s.backlog_trend_per_day > 0:
        drain = f"growing by {_n(s.backlog_trend_per_day)} a day: not draining"
    else:
        drain = "flat: not draining"
    share = f"{s.booked_share * 100:.1f} %" if s.booked_share is not None else "-"
    return [
        ("Scenario", f"{s.scenario} (seed {s.seed}), {s.days} days from {s.start} to {s.end}"),
        (
            "Capacity",
            f"{_n(s.seats_per_day)} seats a day over {s.ports} port{'' if s.ports == 1 else 's'}, "
            f"reserve {s.reserve_percent} %, "
            f"appointments {s.horizon_days} days after the draw",
        ),
        (
            "Groups",
            f"{_n(s.initial_backlog)} waiting at the start, {_n(s.arrived)} arrived; at the end "
            f"{_n(final['waiting'])} waiting, {_n(final['offered'])} holding an offer, "
            f"{_n(final['booked'])} booked, {_n(final['attended'])} attended, "
            f"{_n(final['no_show'])} no-show, {_n(final['left'])} gave up",
        ),
        (
            "Backlog (groups waiting)",
            f"start {_n(s.backlog_start)}, end {_n(s.backlog_end)}, peak {_n(s.backlog_peak)} on "
            f"{s.backlog_peak_date}, mean {_n(s.backlog_mean)}",
        ),
        (f"Backlog over the last {min(TREND_DAYS, s.days)} days", drain),
        (
            f"Days from first request to the draw of the offer confirmed ({_n(s.wait.count)} groups)",
            _stats_text(s.wait),
        ),
        (
            f"Days waited so far by the {_n(s.still_waiting.count)} groups still waiting",
            _stats_text(s.still_waiting),
        ),
        (
            f"Seats of the {s.appointment_days} appointment days drawn in the run",
            f"{_n(s.seats_nominal)} in the calendar, {_n(s.seats_closed)} closed, "
            f"{_n(s.seats_booked)} booked ({share} of open seats), {_n(s.seats_attended)} used, "
            f"{_n(s.seats_no_show)} lost to no-shows, "
            f"{_n(s.seats_unused)} never booked",
        ),
        (
            "Draws",
            f"{_n(s.rounds)} rounds computed by cita.lottery ({_n(s.second_chance_rounds)} second chances), "
            f"{_n(s.entries)} entries; persons selected: {_n(s.selected_persons)} in first rounds "
            f"({_n(s.reserve_persons)} by the reserve), {_n(s.second_chance_persons)} in second chances",
        ),
        ("Offers", f"{_n(s.confirmed)} confirmed, {_n(s.lapsed)} declined or expired"),
        (
            "Closures",
            f"{_n(s.rebooked)} groups rebooked, {_n(s.displaced)} displaced (tier 0 in their next draws)",
        ),
        ("Runtime", f"{s.seconds:.1f} s, of which cita.lottery {s.lottery_seconds:.1f} s"),
    ]


def summary_text(summary: Summary) -> str:
    """The summary as plain text, one `label: value` line each."""
    return "".join(f"{label}: {value}\n" for label, value in summary_facts(summary))


# (label, where the figure is in a summary) of each figure the comparison of two runs shows.
COMPARED: tuple[tuple[str, str], ...] = (
    ("backlog at the end (groups)", "backlog_end"),
    ("backlog peak (groups)", "backlog_peak"),
    ("backlog mean (groups)", "backlog_mean"),
    ("backlog trend (groups a day)", "backlog_trend_per_day"),
    ("groups booked", "wait.count"),
    ("wait mean (days)", "wait.mean"),
    ("wait median (days)", "wait.p50"),
    ("wait 90th percentile (days)", "wait.p90"),
    ("wait 99th percentile (days)", "wait.p99"),
    ("wait longest (days)", "wait.max"),
    ("still waiting: 90th percentile (days)", "still_waiting.p90"),
    ("still waiting: longest (days)", "still_waiting.max"),
    ("persons selected by the reserve", "reserve_persons"),
    ("seats booked", "seats_booked"),
    ("seats attended", "seats_attended"),
    ("seats unused", "seats_unused"),
    ("seats lost to no-shows", "seats_no_show"),
    ("groups who gave up", "final.left"),
    ("groups rebooked after closures", "rebooked"),
    ("groups displaced by closures", "displaced"),
)


@dataclass(frozen=True, slots=True)
class Difference:
    """One compared figure: its value in run A and run B, and B - A."""

    label: str
    key: str
    a: float | None
    b: float | None

    @property
    def change(self) -> float | None:
        """B - A."""
        return None if self.a is None or self.b is None else round(self.b - self.a, 2)

    @property
    def relative(self) -> float | None:
        """(B - A) / A, when A is not 0."""
        change = self.change
        return None if change is None or not self.a else round(change / self.a, 4)


def _figure(summary: Summary, key: str) -> float | None:
    value: Any = summary
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return None if value is None else float(value)


def compare(a: Summary, b: Summary) -> list[Difference]:
    """The figures of two runs side by side."""
    return [Difference(label=label, key=key, a=_figure(a, key), b=_figure(b, key)) for label, key in COMPARED]


def comparison_rows(a: Summary, b: Summary) -> list[tuple[str, str, str, str, str]]:
    """The comparison as text cells: figure, A, B, B - A, relative change."""
    rows = []
    for d in compare(a, b):
        change = d.change
        sign = "+" if change is not None and change > 0 else ""
        relative = "-" if d.relative is None else f"{d.relative * 100:+.1f} %"
        rows.append((d.label, _n(d.a), _n(d.b), "-" if change is None else f"{sign}{_n(change)}", relative))
    return rows


def comparison_text(a: Summary, b: Summary) -> str:
    """The comparison as an aligned plain-text table."""
    rows = [("", f"A: {a.scenario}", f"B: {b.scenario}", "B - A", "change"), *comparison_rows(a, b)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def comparison_json(a: Summary, b: Summary) -> dict[str, Any]:
    """The comparison as JSON: both scenarios' names and each figure's A, B, B - A and relative change."""
    return {
        "a": a.scenario,
        "b": b.scenario,
        "figures": [
            {"label": d.label, "key": d.key, "a": d.a, "b": d.b, "change": d.change, "relative": d.relative}
            for d in compare(a, b)
        ],
    }
