"""Charts of a run (matplotlib, no pyplot, no GUI): SVG that can stand inline in a page, PNG for files.

Each chart comes with the table of the numbers it draws, so that a reader who cannot see the picture (or
wants the figures) has them: the planner page shows the table beside the chart, files get a CSV.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from cita.sim.engine import DayMetrics, Outcome

# Colour-blind-safe (Okabe–Ito), and told apart by line style as well.
BLUE, ORANGE, GREEN, GREY = "#0072B2", "#D55E00", "#009E73", "#555555"
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
STYLES = ("-", "--", ":", "-.")
_SIZE = (7.2, 3.6)  # inches
_RC: dict[Any, Any] = {
    "svg.fonttype": "none",  # text stays text: smaller, and crisp at any size
    "svg.hashsalt": "cita-sim",  # ids from content, not from random numbers
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# rc_context changes matplotlib's global settings for its duration: one chart at a time per process.
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Table:
    """The numbers a chart draws: column headings and rows of text."""

    caption: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]

    def csv(self) -> str:
        """The table as CSV (the cells never hold commas or quotes)."""
        return "\n".join(",".join(row) for row in [self.headers, *self.rows]) + "\n"


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart: a file name stem, a title and a one-sentence description, the SVG and its table."""

    name: str
    title: str
    description: str
    svg: str
    table: Table
    figure: Figure

    def png(self) -> bytes:
        """The chart as PNG."""
        buffer = io.BytesIO()
        with _LOCK, matplotlib.rc_context(_RC):
            self.figure.savefig(buffer, format="png", dpi=110)
        return buffer.getvalue()


def charts_make(outcome: Outcome, *, prefix: str = "chart") -> list[Chart]:
    """The charts of a run: backlog, waiting times, seats per appointment day, served by group size; and,
    when the scenario has them, seats per port (officers), detention beds and the people in each city."""
    closures = _closure_spans(outcome)
    charts = [
        backlog_chart(outcome.days, prefix=f"{prefix}-backlog", closures=closures),
        waits_chart(outcome.waits, prefix=f"{prefix}-waits"),
        seats_chart(outcome.days, prefix=f"{prefix}-seats", closures=closures),
        sizes_chart(outcome, prefix=f"{prefix}-sizes"),
    ]
    scenario = outcome.scenario
    if scenario.staffing.persons_per_shift is not None and outcome.port_days:
        charts.append(ports_chart(outcome, prefix=f"{prefix}-port-seats", closures=closures))
    if scenario.outcomes and (scenario.detention is not None or scenario.removals is not None):
        charts.append(beds_chart(outcome, prefix=f"{prefix}-beds"))
    if outcome.cities:
        charts.append(cities_chart(outcome, prefix=f"{prefix}-cities"))
    return charts


def _closure_spans(outcome: Outcome) -> list[tuple[int, int, str]]:
    """(first day, last day, port) of each closure within the run (a move closes its port too)."""
    scenario = outcome.scenario
    spans = [(c.first_day, c.last_day, c.port) for c in scenario.closures]
    spans += [(m.first_day, m.last_day, m.from_port) for m in scenario.staffing.moves]
    return [
        (first, min(last, scenario.days - 1), port) for first, last, port in spans if first < scenario.days
    ]


