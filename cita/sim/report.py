"""What a run amounts to: the summary (text and JSON) and the comparison of two runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
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

    @classmethod
    def of_counts(cls, counts: Mapping[int, int]) -> Stats:
        """The statistics of values given as value → how many times it occurs."""
        pairs = sorted((value, n) for value, n in counts.items() if n > 0)
        total = sum(n for _, n in pairs)
        if not total:
            return cls.of([])
        running = 0
        cumulative = []
        for value, n in pairs:
            running += n
            cumulative.append((running, value))

        def rank(q: float) -> int:
            # Nearest rank (numpy's "inverted_cdf"): the smallest value with at least q of the data at or
            # below it.
            need = q * total
            return next(value for seen, value in cumulative if seen >= need)

        return cls(
            count=total,
            mean=round(sum(value * n for value, n in pairs) / total, 2),
            p50=rank(0.5),
            p90=rank(0.9),
            p99=rank(0.99),
            max=pairs[-1][0],
        )


@dataclass(frozen=True, slots=True)
class SizeServed:
    """Groups of one size that first asked in the first half of the run, and how many confirmed an offer."""

    size: int
    groups: int
    served: int
    share: float | None  # served / groups
    ratio: float | None  # share / the single travellers' share


@dataclass(frozen=True, slots=True)
class PortSeats:
    """One port over the appointment days of the run."""

    port: str
    seats: int  # the officers' seats of every day, closed days included
    closed: int
    booked: int
    attended: int


@dataclass(frozen=True, slots=True)
class PeopleSeen:
    """What happened to the people seen (persons)."""

    seen: int
    released: int
    detained: int
    to_remove: int
    notice_to_appear: int


@dataclass(frozen=True, slots=True)
class BedsSummary:
    """Detention beds over the run: occupancy (detained and awaiting removal), and beyond the beds."""

    beds: int | None
    peak: int
    peak_date: str
    mean: float
    end: int
    days_full: int  # days ending with every bed taken
    overflow_days: int  # days ending with people held beyond the beds
    overflow_peak: int
    overflow_person_days: int
    notice_to_appear: int


@dataclass(frozen=True, slots=True)
class RemovalsSummary:
    """Removal flights over the run."""

    flight_seats: int
    flown: int
    wait: Stats  # days from the removal order to the flight, per person flown
    waiting_end: int  # persons still awaiting a flight at the end
    waiting_peak: int
    beds_mean: float  # beds held by people awaiting removal, mean over the days
    beds_peak: int


@dataclass(frozen=True, slots=True)
class CaravanSummary:
    """One caravan: persons leaving, and those who arrive, within the run or later."""

    name: str
    people: int
    groups: int
    arriving_persons: int  # not dispersed on the way
    arrived_persons: int  # within the run
    arrived_groups: int


@dataclass(frozen=True, slots=True)
class CitySummary:
    """The people waiting in one city of the ports: in its shelters and outside them."""

    city: str
    capacity: int
    peak: int
    peak_date: str
    outside_peak: int
    first_over: str | None  # the first day the people outnumbered the shelter places
    days_over: int
    end: int
    outside_end: int


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
    draws: str = "fast"
    seats_officer_short: int = 0
    seats_back_pressure: int = 0
    size_priority: bool = False
    passed_over: int = 0
    cohort_day: int = 0
    served_by_size: list[SizeServed] = field(default_factory=list)
    ports_seats: list[PortSeats] = field(default_factory=list)
    people: PeopleSeen | None = None
    beds: BedsSummary | None = None
    removals: RemovalsSummary | None = None
    caravans: list[CaravanSummary] = field(default_factory=list)
    cities: list[CitySummary] = field(default_factory=list)

    @property
    def size_ratio_lowest(self) -> float | None:
        """The lowest share served of a group size, as a multiple of the single travellers' share."""
        ratios = [row.ratio for row in self.served_by_size if row.ratio is not None]
        return min(ratios) if ratios else None

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
        value["size_ratio_lowest"] = self.size_ratio_lowest
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
        draws=scenario.draws,
        seats_officer_short=sum(day.officer_short_seats for day in held),
        seats_back_pressure=sum(day.back_pressure_seats for day in held),
        size_priority=scenario.size_priority,
        passed_over=sum(day.passed_over for day in days),
        cohort_day=outcome.cohort_day,
        served_by_size=_served_by_size(outcome),
        ports_seats=_ports_seats(outcome),
        people=_people(outcome),
        beds=_beds(outcome),
        removals=_removals(outcome),
        caravans=[
            CaravanSummary(
                name=c.name,
                people=c.people,
                groups=c.groups,
                arriving_persons=c.arriving_persons,
                arrived_persons=c.arrived_persons,
                arrived_groups=c.arrived_groups,
            )
            for c in outcome.caravans
        ],
        cities=_cities(outcome),
    )


