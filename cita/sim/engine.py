"""The day-step simulation of the daily cycle (docs/daily-cycle.md), every draw computed by `cita.lottery`.

One simulated day `t`, in the order the real cycle meets them:

1. **Offers settle.** Offers made yesterday are confirmed (probability `confirm_rate`) or lapse (declined
   or expired): the group waits again and its seats go back to the slot and to its draw's next round.
2. **Closures announced today** take the port's seats away for the closed days. Appointments there are
   rebooked in their original allocation order on the earliest day (from tomorrow to `rebook_days` after
   the closure ends) with free seats at a port the group ranked, never displacing anyone; groups that
   cannot be placed wait again with tier 0 for their next `displaced_draws` draws.
3. **Appointments of day t**: each booked group comes, or is a no-show (probability `no_show_rate`).
4. **Groups**: waiting groups give up (probability `leave_rate`), new groups arrive (Poisson) and make their
   first request; every other waiting group asks again with probability `ask_rate`.
5. **Second chances**: each draw whose offers lapsed today runs its next round over exactly the seats
   given back, among its entries not selected yet that are free now (not asking in today's draw, holding
   no offer or appointment), while the round's offers can still settle before the appointment day.
6. **Round 1 of draw t** for appointment day `t + horizon_days`: the day's free seats at open ports, the
   entries of every group that asked, tier 0 for urgent or displaced groups, waiting_since = first request.

Draws are made the way `cita.draws` makes them: entries.csv bytes in draw-v1's canonical order (by
ticket), read by `cita.lottery.entries_from_bytes`, a manifest with a committed seed, and
`cita.lottery.draw_allocate`. Nothing of the allocation is re-implemented here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from time import perf_counter

import numpy as np
import numpy.typing as npt

from cita.lottery import (
    Allocation,
    Capacity,
    Manifest,
    commitment_compute,
    draw_allocate,
    entries_from_bytes,
)
from cita.sim.errors import InvariantBroken, SimulationTooLarge
from cita.sim.scenario import Scenario

WAITING, OFFERED, BOOKED, ATTENDED, NO_SHOW, LEFT = range(6)
STATES = ("waiting", "offered", "booked", "attended", "no_show", "left")
ENTRIES_HEADER = b"ticket,group_size,tier,waiting_since,ports\n"
_CHUNK = 100_000  # groups generated at once (bounds the size of the ranking noise matrix)

IntArray = npt.NDArray[np.int64]


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
    left: int = 0
    asked: int = 0
    entered: int = 0
    draw_seats: int = 0
    selected: int = 0
    selected_persons: int = 0
    reserve_persons: int = 0
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
    appointments_drawn: int = 0
    appointment_seats: int = 0
    appointment_closed: int = 0
    booked_persons: int = 0
    attended_persons: int = 0
    no_show_persons: int = 0
    unused_seats: int = 0
    waiting: int = 0
    waiting_persons: int = 0
    offered: int = 0
    booked: int = 0
    attended_total: int = 0
    no_show_total: int = 0
    left_total: int = 0
    arrived_total: int = 0
    waiting_age_p50: int = 0
    waiting_age_p90: int = 0
    waiting_age_max: int = 0


METRIC_FIELDS = tuple(f.name for f in fields(DayMetrics))


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


@dataclass(slots=True)
class _Chain:
    """The rounds of one day's draw: its round-1 entries, who was selected, seats the last round gave back."""

    first_day: int
    appointment_day: int
    draw_id: str
    entries: IntArray
    round: int = 1
    selected: set[int] = field(default_factory=set)
    released: dict[int, int] = field(default_factory=dict)  # slot → seats