def backlog_chart(
    days: Sequence[DayMetrics], *, prefix: str, closures: Sequence[tuple[int, int, str]] = ()
) -> Chart:
    """Groups waiting at the end of each day (closures shaded)."""
    title = "Backlog: groups waiting at the end of each day"
    x = [d.day for d in days]
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=_SIZE)
        axes = figure.subplots()
        _closures_shade(axes, closures)
        axes.plot(x, [d.waiting for d in days], color=BLUE, label="groups waiting")
        axes.plot(x, [d.arrivals for d in days], color=ORANGE, linestyle="--", label="new groups that day")
        axes.set_ylim(bottom=0)
        _axes_finish(figure, axes, xlabel=f"day of the run (day 0 = {days[0].date})", ylabel="groups")
        svg = _svg(figure)
    table = Table(
        caption=title,
        headers=(
            "day",
            "date",
            "groups waiting",
            "persons waiting",
            "new groups",
            "gave up",
            "waiting 90th pct (days)",
        ),
        rows=[
            (
                str(d.day),
                d.date,
                str(d.waiting),
                str(d.waiting_persons),
                str(d.arrivals),
                str(d.left),
                str(d.waiting_age_p90),
            )
            for d in days
        ],
    )
    description = (
        f"Groups waiting: {days[0].waiting:,} at the end of day 0, {days[-1].waiting:,} at the end of day "
        f"{days[-1].day}, {max(d.waiting for d in days):,} at the most."
    )
    return _chart("backlog", title, description, svg, table, figure, prefix=prefix)