def _served_by_size(outcome: Outcome) -> list[SizeServed]:
    """Fairness by group size (docs/simulator.md)."""
    rows = outcome.served_by_size
    singles = next((served / groups for size, groups, served in rows if size == 1 and groups), None)
    result = []
    for size, groups, served in rows:
        share = served / groups if groups else None
        ratio = share / singles if share is not None and singles else None
        result.append(
            SizeServed(
                size=size,
                groups=groups,
                served=served,
                share=None if share is None else round(share, 4),
                ratio=None if ratio is None else round(ratio, 3),
            )
        )
    return result


def _ports_seats(outcome: Outcome) -> list[PortSeats]:
    totals: dict[str, list[int]] = {port.code: [0, 0, 0, 0] for port in outcome.scenario.ports}
    for row in outcome.port_days:
        total = totals[row.port]
        total[0] += row.seats
        total[1] += row.seats if row.closed else 0
        total[2] += row.booked
        total[3] += row.attended
    return [
        PortSeats(port=port, seats=seats, closed=closed, booked=booked, attended=attended)
        for port, (seats, closed, booked, attended) in totals.items()
    ]


def _people(outcome: Outcome) -> PeopleSeen | None:
    if not outcome.scenario.outcomes:
        return None
    days = outcome.days
    return PeopleSeen(
        seen=sum(d.attended_persons for d in days),
        released=sum(d.released_persons for d in days),
        detained=sum(d.detained_persons for d in days),
        to_remove=sum(d.removal_persons for d in days),
        notice_to_appear=sum(d.notice_to_appear_persons for d in days),
    )


def _beds(outcome: Outcome) -> BedsSummary | None:
    scenario = outcome.scenario
    if not scenario.outcomes or (scenario.detention is None and scenario.removals is None):
        return None
    days = outcome.days
    beds = scenario.detention.beds if scenario.detention is not None else None
    occupied = [d.beds_occupied for d in days]
    peak_at = int(np.argmax(occupied))
    return BedsSummary(
        beds=beds,
        peak=occupied[peak_at],
        peak_date=days[peak_at].date,
        mean=round(float(np.mean(occupied)), 1),
        end=occupied[-1],
        days_full=sum(1 for n in occupied if beds is not None and n >= beds),
        overflow_days=sum(1 for d in days if d.beds_overflow),
        overflow_peak=max(d.beds_overflow for d in days),
        overflow_person_days=sum(d.beds_overflow for d in days),
        notice_to_appear=sum(d.notice_to_appear_persons for d in days),
    )


def _removals(outcome: Outcome) -> RemovalsSummary | None:
    scenario = outcome.scenario
    if not scenario.outcomes or scenario.removals is None:
        return None
    days = outcome.days
    waiting = [d.beds_awaiting_removal for d in days]
    return RemovalsSummary(
        flight_seats=sum(d.flight_seats for d in days),
        flown=sum(d.flown_persons for d in days),
        wait=Stats.of_counts(outcome.removal_waits),
        waiting_end=outcome.removal_waiting,
        waiting_peak=max(waiting),
        beds_mean=round(float(np.mean(waiting)), 1),
        beds_peak=max(waiting),
    )