class Simulation:
    """One run of a scenario; `run()` it, or `step()` a day at a time (tests look inside between steps)."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        observer: Observer | None = None,
        check: bool = False,
        budget_seconds: float | None = None,
    ) -> None:
        self.scenario = scenario
        self.observer = observer
        self.check = check
        self.budget_seconds = budget_seconds
        self.today = 0
        self.horizon = scenario.horizon_days
        seed = scenario.seed
        # One stream per kind of chance, so that changing one parameter (the reserve, a closure) leaves the
        # arrivals and each group's choices as they were wherever the runs have not diverged yet.
        self.rng_arrivals = np.random.default_rng([seed, 1])
        self.rng_asks = np.random.default_rng([seed, 2])
        self.rng_leaves = np.random.default_rng([seed, 3])
        self.rng_confirms = np.random.default_rng([seed, 4])
        self.rng_no_shows = np.random.default_rng([seed, 5])
        # Slots over all ports, in scenario order: a port's slots in their order (draw-v1 slot order).
        self.slot_port: list[str] = []
        self.slot_name: list[str] = []
        self.slot_seats: list[int] = []
        self.port_slots: dict[str, list[int]] = {}
        for port in scenario.ports:
            for slot in port.slots:
                self.port_slots.setdefault(port.code, []).append(len(self.slot_port))
                self.slot_port.append(port.code)
                self.slot_name.append(slot.name)
                self.slot_seats.append(slot.seats)
        self.slot_of = {
            (p, s): i for i, (p, s) in enumerate(zip(self.slot_port, self.slot_name, strict=True))
        }
        self.port_codes = [port.code for port in scenario.ports]
        weights = np.array([port.popularity for port in scenario.ports], dtype=float)
        with np.errstate(divide="ignore"):
            self.log_popularity = np.log(weights / weights.sum())
        self.ports_positive = int((weights > 0).sum())
        sizes = scenario.arrivals.group_sizes
        self.size_values = np.array([s for s, _ in sizes])
        self.size_p = np.array([w for _, w in sizes]) / sum(w for _, w in sizes)
        ranked = scenario.arrivals.ports_ranked
        self.ranked_values = np.minimum(np.array([k for k, _ in ranked]), self.ports_positive)
        self.ranked_p = np.array([w for _, w in ranked]) / sum(w for _, w in ranked)
        # Rankings: each distinct ranking once, as port codes and as its `ports` field of entries.csv.
        self.rankings: list[tuple[str, ...]] = []
        self.ranking_text: list[bytes] = []
        self.ranking_id: dict[bytes, int] = {}
        self.ranking_closed: dict[tuple[int, frozenset[str]], bytes | None] = {}
        # Groups, by id (= ticket number): columns that grow as groups arrive.
        self.count = 0
        self.state = np.zeros(0, dtype=np.int8)
        self.size = np.zeros(0, dtype=np.int16)
        self.arrival = np.zeros(0, dtype=np.int32)
        self.ranking = np.zeros(0, dtype=np.int32)
        self.urgent = np.zeros(0, dtype=bool)
        self.displaced = np.zeros(0, dtype=np.int16)
        self.waited = np.zeros(0, dtype=np.int32)
        self.heads: list[bytes] = []  # "ticket,group_size,tier,waiting_since," of the current tier
        self.lines: list[bytes] = []  # the whole entries.csv line with every port the group ranked
        # Offers and appointments: where each group holding one is, and in which allocation order.
        self.holding: dict[int, tuple[int, int]] = {}  # group → (appointment day, slot)
        self.sequence: dict[int, int] = {}  # group → allocation order over the whole run
        self.allocated = 0
        self.by_day: dict[int, set[int]] = {}  # appointment day → booked groups
        self.pending: list[tuple[int, _Chain, int]] = []  # offers made today: (group, chain, day drawn)
        self.chains: list[_Chain] = []  # chains with offers out today
        self.left_seats: dict[int, list[int]] = {}  # appointment day → free seats per slot
        self.closed: dict[int, set[str]] = {}  # day → ports announced closed that day
        self.closed_seats: dict[int, int] = {}
        self.attended_total = 0
        self.no_show_total = 0
        self.left_total = 0
        self.metrics: list[DayMetrics] = []
        self.seconds = 0.0
        self.lottery_seconds = 0.0
        self.observer_seconds = 0.0
        self.draws = 0
        self.entries_total = 0
        self.dates: dict[int, bytes] = {}
        self._backlog_add()

    # -- running -----------------------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Every day of the scenario, then the outcome."""
        while self.today < self.scenario.days:
            self.step()
        waiting = np.flatnonzero(self.state[: self.count] == WAITING)
        booked = np.flatnonzero(np.isin(self.state[: self.count], (BOOKED, ATTENDED, NO_SHOW)))
        return Outcome(
            scenario=self.scenario,
            days=self.metrics,
            waits=self.waited[booked].tolist(),
            waiting_ages=(self.scenario.days - 1 - self.arrival[waiting]).tolist(),
            seconds=self.seconds,
            lottery_seconds=self.lottery_seconds,
            draws=self.draws,
            entries=self.entries_total,
        )

    def step(self) -> DayMetrics:
        """Simulate the next day; returns its metrics."""
        started = perf_counter()
        observed = self.observer_seconds
        t = self.today
        day = DayMetrics(day=t, date=self.scenario.date_of(t).isoformat())
        self._offers_settle(day)
        for closure in self.scenario.closures:
            if closure.announced_day == t:
                self._closure_announce(day, port=closure.port, first=closure.first_day, last=closure.last_day)
        self._appointments_hold(day)
        self._leaves(day)
        self._arrivals(day)
        asked = self._asks(day)
        self._second_chances(day, asked=asked)
        self._round_one(day, asked=asked)
        self._day_close(day)
        self.metrics.append(day)
        self.today += 1
        if self.check:
            self.invariants_check()
        self.seconds += perf_counter() - started - (self.observer_seconds - observed)
        if (
            self.budget_seconds is not None
            and self.seconds > self.budget_seconds
            and self.today < self.scenario.days
        ):
            raise SimulationTooLarge(seconds=self.seconds, day=t, days=self.scenario.days)
        return day

    # -- groups ------------------------------------------------------------------------------------------

    def _backlog_add(self) -> None:
        """The groups already waiting on day 0, first requests spread over the last `max_age_days`."""
        backlog = self.scenario.backlog
        if backlog.groups:
            rng = np.random.default_rng([self.scenario.seed, 6])
            days = -rng.integers(1, backlog.max_age_days + 1, size=backlog.groups)
            self._groups_add(np.sort(days).astype(np.int32), rng)

    def _groups_add(self, arrival: npt.NDArray[np.int32], rng: np.random.Generator) -> None:
        """Add groups that made their first request on `arrival` (one day each), all waiting."""
        for start in range(0, len(arrival), _CHUNK):
            self._chunk_add(arrival[start : start + _CHUNK], rng)

    def _chunk_add(self, arrival: npt.NDArray[np.int32], rng: np.random.Generator) -> None:
        n = len(arrival)
        sizes = rng.choice(self.size_values, p=self.size_p, size=n)
        ranked = rng.choice(self.ranked_values, p=self.ranked_p, size=n)
        # Ports ranked by weighted sampling without replacement (popularity), as the Gumbel top-k: the
        # order of log(weight) + Gumbel noise is exactly that of drawing ports one by one by weight.
        keys = self.log_popularity + rng.gumbel(size=(n, len(self.port_codes)))
        order = np.argsort(-keys, axis=1, kind="stable")
        padded = np.where(np.arange(order.shape[1]) < ranked[:, None], order, -1).astype(np.int16)
        distinct, inverse = np.unique(padded, axis=0, return_inverse=True)
        ids = np.array([self._ranking_add(row) for row in distinct], dtype=np.int32)
        urgent = rng.random(n) < self.scenario.arrivals.urgent_share
        first, last = self.count, self.count + n
        self._grow(last)
        self.state[first:last] = WAITING
        self.size[first:last] = sizes
        self.arrival[first:last] = arrival
        self.ranking[first:last] = ids[inverse.reshape(-1)]
        self.urgent[first:last] = urgent
        self.count = last
        for group in range(first, last):
            self.heads.append(b"")
            self.lines.append(b"")
            self._line_make(group)

    def _ranking_add(self, row: npt.NDArray[np.int16]) -> int:
        """The id of a ranking given as port numbers padded with -1."""
        ports = tuple(self.port_codes[number] for number in row.tolist() if number >= 0)
        text = "|".join(ports).encode("ascii") + b"\n"
        number = self.ranking_id.get(text)
        if number is None:
            number = self.ranking_id[text] = len(self.rankings)
            self.rankings.append(ports)
            self.ranking_text.append(text)
        return number

    def _grow(self, size: int) -> None:
        """Make room for groups up to id `size`."""
        if size <= len(self.state):
            return
        room = max(size, 2 * len(self.state), 1024)
        for name in ("state", "size", "arrival", "ranking", "urgent", "displaced", "waited"):
            column = getattr(self, name)
            grown = np.zeros(room, dtype=column.dtype)
            grown[: len(column)] = column
            setattr(self, name, grown)

    def _date(self, day: int) -> bytes:
        """YYYY-MM-DD of a simulation day (negative: before the start), as entries.csv writes it."""
        text = self.dates.get(day)
        if text is None:
            text = self.dates[day] = self.scenario.date_of(day).isoformat().encode("ascii")
        return text

    def _line_make(self, group: int) -> None:
        """Write the group's entries.csv line for its current tier (draw-v1 §Bundle layout)."""
        tier = 0 if self.urgent[group] or self.displaced[group] > 0 else 1
        head = b"G%09d,%d,%d,%s," % (group, self.size[group], tier, self._date(int(self.arrival[group])))
        self.heads[group] = head
        self.lines[group] = head + self.ranking_text[self.ranking[group]]

    # -- one day -----------------------------------------------------------------------------------------

    def _offers_settle(self, day: DayMetrics) -> None:
        """Yesterday's offers: confirmed, or lapsed (the seats go back, to the draw's next round)."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        confirms = self.rng_confirms.random(len(pending)) < self.scenario.confirm_rate
        for (group, chain, drawn), confirmed in zip(pending, confirms.tolist(), strict=True):
            size = int(self.size[group])
            appointment, slot = self.holding[group]
            if confirmed:
                self.state[group] = BOOKED
                self.by_day.setdefault(appointment, set()).add(group)
                self.waited[group] = drawn - self.arrival[group]
                # Served: an urgent or displaced priority ends (docs/daily-cycle.md, step 6).
                if self.urgent[group] or self.displaced[group]:
                    self.urgent[group] = False
                    self.displaced[group] = 0
                    self._line_make(group)
                day.confirmed += 1
                day.confirmed_persons += size
            else:
                self.state[group] = WAITING
                del self.holding[group]
                self._seats(appointment)[slot] += size
                chain.released[slot] = chain.released.get(slot, 0) + size
                day.lapsed += 1
                day.lapsed_persons += size

    def _closure_announce(self, day: DayMetrics, *, port: str, first: int, last: int) -> None:
        """Close `port` on days first…last: its seats go, its appointments are rebooked or displaced."""
        affected: list[int] = []
        for closed in range(first, last + 1):
            if port in self.closed.setdefault(closed, set()):
                continue
            self.closed[closed].add(port)
            self.closed_seats[closed] = self.closed_seats.get(closed, 0) + sum(
                self.slot_seats[slot] for slot in self.port_slots[port]
            )
            seats = self.left_seats.get(closed)
            if seats is not None:
                for slot in self.port_slots[port]:
                    seats[slot] = 0
            if closed >= self.today:
                booked = self.by_day.get(closed, set())
                moved = [g for g in booked if self.slot_port[self.holding[g][1]] == port]
                booked.difference_update(moved)
                affected.extend(moved)
        # DESIGN "Closures and rebooking": original allocation order, earliest first, never displacing.
        for group in sorted(affected, key=self.sequence.__getitem__):
            placed = self._rebook(group, last=last + self.scenario.rebook_days)
            if placed is None:
                del self.holding[group]
                self.state[group] = WAITING
                self.displaced[group] = self.scenario.displaced_draws
                self._line_make(group)
                day.displaced += 1
            else:
                self.holding[group] = placed
                self.by_day.setdefault(placed[0], set()).add(group)
                day.rebooked += 1

    def _rebook(self, group: int, *, last: int) -> tuple[int, int] | None:
        """Take seats for a displaced group on the earliest day from tomorrow to `last` (the closure's end
        plus `rebook_days`), at a port it ranked, in its order, then any open port if the scenario allows
        (as cita.appointments' rebooking plan does); None when there is no room."""
        size = int(self.size[group])
        # Days before the first draw of the run (the warm-up) hold no simulated bookings: never used.
        days = range(max(self.today + 1, self.horizon), last + 1)
        choices = [self.rankings[self.ranking[group]]]
        if self.scenario.rebook_any_port:
            choices.append(tuple(self.port_codes))
        for ports in choices:
            for candidate in days:
                closed = self.closed.get(candidate, set())
                seats = self._seats(candidate)
                for port in ports:
                    if port in closed:
                        continue
                    for slot in self.port_slots[port]:
                        if seats[slot] >= size:
                            seats[slot] -= size
                            return candidate, slot
        return None

    def _appointments_hold(self, day: DayMetrics) -> None:
        """Today's appointments: each booked group comes or is a no-show; what nobody booked is unused."""
        t = self.today
        booked = sorted(self.by_day.pop(t, set()))
        seats = self.left_seats.pop(t, None)
        if t < self.horizon:
            return  # warm-up: no draw of the run was for this day
        nominal = sum(self.slot_seats)
        closed = self.closed_seats.get(t, 0)
        day.appointments_drawn = 1
        day.appointment_seats = nominal
        day.appointment_closed = closed
        no_show = self.rng_no_shows.random(len(booked)) < self.scenario.no_show_rate
        for group, absent in zip(booked, no_show.tolist(), strict=True):
            size = int(self.size[group])
            del self.holding[group]
            day.booked_persons += size
            if absent:
                self.state[group] = NO_SHOW
                day.no_show_persons += size
                self.no_show_total += 1
            else:
                self.state[group] = ATTENDED
                day.attended_persons += size
                self.attended_total += 1
        day.unused_seats = sum(seats) if seats is not None else nominal - closed

    def _leaves(self, day: DayMetrics) -> None:
        """Waiting groups that give up today."""
        if self.scenario.leave_rate <= 0:
            return
        waiting = np.flatnonzero(self.state[: self.count] == WAITING)
        gone = waiting[self.rng_leaves.random(len(waiting)) < self.scenario.leave_rate]
        self.state[gone] = LEFT
        day.left = len(gone)
        self.left_total += len(gone)

    def _arrivals(self, day: DayMetrics) -> None:
        """New groups: a Poisson number of them, each with its first request today."""
        mean = self.scenario.arrivals.mean_on(self.today)
        count = int(self.rng_arrivals.poisson(mean)) if mean > 0 else 0
        self._groups_add(np.full(count, self.today, dtype=np.int32), self.rng_arrivals)
        day.arrivals = count

    def _asks(self, day: DayMetrics) -> IntArray:
        """Groups asking in today's draw (ids ascending = tickets in draw-v1 order): every new group, and
        each other waiting group with probability `ask_rate`."""
        waiting = np.flatnonzero(self.state[: self.count] == WAITING)
        asks = (self.rng_asks.random(len(waiting)) < self.scenario.ask_rate) | (
            self.arrival[waiting] == self.today
        )
        asked: IntArray = waiting[asks]
        day.asked = len(asked)
        return asked

    def _second_chances(self, day: DayMetrics, *, asked: IntArray) -> None:
        """The next round of each draw whose offers gave seats back today (docs/daily-cycle.md, step 7)."""
        chains, self.chains = self.chains, []
        busy = np.zeros(self.count, dtype=bool)
        busy[asked] = True
        for chain in chains:
            released, chain.released = chain.released, {}
            # Its offers settle tomorrow, which must be before the appointment day.
            if chain.round >= self.scenario.rounds or self.today + 1 >= chain.appointment_day:
                continue
            closed = self.closed.get(chain.appointment_day, set())
            free = self._seats(chain.appointment_day)
            slots = self._open_slots(closed)
            seats = [min(released.get(slot, 0), free[slot]) for slot in slots]
            if sum(seats) == 0:
                continue  # skipped: nothing to draw, and so no further round
            entries = chain.entries[(self.state[chain.entries] == WAITING) & ~busy[chain.entries]]
            groups = [g for g in entries.tolist() if g not in chain.selected]
            chain.round += 1
            day.second_chance_rounds += 1
            day.second_chance_seats += sum(seats)
            lines = self._entry_lines(groups, closed)
            day.second_chance_entries += len(lines)
            if not lines:
                continue
            results = self._draw(
                draw_id=f"{chain.draw_id}-{chain.round}",
                round_number=chain.round,
                appointment_day=chain.appointment_day,
                slots=slots,
                seats=seats,
                lines=lines,
            )
            for group, slot, _ in results:
                day.second_chance_persons += self._offer(group, chain, slot)
            if results:
                self.chains.append(chain)

    def _round_one(self, day: DayMetrics, *, asked: IntArray) -> None:
        """Round 1 of today's draw, for the appointment day one horizon ahead."""
        appointment = self.today + self.horizon
        closed = self.closed.get(appointment, set())
        free = self._seats(appointment)
        slots = self._open_slots(closed)
        seats = [free[slot] for slot in slots]
        day.draw_seats = sum(seats)
        groups = asked.tolist()
        lines = self._entry_lines(groups, closed)
        if closed:
            # A group whose every ranked port is closed that day is not entered (daily-cycle.md, step 3).
            groups = [g for g in groups if self._ranked_open(g, closed)]
        day.entered = len(groups)
        chain = _Chain(
            first_day=self.today,
            appointment_day=appointment,
            draw_id=self.scenario.date_of(self.today).isoformat(),
            entries=np.array(groups, dtype=np.int64),
        )
        if lines and day.draw_seats:
            for group, slot, phase in self._draw(
                draw_id=chain.draw_id,
                round_number=1,
                appointment_day=appointment,
                slots=slots,
                seats=seats,
                lines=lines,
            ):
                persons = self._offer(group, chain, slot)
                day.selected += 1
                day.selected_persons += persons
                if phase == "reserve":
                    day.reserve_persons += persons
            if chain.selected:
                self.chains.append(chain)
        # A displaced group entered in this draw has one draw of priority less (cycle.py, freeze).
        entered = chain.entries
        counting = entered[self.displaced[entered] > 0]
        self.displaced[counting] -= 1
        for group in counting[self.displaced[counting] == 0].tolist():
            self._line_make(group)

    def _day_close(self, day: DayMetrics) -> None:
        """End-of-day counts."""
        counts = np.bincount(self.state[: self.count], minlength=len(STATES))
        waiting = np.flatnonzero(self.state[: self.count] == WAITING)
        day.waiting = int(counts[WAITING])
        day.offered = int(counts[OFFERED])
        day.booked = int(counts[BOOKED])
        day.attended_total = int(counts[ATTENDED])
        day.no_show_total = int(counts[NO_SHOW])
        day.left_total = int(counts[LEFT])
        day.arrived_total = self.count
        day.waiting_persons = int(self.size[waiting].sum())
        if len(waiting):
            ages = self.today - self.arrival[waiting]
            p50, p90 = np.percentile(ages, (50, 90), method="inverted_cdf")
            day.waiting_age_p50 = int(p50)
            day.waiting_age_p90 = int(p90)
            day.waiting_age_max = int(ages.max())

    # -- the draw ----------------------------------------------------------------------------------------

    def _seats(self, appointment: int) -> list[int]:
        """Free seats per slot of an appointment day (closed ports have none)."""
        seats = self.left_seats.get(appointment)
        if seats is None:
            closed = self.closed.get(appointment, set())
            seats = self.left_seats[appointment] = [
                0 if self.slot_port[slot] in closed else self.slot_seats[slot]
                for slot in range(len(self.slot_port))
            ]
        return seats

    def _open_slots(self, closed: set[str]) -> list[int]:
        """Slots of the ports open that day, in draw-v1 slot order."""
        return [slot for port in self.port_codes if port not in closed for slot in self.port_slots[port]]

    def _ranked_open(self, group: int, closed: set[str]) -> bool:
        """True when the group ranks a port open that day."""
        return any(port not in closed for port in self.rankings[self.ranking[group]])

    def _entry_lines(self, groups: list[int], closed: set[str]) -> list[bytes]:
        """entries.csv lines of `groups` (ascending ids, so ascending tickets); closed ports are left out of
        each ranking and groups ranking nothing else are left out (as `cita.draws.bulk.entries_export`)."""
        if not closed:
            return list(map(self.lines.__getitem__, groups))
        key = frozenset(closed)
        result = []
        for group in groups:
            ranking = int(self.ranking[group])
            text = self.ranking_closed.get((ranking, key), b"")
            if text == b"":
                kept = [port for port in self.rankings[ranking] if port not in closed]
                text = self.ranking_closed[(ranking, key)] = (
                    "|".join(kept).encode("ascii") + b"\n" if kept else None
                )
            if text is not None:
                result.append(self.heads[group] + text)
        return result

    def _draw(
        self,
        *,
        draw_id: str,
        round_number: int,
        appointment_day: int,
        slots: list[int],
        seats: list[int],
        lines: list[bytes],
    ) -> list[tuple[int, int, str]]:
        """Compute one round with `cita.lottery`; (group, slot, phase) of each selected entry, in order."""
        capacity = tuple(
            Capacity(port=self.slot_port[slot], slot=self.slot_name[slot], seats=count)
            for slot, count in zip(slots, seats, strict=True)
        )
        data = ENTRIES_HEADER + b"".join(lines)
        # Each round's seed is derived from the run's seed and the draw id: reproducible, and as unrelated
        # between draws as real seeds are.
        server_seed = hashlib.sha256(f"cita-sim|{self.scenario.seed}|{draw_id}".encode()).hexdigest()
        started = perf_counter()
        entries = entries_from_bytes(data, ports={c.port for c in capacity})
        manifest = Manifest(
            draw_id=draw_id,
            appointment_date=self.scenario.date_of(appointment_day),
            commitment=commitment_compute(server_seed),
            server_seed=server_seed,
            beacon=None,
            reserve_percent=self.scenario.reserve_percent,
            capacity=capacity,
            entries_sha256=entries.sha256,
        )
        allocation = draw_allocate(manifest=manifest, entries=entries)
        self.lottery_seconds += perf_counter() - started
        self.draws += 1
        self.entries_total += len(entries)
        if self.observer is not None:
            observed = perf_counter()
            self.observer(
                DrawRecord(
                    day=self.today, round=round_number, manifest=manifest, entries=data, allocation=allocation
                )
            )
            self.observer_seconds += perf_counter() - observed
        return [
            (int(result.ticket[1:]), self.slot_of[(result.port, result.slot)], result.phase)
            for result in allocation.results
        ]

    def _offer(self, group: int, chain: _Chain, slot: int) -> int:
        """Give a selected group its offer (seats taken from the slot); returns its persons."""
        size = int(self.size[group])
        seats = self._seats(chain.appointment_day)
        if seats[slot] < size:
            raise InvariantBroken(
                f"the draw placed group {group} in slot {slot} with {seats[slot]} seats left"
            )
        seats[slot] -= size
        self.state[group] = OFFERED
        self.holding[group] = (chain.appointment_day, slot)
        self.allocated += 1
        self.sequence[group] = self.allocated
        chain.selected.add(group)
        self.pending.append((group, chain, self.today))
        return size

    # -- checks ------------------------------------------------------------------------------------------

    def invariants_check(self) -> None:
        """Between two days: raise `InvariantBroken` unless every group is in exactly one state and every seat
        of every day ahead is free or held by exactly one offer or appointment, never more than it has."""
        counts = np.bincount(self.state[: self.count], minlength=len(STATES))
        if int(counts.sum()) != self.count:
            raise InvariantBroken(f"{self.count} groups arrived but {int(counts.sum())} are counted")
        holders = np.flatnonzero(np.isin(self.state[: self.count], (OFFERED, BOOKED)))
        if set(holders.tolist()) != set(self.holding):
            raise InvariantBroken("the groups holding seats differ from those offered or booked")
        booked = {g for groups in self.by_day.values() for g in groups}
        if booked != set(np.flatnonzero(self.state[: self.count] == BOOKED).tolist()):
            raise InvariantBroken("the appointment book differs from the booked groups")
        held: dict[tuple[int, int], int] = {}
        for group, (appointment, slot) in self.holding.items():
            if appointment < self.today:
                raise InvariantBroken(f"group {group} holds a seat on day {appointment}, already past")
            if self.slot_port[slot] in self.closed.get(appointment, set()):
                raise InvariantBroken(f"group {group} holds a seat at a closed port")
            held[(appointment, slot)] = held.get((appointment, slot), 0) + int(self.size[group])
        for appointment, seats in self.left_seats.items():
            closed = self.closed.get(appointment, set())
            for slot, free in enumerate(seats):
                total = 0 if self.slot_port[slot] in closed else self.slot_seats[slot]
                taken = held.pop((appointment, slot), 0)
                if free < 0 or free + taken != total:
                    raise InvariantBroken(
                        f"day {appointment} slot {slot}: {free} free + {taken} held != {total} seats"
                    )
        if held:
            raise InvariantBroken(f"seats held on days without a seat ledger: {sorted(held)[:3]}")


def simulate(
    scenario: Scenario,
    *,
    observer: Observer | None = None,
    check: bool = False,
    budget_seconds: float | None = None,
) -> Outcome:
    """Run a scenario to the end (see `Simulation`)."""
    return Simulation(scenario, observer=observer, check=check, budget_seconds=budget_seconds).run()