def wait_bins(waits: Sequence[int]) -> list[tuple[int, int, int]]:
    """(first day, last day, groups) of at most about 25 equal bins covering every wait."""
    if not waits:
        return []
    longest = max(waits)
    width = max(1, -(-(longest + 1) // 25))
    counts = [0] * (longest // width + 1)
    for wait in waits:
        counts[wait // width] += 1
    return [(i * width, i * width + width - 1, count) for i, count in enumerate(counts)]


def waits_chart(waits: Sequence[int], *, prefix: str) -> Chart:
    """How many groups waited how long before the draw of the offer they confirmed."""
    title = "Waiting time: days from first request to the draw of the offer confirmed"
    bins = wait_bins(waits)
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=_SIZE)
        axes = figure.subplots()
        if bins:
            width = bins[0][1] - bins[0][0] + 1
            axes.bar([b[0] for b in bins], [b[2] for b in bins], width=width * 0.9, align="edge", color=BLUE)
        else:
            axes.text(0.5, 0.5, "no group was booked", ha="center", va="center", transform=axes.transAxes)
        _axes_finish(figure, axes, xlabel="days waited", ylabel="groups booked", legend=False)
        svg = _svg(figure)
    table = Table(
        caption=title,
        headers=("days waited", "groups"),
        rows=[(f"{a}" if a == b else f"{a}-{b}", str(n)) for a, b, n in bins],
    )
    if waits:
        ordered = sorted(waits)
        description = (
            f"{len(waits):,} groups booked; half waited {ordered[(len(ordered) - 1) // 2]} days or less, "
            f"the longest {ordered[-1]} days."
        )
    else:
        description = "No group was booked in this run."
    return _chart("waits", title, description, svg, table, figure, prefix=prefix)


def seats_chart(
    days: Sequence[DayMetrics], *, prefix: str, closures: Sequence[tuple[int, int, str]] = ()
) -> Chart:
    """Per appointment day drawn in the run: open seats, seats booked and seats used by those who came."""
    title = "Seats per appointment day: open, booked, used"
    held = [d for d in days if d.appointments_drawn]
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=_SIZE)
        axes = figure.subplots()
        _closures_shade(axes, closures)
        if held:
            x = [d.day for d in held]
            axes.plot(
                x, [d.appointment_seats - d.appointment_closed for d in held], color=GREY, label="open seats"
            )
            axes.plot(x, [d.booked_persons for d in held], color=BLUE, linestyle="--", label="booked")
            axes.plot(x, [d.attended_persons for d in held], color=GREEN, linestyle=":", label="used (came)")
            axes.set_ylim(bottom=0)
        else:
            axes.text(
                0.5,
                0.5,
                "no appointment day within the run",
                ha="center",
                va="center",
                transform=axes.transAxes,
            )
        _axes_finish(
            figure,
            axes,
            xlabel=f"day of the run (day 0 = {days[0].date})",
            ylabel="seats (persons)",
            legend=bool(held),
        )
        svg = _svg(figure)
    table = Table(
        caption=title,
        headers=("day", "date", "open seats", "closed", "booked", "used", "no-show", "unused"),
        rows=[
            (
                str(d.day),
                d.date,
                str(d.appointment_seats - d.appointment_closed),
                str(d.appointment_closed),
                str(d.booked_persons),
                str(d.attended_persons),
                str(d.no_show_persons),
                str(d.unused_seats),
            )
            for d in held
        ],
    )
    if held:
        open_seats = sum(d.appointment_seats - d.appointment_closed for d in held)
        used = sum(d.attended_persons for d in held)
        description = (
            f"Over {len(held)} appointment days, {used:,} of {open_seats:,} open seats were used "
            f"({sum(d.unused_seats for d in held):,} never booked, "
            f"{sum(d.no_show_persons for d in held):,} lost to no-shows)."
        )
    else:
        description = "The run is shorter than the horizon: no appointment day was drawn within it."
    return _chart("seats", title, description, svg, table, figure, prefix=prefix)


def sizes_chart(outcome: Outcome, *, prefix: str) -> Chart:
    """Share of the groups of each size served (that first asked in the first half of the run)."""
    title = "Served by group size: share of the groups that confirmed an offer"
    rows = [(size, groups, served) for size, groups, served in outcome.served_by_size if groups]
    singles = next((served / groups for size, groups, served in rows if size == 1), None)
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=_SIZE)
        axes = figure.subplots()
        if rows:
            axes.bar(
                [str(size) for size, _, _ in rows],
                [100 * served / groups for _, groups, served in rows],
                color=BLUE,
                label="served",
            )
            if singles is not None:
                axes.axhline(
                    90 * singles, color=ORANGE, linestyle="--", label="0.9 × the single travellers' share"
                )
        else:
            axes.text(0.5, 0.5, "no group to measure", ha="center", va="center", transform=axes.transAxes)
        axes.set_ylim(bottom=0)
        _axes_finish(
            figure,
            axes,
            xlabel=f"persons in the group (groups that first asked before day {outcome.cohort_day})",
            ylabel="served (%)",
            legend=bool(rows),
        )
        svg = _svg(figure)
    table = Table(
        caption=title,
        headers=("persons", "groups", "served", "share (%)", "× singles"),
        rows=[
            (
                str(size),
                str(groups),
                str(served),
                f"{100 * served / groups:.1f}",
                "-" if not singles else f"{served / groups / singles:.2f}",
            )
            for size, groups, served in rows
        ],
    )
    ratios = [served / groups / singles for _, groups, served in rows] if singles else []
    description = (
        f"The least served group size was served {min(ratios):.2f} times as often as single travellers."
        if ratios
        else "No group could be measured."
    )
    return _chart("sizes", title, description, svg, table, figure, prefix=prefix)


def ports_chart(outcome: Outcome, *, prefix: str, closures: Sequence[tuple[int, int, str]] = ()) -> Chart:
    """Open seats of each port per appointment day (officers, moves and closures included)."""
    title = "Seats per port and appointment day"
    ports = [port.code for port in outcome.scenario.ports]
    by_day: dict[int, dict[str, int]] = {}
    for row in outcome.port_days:
        by_day.setdefault(row.day, {})[row.port] = 0 if row.closed else row.seats
    days = sorted(by_day)
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=_SIZE)
        axes = figure.subplots()
        _closures_shade(axes, closures)
        for number, port in enumerate(ports):
            axes.plot(
                days,
                [by_day[day][port] for day in days],
                color=PALETTE[number % len(PALETTE)],
                linestyle=STYLES[number // len(PALETTE) % len(STYLES)],
                label=port,
            )
        axes.set_ylim(bottom=0)
        _axes_finish(
            figure,
            axes,
            xlabel=f"day of the run (day 0 = {outcome.days[0].date})",
            ylabel="open seats",
            legend=bool(days),
        )
        svg = _svg(figure)
    dates = {d.day: d.date for d in outcome.days}
    table = Table(
        caption=title,
        headers=("day", "date", *ports),
        rows=[(str(day), dates[day], *(str(by_day[day][port]) for port in ports)) for day in days],
    )
    ranges = [(port, [by_day[day][port] for day in days]) for port in ports]
    description = (
        "; ".join(f"{port}: {min(seats):,} to {max(seats):,} open seats a day" for port, seats in ranges)
        if days
        else "No appointment day within the run."
    )
    return _chart("port-seats", title, description, svg, table, figure, prefix=prefix)


def beds_chart(outcome: Outcome, *, prefix: str) -> Chart:
    """People held in detention at the end of each day: detained, awaiting removal, and the beds."""
    title = "Detention: people held at the end of each day"
    days = outcome.days
    detention = outcome.scenario.detention
    beds = detention.beds if detention is not None else None
    x = [d.day for d in days]
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=_SIZE)
        axes = figure.subplots()
        axes.plot(x, [d.beds_occupied for d in days], color=BLUE, label="held (both)")
        axes.plot(x, [d.beds_detained for d in days], color=GREEN, linestyle=":", label="detained")
        axes.plot(
            x, [d.beds_awaiting_removal for d in days], color=ORANGE, linestyle="--", label="awaiting removal"
        )
        if beds is not None:
            axes.axhline(beds, color=GREY, linestyle="-.", label="beds")
        axes.set_ylim(bottom=0)
        _axes_finish(figure, axes, xlabel=f"day of the run (day 0 = {days[0].date})", ylabel="persons")
        svg = _svg(figure)
    table = Table(
        caption=title,
        headers=(
            "day",
            "date",
            "detained",
            "awaiting removal",
            "held",
            "beyond the beds",
            "stays ended",
            "flown",
            "notice to appear",
        ),
        rows=[
            (
                str(d.day),
                d.date,
                str(d.beds_detained),
                str(d.beds_awaiting_removal),
                str(d.beds_occupied),
                str(d.beds_overflow),
                str(d.beds_freed),
                str(d.flown_persons),
                str(d.notice_to_appear_persons),
            )
            for d in days
        ],
    )
    peak = max(d.beds_occupied for d in days)
    capacity = "no bed limit" if beds is None else f"{beds:,} beds"
    description = f"At most {peak:,} persons held ({capacity}); {days[-1].beds_occupied:,} at the end."
    return _chart("beds", title, description, svg, table, figure, prefix=prefix)