def _cities(outcome: Outcome) -> list[CitySummary]:
    result = []
    days = outcome.days
    for number, (city, capacity) in enumerate(zip(outcome.cities, outcome.city_capacity, strict=True)):
        persons = [row[number] for row in outcome.city_persons]
        outside = [max(0, n - capacity) for n in persons]
        peak_at = int(np.argmax(persons))
        over = [day for day, n in zip(days, outside, strict=True) if n > 0]
        result.append(
            CitySummary(
                city=city,
                capacity=capacity,
                peak=persons[peak_at],
                peak_date=days[peak_at].date,
                outside_peak=max(outside),
                first_over=over[0].date if over else None,
                days_over=len(over),
                end=persons[-1],
                outside_end=outside[-1],
            )
        )
    return result


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


def _fine(value: float | None) -> str:
    """A compared figure: as `_n`, but small fractions (a ratio of 0.64) keep two decimals."""
    if value is not None and not float(value).is_integer() and abs(value) < 10:
        return f"{value:,.2f}"
    return _n(value)


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
    withheld = ""
    if s.seats_officer_short:
        withheld += f", {_n(s.seats_officer_short)} more the officers could not process"
    if s.seats_back_pressure:
        withheld += f", {_n(s.seats_back_pressure)} withheld by back-pressure (beds full)"
    computed = "computed by cita.lottery" if s.draws == "lottery" else "draw-v1's allocation with random keys"
    facts = [
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
            f"{_n(s.seats_unused)} never booked{withheld}",
        ),
        (
            "Draws",
            f"{_n(s.rounds)} rounds ({_n(s.second_chance_rounds)} second chances), {computed}, "
            f"{_n(s.entries)} entries; persons selected: {_n(s.selected_persons)} in first rounds "
            f"({_n(s.reserve_persons)} by the reserve), {_n(s.second_chance_persons)} in second chances",
        ),
        ("Offers", f"{_n(s.confirmed)} confirmed, {_n(s.lapsed)} declined or expired"),
        (
            "Closures",
            f"{_n(s.rebooked)} groups rebooked, {_n(s.displaced)} displaced (tier 0 in their next draws)",
        ),
    ]
    if len(s.ports_seats) > 1:
        facts.append(("Seats by port (the same days)", _ports_text(s.ports_seats)))
    facts.extend(_pipeline_facts(s))
    facts.append(_fairness_fact(s))
    allocation = "cita.lottery" if s.draws == "lottery" else "the allocation"
    facts.append(("Runtime", f"{s.seconds:.1f} s, of which {allocation} {s.lottery_seconds:.1f} s"))
    return facts


def _ports_text(ports: list[PortSeats]) -> str:
    parts = []
    for p in ports:
        closed = f", {_n(p.closed)} closed" if p.closed else ""
        parts.append(f"{p.port} {_n(p.seats)}{closed} ({_n(p.booked)} booked, {_n(p.attended)} used)")
    return "; ".join(parts)


