"""What a run reports: one row of metrics a day, the ports' days, and the finished run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

from cita.lottery import Allocation, Manifest
from cita.sim.population import CaravanCount
from cita.sim.scenario import Scenario


@dataclass(frozen=True, slots=True)
class DrawRecord:
    """One computed round, exactly as `cita.lottery` saw it: enough to write and verify its bundle."""

    day: int  # the simulation day it ran
    round: int
    manifest: Manifest
    entries: bytes
    allocation: Allocation


Observer = Callable[[DrawRecord], None]


@dataclass(slots=True)
class DayMetrics:
    """What happened on one simulation day (one CSV row; docs/simulator.md explains each column)."""

    day: int
    date: str
    arrivals: int = 0
    caravan_groups: int = 0
    caravan_persons: int = 0
    left: int = 0
    asked: int = 0
    entered: int = 0
    draw_seats: int = 0
    selected: int = 0
    selected_persons: int = 0
    reserve_persons: int = 0
    passed_over: int = 0
    second_chance_rounds: int = 0
    second_chance_seats: int = 0
    second_chance_entries: int = 0
    second_chance_persons: int = 0
    confirmed: int = 0
    confirmed_persons: int = 0
    lapsed: int = 0
    lapsed_persons: int = 0
    rebooked: int = 0
    displaced: int = 0
    rebook_waited: int = 0
    appointments_drawn: int = 0
    appointment_seats: int = 0
    appointment_closed: int = 0
    officer_short_seats: int = 0
    back_pressure_seats: int = 0
    booked_persons: int = 0
    attended_persons: int = 0
    no_show_persons: int = 0
    unused_seats: int = 0
    released_persons: int = 0
    detained_persons: int = 0
    removal_persons: int = 0
    notice_to_appear_persons: int = 0
    beds_freed: int = 0
    flight_seats: int = 0
    flown_persons: int = 0
    beds_detained: int = 0
    beds_awaiting_removal: int = 0
    beds_occupied: int = 0
    beds_overflow: int = 0
    waiting: int = 0
    waiting_persons: int = 0
    offered: int = 0
    booked: int = 0
    attended_total: int = 0
    no_show_total: int = 0
    left_total: int = 0
    arrived_total: int = 0
    size_priority_groups: int = 0
    city_persons: int = 0
    sheltered_persons: int = 0
    outside_persons: int = 0
    waiting_age_p50: int = 0
    waiting_age_p90: int = 0
    waiting_age_max: int = 0


METRIC_FIELDS = tuple(f.name for f in fields(DayMetrics))


@dataclass(frozen=True, slots=True)
class PortDay:
    """One port on one appointment day of the run."""

    day: int
    port: str
    officers: int | None
    seats: int  # the port's seats that day (officers and moves included), closed or not
    closed: bool
    booked: int  # persons
    attended: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished run: the daily metrics and what the summary is computed from."""

    scenario: Scenario
    days: list[DayMetrics]
    waits: list[int]  # days from first request to the draw of the offer it confirmed, per booked group
    waiting_ages: list[int]  # days since first request of each group still waiting at the end
    seconds: float
    lottery_seconds: float
    draws: int
    entries: int
    cohort_day: int = 0  # groups whose first request was before this day are measured by size
    served_by_size: list[tuple[int, int, int]] = field(default_factory=list)  # size, groups, booked
    removal_waits: dict[int, int] = field(default_factory=dict)  # days waited for a flight → persons
    removal_waiting: int = 0  # persons still awaiting a flight at the end
    caravans: list[CaravanCount] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    city_capacity: list[int] = field(default_factory=list)
    city_persons: list[list[int]] = field(default_factory=list)  # per day, per city
    port_days: list[PortDay] = field(default_factory=list)