def cities_chart(outcome: Outcome, *, prefix: str) -> Chart:
    """People waiting in each city of the ports, against its shelter places."""
    title = "People waiting in the cities of the ports, and shelter places"
    days = outcome.days
    x = [d.day for d in days]
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=_SIZE)
        axes = figure.subplots()
        for number, (city, capacity) in enumerate(zip(outcome.cities, outcome.city_capacity, strict=True)):
            colour = PALETTE[number % len(PALETTE)]
            axes.plot(x, [row[number] for row in outcome.city_persons], color=colour, label=_plain(city))
            if capacity:
                axes.axhline(capacity, color=colour, linestyle=":", linewidth=1)
        axes.set_ylim(bottom=0)
        _axes_finish(
            figure,
            axes,
            xlabel=f"day of the run (day 0 = {days[0].date}); dotted: shelter places",
            ylabel="persons waiting",
        )
        svg = _svg(figure)
    headers = ["day", "date"]
    for city in outcome.cities:
        headers += [f"{city}: waiting", f"{city}: outside"]
    table = Table(
        caption=title,
        headers=tuple(headers),
        rows=[
            (
                str(d.day),
                d.date,
                *(
                    cell
                    for persons, capacity in zip(row, outcome.city_capacity, strict=True)
                    for cell in (str(persons), str(max(0, persons - capacity)))
                ),
            )
            for d, row in zip(days, outcome.city_persons, strict=True)
        ],
    )
    outside = [max(0, p - c) for p, c in zip(outcome.city_persons[-1], outcome.city_capacity, strict=True)]
    description = (
        f"At the end, {sum(outcome.city_persons[-1]):,} persons wait in {len(outcome.cities)} cities, "
        f"{sum(outside):,} of them outside shelters."
    )
    return _chart("cities", title, description, svg, table, figure, prefix=prefix)