def _pipeline_facts(s: Summary) -> list[tuple[str, str]]:
    """The people seen, beds, flights, caravans and shelters, when the scenario has them."""
    facts = []
    if s.people is not None:
        p = s.people
        nta = ""
        if p.notice_to_appear:
            nta = f"; {_n(p.notice_to_appear)} of them released with a notice to appear (no bed free)"
        facts.append(
            (
                "People seen",
                f"{_n(p.seen)} persons: {_n(p.released)} released, {_n(p.detained)} detained, "
                f"{_n(p.to_remove)} to be removed{nta}",
            )
        )
    if s.beds is not None:
        b = s.beds
        capacity = "no limit" if b.beds is None else f"{_n(b.beds)} beds"
        beyond = (
            f"; held beyond the beds on {_n(b.overflow_days)} days (peak {_n(b.overflow_peak)}, "
            f"{_n(b.overflow_person_days)} person-days)"
            if b.overflow_days
            else ""
        )
        full = f", every bed taken on {_n(b.days_full)} days" if b.beds is not None else ""
        facts.append(
            (
                "Detention (detained and awaiting removal)",
                f"{capacity}: peak {_n(b.peak)} on {b.peak_date}, mean {_n(b.mean)}, {_n(b.end)} at the end"
                f"{full}{beyond}",
            )
        )
    if s.removals is not None:
        r = s.removals
        facts.append(
            (
                "Removal flights",
                f"{_n(r.flight_seats)} seats, {_n(r.flown)} persons removed; days waited for a flight: "
                f"{_stats_text(r.wait)}; {_n(r.waiting_end)} still waiting at the end (peak "
                f"{_n(r.waiting_peak)}); beds held by people awaiting removal: mean {_n(r.beds_mean)}, peak "
                f"{_n(r.beds_peak)}",
            )
        )
    for c in s.caravans:
        facts.append(
            (
                f"Caravan {c.name}",
                f"{_n(c.people)} persons in {_n(c.groups)} groups; {_n(c.arriving_persons)} arrive (the rest "
                f"disperse on the way), {_n(c.arrived_persons)} of them ({_n(c.arrived_groups)} groups) "
                "within the run",
            )
        )
    for city in s.cities:
        if city.first_over is None:
            over = "never more people than places"
        else:
            over = (
                f"more people than places from {city.first_over}, on {_n(city.days_over)} days (peak "
                f"{_n(city.outside_peak)} outside)"
            )
        facts.append(
            (
                f"Waiting in {city.city}",
                f"{_n(city.capacity)} shelter places; people waiting: peak {_n(city.peak)} on "
                f"{city.peak_date}; {over}; at the end {_n(city.end)} ({_n(city.outside_end)} outside)",
            )
        )
    return facts


def _fairness_fact(s: Summary) -> tuple[str, str]:
    """Served by group size, in words."""
    parts = []
    for row in s.served_by_size:
        share = "-" if row.share is None else f"{row.share * 100:.1f} %"
        ratio = "" if row.ratio is None or row.size == 1 else f", {row.ratio:.2f} ×"
        parts.append(f"{row.size}: {share} of {_n(row.groups)}{ratio}")
    lowest = s.size_ratio_lowest
    policy = (
        f"; size priority on ({_n(s.passed_over)} groups passed over for their size got it)"
        if s.size_priority
        else "; size priority off"
    )
    summary = "" if lowest is None else f"; lowest {lowest:.2f} × the single travellers' share"
    return (
        f"Served by group size (groups that first asked before day {s.cohort_day}: share that confirmed "
        "an offer by the end)",
        ("; ".join(parts) or "no groups") + summary + policy,
    )


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
    ("seats the officers could not process", "seats_officer_short"),
    ("seats withheld by back-pressure", "seats_back_pressure"),
    ("lowest share served by group size (× singles)", "size_ratio_lowest"),
    ("detention: peak occupancy", "beds.peak"),
    ("detention: mean occupancy", "beds.mean"),
    ("detention: person-days beyond the beds", "beds.overflow_person_days"),
    ("released with a notice to appear (no bed)", "people.notice_to_appear"),
    ("removal flights: mean days waited", "removals.wait.mean"),
    ("still awaiting removal at the end", "removals.waiting_end"),
    ("people outside shelters at the end", "outside_end"),
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
    if key == "outside_end":
        return float(sum(city.outside_end for city in summary.cities)) if summary.cities else None
    value: Any = summary
    for part in key.split("."):
        if value is None:
            return None
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
        rows.append(
            (d.label, _fine(d.a), _fine(d.b), "-" if change is None else f"{sign}{_fine(change)}", relative)
        )
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
