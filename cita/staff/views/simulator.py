"""The planners' capacity simulator page: a bounded `cita.sim` run from a form, with its charts and tables:
the draws, and around them officers, the people seen, detention beds, removal flights, a caravan and shelters.

A GET form (a run changes nothing, and its address can be bookmarked or shared), working without
JavaScript. The run happens in the request, so its size is capped twice: by an estimate before it starts
(`cita.sim.cost`), and by a time budget while it runs. Larger runs belong to `cita simulate`, whose
scenario file the page shows for copying.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from cita.core.access import allow
from cita.core.actors import Role
from cita.ports.selectors import port_seats_a_day
from cita.sim import (
    Outcome,
    Scenario,
    ScenarioError,
    SimulationTooLarge,
    Summary,
    comparison_rows,
    scenario_from_mapping,
    simulate,
    summary_compute,
    summary_facts,
)
from cita.sim.cost import scenario_cost

if TYPE_CHECKING:
    from cita.sim.charts import Chart

# A run the page starts: at most this many entries read by all its draws (estimated; fast draws read about
# 3 million a second on a quiet machine of two cores, half that under load) …
PAGE_MAX_ENTRIES = 3_000_000
# … and stopped if it runs longer than this anyway (seconds of simulation, charts not counted).
PAGE_BUDGET_SECONDS = 4.0
PAGE_MAX_DAYS = 365
DEFAULT_PORTS = "SYS 300 30\nOTM 250 20\nCAL 150 8\nNOG 150 10\nDCL 100 4\nELP 250 18\nHID 100 6\nBRO 150 4"
_PORT_LINE = re.compile(r"([A-Za-z0-9]{1,8})\s+([0-9]+)(?:\s+([0-9]+(?:\.[0-9]+)?))?")
_OFFICERS_LINE = re.compile(r"([A-Za-z0-9]{1,8})\s+([0-9]+)")
_SHELTER_LINE = re.compile(
    r"([A-Za-z0-9]{1,8}(?:\s*,\s*[A-Za-z0-9]{1,8})*)\s+([^:,\n]{1,80}?)\s*:\s*([0-9]+)"
)
_STAY = re.compile(r"\s*([0-9]+)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*")


def _percent(
    label: str, initial: float | None, help_text: str, *, required: bool = True
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        initial=initial,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text=help_text,
        required=required,
    )


def _count(label: str, help_text: str = "", *, low: int = 0, high: int = 1_000_000) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=low, max_value=high, help_text=help_text)


class SimulatorForm(forms.Form):
    """The main parameters of a scenario; the rest keep the defaults of docs/simulator.md."""

    ports = forms.CharField(
        label="Ports and seats a day",
        initial=DEFAULT_PORTS,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 24, "spellcheck": "false"}),
        help_text="One port a line: code, seats a day, and optionally how often groups rank it "
        "(relative weight, 1 if left out). Example: SYS 300 30",
    )
    total_seats = forms.IntegerField(
        label="Total seats a day",
        required=False,
        min_value=1,
        max_value=100_000,
        help_text="If set, the ports' seats are scaled to this total, keeping their shares.",
    )
    slots = forms.IntegerField(
        label="Slots a port",
        initial=8,
        min_value=1,
        max_value=24,
        help_text="Each port's seats are split evenly over this many hourly slots from 08:00.",
    )
    reserve_percent = forms.IntegerField(
        label="Reserve for the longest waiting (%)",
        initial=10,
        min_value=0,
        max_value=100,
        help_text="Share of each slot's seats drawn first among the groups waiting longest.",
    )
    compare_reserve = forms.IntegerField(
        label="Compare with a reserve of (%)",
        required=False,
        min_value=0,
        max_value=100,
        help_text="Optional: runs the same scenario again with this reserve and shows the difference.",
    )
    horizon_days = forms.IntegerField(
        label="Days from draw to appointment", initial=14, min_value=1, max_value=60
    )
    arrivals = forms.IntegerField(
        label="New groups a day", initial=600, min_value=0, max_value=100_000, help_text="Average (Poisson)."
    )
    backlog = forms.IntegerField(
        label="Groups already waiting on day 0",
        initial=5000,
        min_value=0,
        max_value=1_000_000,
        help_text="Their first requests spread over the previous 60 days.",
    )
    ask_rate = _percent(
        "Chance a waiting group asks each day (%)", 80, "New groups always ask on their first day."
    )
    confirm_rate = _percent(
        "Chance a selected group confirms (%)",
        85,
        "The others decline or let the deadline pass; their seats go to a second chance.",
    )
    no_show_rate = _percent("No-shows among booked groups (%)", 5, "")
    leave_rate = _percent("Chance a waiting group gives up each day (%)", 2, "")
    urgent_share = _percent("Urgent groups among new groups (%)", 2, "Urgent groups are in tier 0.")
    closure_port = forms.CharField(
        label="Close a port (code)",
        required=False,
        max_length=8,
        help_text="Optional: a port of the list above.",
    )
    closure_from = forms.IntegerField(
        label="Closed from day",
        required=False,
        min_value=0,
        max_value=PAGE_MAX_DAYS,
        help_text="Day 0 is the first day of the run; announced that day.",
    )
    closure_days = forms.IntegerField(
        label="Closed for days", required=False, min_value=1, max_value=PAGE_MAX_DAYS
    )
    size_priority = forms.BooleanField(
        label="Priority for groups passed over for their size",
        required=False,
        help_text="Fairness policy: a group a draw passed over because too few seats were left for its whole "
        "family goes first (tier 0) in its next draws until it is selected.",
    )
    persons_per_shift = _count(
        "Persons one officer processes a shift",
        "Needed for officers per port and for moving officers.",
        low=1,
    )
    officers = forms.CharField(
        label="Officers per port",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 24, "spellcheck": "false"}),
        help_text="One port a line: code and officers a day, like: SYS 8. A port's seats are at most its "
        "officers × persons a shift.",
    )
    move_from = forms.CharField(
        label="Move officers from port (closed to traffic)", required=False, max_length=8
    )
    move_to = forms.CharField(label="… to process people at port", required=False, max_length=8)
    move_officers = _count("Officers moved", low=1, high=10_000)
    move_day = _count("Moved from day", high=PAGE_MAX_DAYS)
    move_days = _count("Moved for days", low=1, high=PAGE_MAX_DAYS)
    released = _percent(
        "Released (%)", None, "Shares of the people seen; the three add up to 100.", required=False
    )
    detained = _percent("Detained (%)", None, "They take detention beds for their stay.", required=False)
    removed = _percent("To be removed (%)", None, "They wait in detention beds for a flight.", required=False)
    beds = _count("Detention beds", "Leave empty for no limit.", high=10_000_000)
    stay_days = forms.CharField(
        label="Length of stay (days=weight, …)",
        required=False,
        initial="7=30, 14=40, 30=20, 60=10",
        help_text="How long detentions last: days, and how often, like 7=30, 14=40.",
    )
    when_full = forms.ChoiceField(
        label="When the beds are full",
        required=False,
        choices=[
            ("release", "Release with a notice to appear"),
            ("back_pressure", "Open fewer seats in the draws (back-pressure)"),
        ],
        initial="release",
    )
    flights_per_week = _count("Removal flights a week", high=100)
    seats_per_flight = _count("Persons a flight takes", high=10_000)
    caravan_people = _count(
        "Caravan: persons leaving", "Optional: one caravan (the command line takes several)."
    )
    caravan_leaves = _count("Leaving on day", high=PAGE_MAX_DAYS)
    caravan_travel_days = _count("Days until the first arrive", high=PAGE_MAX_DAYS)
    caravan_spread_days = _count("Arrivals spread over days", low=1, high=PAGE_MAX_DAYS)
    caravan_never_arrive = _percent("Never arriving (%)", None, "Dispersed on the way.", required=False)
    shelters = forms.CharField(
        label="Shelters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 32, "spellcheck": "false"}),
        help_text="One city a line: its ports, the city and its shelter places, like: SYS,OTM Tijuana: 3000. "
        "Groups wait in the city of their first-ranked port.",
    )
    days = forms.IntegerField(label="Days to simulate", initial=60, min_value=1, max_value=PAGE_MAX_DAYS)
    seed = forms.IntegerField(
        label="Random seed",
        initial=1,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The same seed gives the same run.",
    )

    FIELDSETS = (
        (
            "Capacity",
            (
                "ports",
                "total_seats",
                "slots",
                "reserve_percent",
                "compare_reserve",
                "horizon_days",
                "size_priority",
            ),
        ),
        ("Demand", ("arrivals", "backlog", "urgent_share")),
        ("Behaviour", ("ask_rate", "confirm_rate", "no_show_rate", "leave_rate")),
        ("Closure", ("closure_port", "closure_from", "closure_days")),
        (
            "Staffing",
            (
                "persons_per_shift",
                "officers",
                "move_from",
                "move_to",
                "move_officers",
                "move_day",
                "move_days",
            ),
        ),
        (
            "People seen, detention and removals",
            (
                "released",
                "detained",
                "removed",
                "beds",
                "stay_days",
                "when_full",
                "flights_per_week",
                "seats_per_flight",
            ),
        ),
        (
            "Caravan",
            (
                "caravan_people",
                "caravan_leaves",
                "caravan_travel_days",
                "caravan_spread_days",
                "caravan_never_arrive",
            ),
        ),
        ("Shelters", ("shelters",)),
        ("Run", ("days", "seed")),
    )
    # Fields that go together: all or none.
    TOGETHER = (
        (
            "move_from",
            ("move_from", "move_to", "move_officers", "move_day", "move_days"),
            "To move officers, give both ports, the officers, the first day and the number of days.",
        ),
        (
            "caravan_people",
            ("caravan_people", "caravan_leaves"),
            "A caravan needs its persons and the day they leave.",
        ),
        (
            "flights_per_week",
            ("flights_per_week", "seats_per_flight"),
            "Give the flights a week and the persons a flight takes.",
        ),
    )

    def clean_officers(self) -> dict[str, int]:
        """Officers per port code."""
        officers: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["officers"].splitlines(), start=1):
            if not line.strip():
                continue
            found = _OFFICERS_LINE.fullmatch(line.strip())
            if found is None:
                raise forms.ValidationError(
                    f"Line {number}: expected a port code and its officers, like: SYS 8."
                )
            officers[found.group(1).upper()] = int(found.group(2))
        return officers

    def clean_shelters(self) -> list[tuple[list[str], str, int]]:
        """(port codes, city, places) per line."""
        shelters = []
        for number, line in enumerate(self.cleaned_data["shelters"].splitlines(), start=1):
            if not line.strip():
                continue
            found = _SHELTER_LINE.fullmatch(line.strip())
            if found is None:
                raise forms.ValidationError(
                    f"Line {number}: expected the city's ports, the city and its places, like: "
                    "SYS,OTM Tijuana: 3000."
                )
            codes = [code.strip().upper() for code in found.group(1).split(",")]
            shelters.append((codes, found.group(2).strip(), int(found.group(3))))
        return shelters

    def clean_stay_days(self) -> dict[str, float]:
        """Length of stay → weight."""
        text = self.cleaned_data["stay_days"].strip()
        stays: dict[str, float] = {}
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            found = _STAY.fullmatch(part)
            if found is None:
                raise forms.ValidationError(f"{part!r}: expected days=weight, like 14=40.")
            stays[found.group(1)] = float(found.group(2))
        return stays

    def clean_ports(self) -> list[tuple[str, int, float]]:
        """The port lines: (code, seats, popularity)."""
        ports: list[tuple[str, int, float]] = []
        for number, line in enumerate(self.cleaned_data["ports"].splitlines(), start=1):
            if not line.strip():
                continue
            found = _PORT_LINE.fullmatch(line.strip())
            if found is None:
                raise forms.ValidationError(
                    f"Line {number} ({line.strip()[:30]!r}): expected a port code, its seats a day and "
                    "optionally a weight, like: SYS 300 30."
                )
            code, seats, weight = found.group(1).upper(), int(found.group(2)), float(found.group(3) or 1)
            if any(code == other for other, _, _ in ports):
                raise forms.ValidationError(f"Line {number}: port {code} is listed twice.")
            ports.append((code, seats, weight))
        if not ports:
            raise forms.ValidationError("List at least one port.")
        if len(ports) > 64:
            raise forms.ValidationError("List at most 64 ports.")
        if sum(seats for _, seats, _ in ports) == 0 and not self.data.get("total_seats"):
            raise forms.ValidationError("The ports have no seats at all.")
        return ports

    def clean(self) -> dict[str, Any]:
        """The scenario, checked by `cita.sim`, and small enough for the page."""
        data = super().clean() or {}
        if self.errors:
            return data
        closure = [data.get(f"closure_{name}") for name in ("port", "from", "days")]
        if any(value not in (None, "") for value in closure) and not all(
            value not in (None, "") for value in closure
        ):
            self.add_error(
                "closure_port", "To close a port, give its code, the first day and the number of days."
            )
            return data
        for field, names, message in self.TOGETHER:
            given = [data.get(name) not in (None, "") for name in names]
            if any(given) and not all(given):
                self.add_error(field, message)
                return data
        try:
            scenario = scenario_from_mapping(self.mapping(data), name="planner page")
        except ScenarioError as exc:
            where = exc.field or ""
            target = (
                "officers"
                if where.endswith(".officers")
                else _FIELD_OF.get(where.split("[")[0].split(".")[0])
            )
            self.add_error(target, f"{where}: {exc.message}")
            return data
        runs = 1 if data.get("compare_reserve") is None else 2
        cost = scenario_cost(scenario) * runs
        if cost > PAGE_MAX_ENTRIES:
            self.add_error(
                None,
                f"This run is too large for the page: its draws would read about {cost:,} entries, and the "
                f"page runs up to {PAGE_MAX_ENTRIES:,}. Simulate fewer days, fewer groups (new or waiting), "
                "a lower chance of asking, or run it with the command line: save the scenario below as "
                "scenario.json and run: cita simulate scenario.json --out results",
            )
        data["scenario"] = scenario
        return data

    def mapping(self, data: dict[str, Any]) -> dict[str, Any]:
        """The scenario fields (docs/simulator.md) the form's values stand for."""
        ports: list[tuple[str, int, float]] = data["ports"]
        total = data.get("total_seats")
        if total:
            listed = sum(seats for _, seats, _ in ports)
            if listed:
                scaled = [seats * total // listed for _, seats, _ in ports]
            else:
                scaled = [total // len(ports)] * len(ports)
            for number in range(total - sum(scaled)):  # the remainder, one seat each from the first port
                scaled[number % len(ports)] += 1
            ports = [(code, seats, weight) for (code, _, weight), seats in zip(ports, scaled, strict=True)]
        mapping: dict[str, Any] = {
            "days": data["days"],
            "seed": data["seed"],
            "horizon_days": data["horizon_days"],
            "reserve_percent": data["reserve_percent"],
            "ask_rate": float(data["ask_rate"]) / 100,
            "confirm_rate": float(data["confirm_rate"]) / 100,
            "no_show_rate": float(data["no_show_rate"]) / 100,
            "leave_rate": float(data["leave_rate"]) / 100,
            "ports": [
                {"code": code, "seats": seats, "slot_count": data["slots"], "popularity": weight}
                for code, seats, weight in ports
            ],
            "arrivals": {"per_day": data["arrivals"], "urgent_share": float(data["urgent_share"]) / 100},
            "initial_backlog": {"groups": data["backlog"], "max_age_days": 60},
        }
        if data.get("closure_port"):
            mapping["closures"] = [
                {
                    "port": data["closure_port"].upper(),
                    "from": data["closure_from"],
                    "days": data["closure_days"],
                }
            ]
        mapping["size_priority"] = bool(data.get("size_priority"))
        self._pipeline(data, mapping)
        return mapping

    def _pipeline(self, data: dict[str, Any], mapping: dict[str, Any]) -> None:
        """Officers, the people seen, beds, flights, a caravan and shelters, as scenario fields."""
        ports = {port["code"]: port for port in mapping["ports"]}
        staffing: dict[str, Any] = {}
        if data.get("persons_per_shift"):
            staffing["persons_per_shift"] = data["persons_per_shift"]
        for code, officers in (data.get("officers") or {}).items():
            # An unknown port is refused by the scenario's own check (ports[n] names it).
            ports.setdefault(code, {"code": code})["officers"] = officers
        if data.get("move_from"):
            staffing["moves"] = [
                {
                    "officers": data["move_officers"],
                    "from_port": data["move_from"].upper(),
                    "to_port": data["move_to"].upper(),
                    "from": data["move_day"],
                    "days": data["move_days"],
                }
            ]
        if staffing:
            mapping["staffing"] = staffing
        shares = [data.get(name) for name in ("released", "detained", "removed")]
        if any(share is not None for share in shares):
            released, detained, removed = (float(share or 0) / 100 for share in shares)
            mapping["outcomes"] = {"released": released, "detained": detained, "removed": removed}
            mapping["detention"] = {"when_full": data.get("when_full") or "release"}
            if data.get("beds") is not None:
                mapping["detention"]["beds"] = data["beds"]
            if data.get("stay_days"):
                mapping["detention"]["stay_days"] = data["stay_days"]
            if data.get("flights_per_week") is not None:
                mapping["removals"] = {
                    "flights_per_week": data["flights_per_week"],
                    "seats_per_flight": data["seats_per_flight"],
                }
        if data.get("caravan_people"):
            caravan: dict[str, Any] = {"people": data["caravan_people"], "leaves": data["caravan_leaves"]}
            for field, key in (
                ("caravan_travel_days", "travel_days"),
                ("caravan_spread_days", "spread_days"),
            ):
                if data.get(field) is not None:
                    caravan[key] = data[field]
            if data.get("caravan_never_arrive") is not None:
                caravan["never_arrive"] = float(data["caravan_never_arrive"]) / 100
            mapping["caravans"] = [caravan]
        shelters = data.get("shelters") or []
        if shelters:
            mapping["shelters"] = []
            for codes, city, places in shelters:
                for code in codes:
                    ports.setdefault(code, {"code": code})["city"] = city
                mapping["shelters"].append({"city": city, "capacity": places})
        mapping["ports"] = list(ports.values())


# Which form field a scenario error is about (by the scenario field's first name).
_FIELD_OF = {
    "ports": "ports",
    "size_priority": "size_priority",
    "staffing": "move_from",
    "outcomes": "released",
    "detention": "beds",
    "removals": "flights_per_week",
    "caravans": "caravan_people",
    "shelters": "shelters",
    "closures": "closure_port",
    "arrivals": "arrivals",
    "initial_backlog": "backlog",
    "days": "days",
    "seed": "seed",
    "horizon_days": "horizon_days",
    "reserve_percent": "reserve_percent",
}


@dataclass(frozen=True)
class ChartView:
    """A chart as the template shows it."""

    title: str
    svg: SafeString
    caption: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class RunView:
    """One run: its summary (figures and their wording) and charts."""

    label: str
    summary: Summary
    facts: list[tuple[str, str]]
    charts: list[ChartView]


@allow(Role.PLANNER, Role.ADMIN)
@require_GET
def simulator(request: HttpRequest) -> HttpResponse:
    """The form; with `run` in the query, the run's summary, charts and tables (or what to change)."""
    if "run" not in request.GET:
        # The ports configured here (their seats a day over the weekly template), not a fixed example.
        configured = [(code, seats) for code, seats in port_seats_a_day() if seats > 0]
        initial = {"ports": "\n".join(f"{code} {seats}" for code, seats in configured)} if configured else {}
        return _render(request, SimulatorForm(initial=initial))
    form = SimulatorForm(request.GET)
    if not form.is_valid():
        return _render(request, form, status=400, scenario=form.cleaned_data.get("scenario"))
    scenario: Scenario = form.cleaned_data["scenario"]
    compare_reserve = form.cleaned_data.get("compare_reserve")
    try:
        outcome = simulate(scenario, budget_seconds=PAGE_BUDGET_SECONDS)
        other = None
        if compare_reserve is not None:
            variant = scenario_from_mapping(
                {
                    **scenario.to_mapping(),
                    "reserve_percent": compare_reserve,
                    "name": f"reserve {compare_reserve} %",
                },
            )
            other = simulate(variant, budget_seconds=PAGE_BUDGET_SECONDS)
    except SimulationTooLarge as exc:
        form.add_error(
            None,
            f"The run {exc}. Make it smaller, or run it with the command line (scenario below).",
        )
        return _render(request, form, status=400, scenario=scenario)
    from cita.sim.charts import backlog_comparison_chart, charts_make  # matplotlib: only to show a run

    runs = [_run_view(outcome, label="A" if other else "", charts=charts_make(outcome, prefix="a"))]
    differences: list[tuple[str, str, str, str, str]] = []
    comparison = None
    if other is not None:
        runs.append(_run_view(other, label="B", charts=charts_make(other, prefix="b")))
        differences = comparison_rows(runs[0].summary, runs[1].summary)
        comparison = _chart_view(backlog_comparison_chart(outcome, other, prefix="ab"))
    return _render(
        request, form, scenario=scenario, runs=runs, differences=differences, comparison=comparison
    )


def _run_view(outcome: Outcome, *, label: str, charts: list[Chart]) -> RunView:
    summary = summary_compute(outcome)
    return RunView(
        label=label,
        summary=summary,
        facts=summary_facts(summary),
        charts=[_chart_view(chart) for chart in charts],
    )


def _chart_view(chart: Chart) -> ChartView:
    return ChartView(
        title=chart.title,
        # Drawn by cita.sim.charts from numbers and its own wording, never from request text; ids prefixed.
        svg=mark_safe(chart.svg),  # noqa: S308
        caption=chart.table.caption,
        headers=chart.table.headers,
        rows=list(chart.table.rows),
    )


def _render(
    request: HttpRequest,
    form: SimulatorForm,
    *,
    status: int = 200,
    scenario: Scenario | None = None,
    runs: list[RunView] | None = None,
    differences: list[tuple[str, str, str, str, str]] | None = None,
    comparison: ChartView | None = None,
) -> HttpResponse:
    fieldsets = [(legend, [form[name] for name in names]) for legend, names in SimulatorForm.FIELDSETS]
    return render(
        request,
        "staff/simulator.html",
        {
            "form": form,
            "fieldsets": fieldsets,
            "runs": runs or [],
            "differences": differences or [],
            "comparison": comparison,
            "scenario_json": json.dumps(scenario.to_mapping(), indent=2) if scenario else "",
            "max_days": PAGE_MAX_DAYS,
            "max_entries": f"{PAGE_MAX_ENTRIES:,}",
        },
        status=status,
    )