def backlog_comparison_chart(a: Outcome, b: Outcome, *, prefix: str = "compare") -> Chart:
    """The backlogs of two runs on one chart."""
    title = "Backlog of both runs: groups waiting at the end of each day"
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=_SIZE)
        axes = figure.subplots()
        axes.plot(
            [d.day for d in a.days],
            [d.waiting for d in a.days],
            color=BLUE,
            label=f"A: {_plain(a.scenario.name)}",
        )
        axes.plot(
            [d.day for d in b.days],
            [d.waiting for d in b.days],
            color=ORANGE,
            linestyle="--",
            label=f"B: {_plain(b.scenario.name)}",
        )
        _axes_finish(
            figure, axes, xlabel=f"day of the run (day 0 = {a.days[0].date})", ylabel="groups waiting"
        )
        svg = _svg(figure)
    rows = [
        (str(da.day), da.date, str(da.waiting), str(db.waiting))
        for da, db in zip(a.days, b.days, strict=False)
    ]
    table = Table(caption=title, headers=("day", "date", "A waiting", "B waiting"), rows=rows)
    description = f"At the end: A {a.days[-1].waiting:,} groups waiting, B {b.days[-1].waiting:,}."
    return _chart("backlog-comparison", title, description, svg, table, figure, prefix=prefix)


def _closures_shade(axes: Axes, closures: Sequence[tuple[int, int, str]]) -> None:
    """Shade each closure's days, labelled with the port."""
    for first, last, port in closures:
        axes.axvspan(first - 0.5, last + 0.5, color=GREY, alpha=0.15, linewidth=0)
        # x in days, y in the axes' height: the label sits at the top of the shaded band.
        axes.text(first, 0.98, f" {port} closed", transform=axes.get_xaxis_transform(), va="top", fontsize=8)


def _axes_finish(figure: Figure, axes: Axes, *, xlabel: str, ylabel: str, legend: bool = True) -> None:
    """Labels, grid, legend, and numbers with thousands separators."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    if legend:
        axes.legend(frameon=False, loc="best")
    figure.tight_layout()


def _chart(
    name: str, title: str, description: str, svg: str, table: Table, figure: Figure, *, prefix: str
) -> Chart:
    """A chart with its picture made fit to stand inline (see `_inline`)."""
    return Chart(
        name=name,
        title=title,
        description=description,
        svg=_inline(svg, prefix, title, description),
        table=table,
        figure=figure,
    )


def _svg(figure: Figure) -> str:
    """The figure as SVG text (no date in its metadata, so the same chart gives the same bytes)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


_ID = re.compile(r'\bid="([^"]+)"')


def _inline(svg: str, prefix: str, title: str, description: str) -> str:
    """SVG fit to stand inside an HTML page as well as in a file of its own.

    matplotlib's ids (`figure_1`, `p0123abcd`) are renamed `<prefix>-<n>` so that several charts share a
    page without clashing; its <style> element (which inline would apply to the whole page) and metadata
    go; the picture scales to its container (viewBox, no fixed size); and it gets a title and description
    for screen readers.
    """
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.S)
    names: dict[str, str] = {}
    for found in _ID.finditer(svg):
        names.setdefault(found.group(1), f"{prefix}-{len(names) + 1}")
    svg = _ID.sub(lambda m: f'id="{names[m.group(1)]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{names.get(m.group(1), m.group(1))})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{names.get(m.group(1), m.group(1))}"', svg)
    head_end = svg.index(">", svg.index("<svg")) + 1
    head = svg[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    head = head[:-1] + f' role="img" aria-labelledby="{prefix}-title {prefix}-desc">'
    return (
        f'{head}\n<title id="{prefix}-title">{_escape(title)}</title>\n'
        f'<desc id="{prefix}-desc">{_escape(description)}</desc>\n{svg[head_end:].lstrip()}'
    )


def _escape(text: str) -> str:
    """Text safe inside an SVG element."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> str:
    """Text matplotlib shows as it is (a `$` would start mathematical notation)."""
    return text.replace("$", r"\$")
