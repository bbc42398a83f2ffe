"""The day-step simulation of the daily cycle (docs/daily-cycle.md) and of what comes before and after it.

One simulated day `t`, in the order the real cycle meets them:

1. **Offers settle.** Offers made yesterday are confirmed (probability `confirm_rate`) or lapse (declined
   or expired): the group waits again and its seats go back to the slot and to its draw's next round.
2. **Announcements.** An officer move adds its officers' seats at the port they go to; closures (and the
   port a move closes to traffic) take the port's seats away for the closed days. Appointments there are
   rebooked in their original allocation order, port first: the ports the group ranked, in its order,
   and within a port the earliest day (from tomorrow to `rebook_days` after the closure ends) with free
   seats, never displacing anyone; a port in another city only from `rebook_notice_days` ahead. Groups
   that cannot be placed wait again with tier 0 for their next `displaced_draws` draws; a group rebooked
   away from its first port chooses (probability `rebook_wait_rate`) to wait for it instead: it gives its
   new seats back and gets tier 0 in the draws for days after the closure, keeping its place, and asks
   with its first port alone from then on.
3. **Beds**: stays that end today free their beds; today's removal flights take those awaiting removal.
4. **Appointments of day t**: each booked group comes, or is a no-show (probability `no_show_rate`); the
   people seen are released, detained or to be removed, and those held take beds.
5. **Groups**: waiting groups give up (probability `leave_rate`), new groups and caravan groups arrive and
   make their first request; every other waiting group asks again with probability `ask_rate`.
6. **Second chances**: each draw whose offers lapsed today runs its next round over exactly the seats
   given back, among its entries not selected yet that are free now (not asking in today's draw, holding
   no offer or appointment), while the round's offers can still settle before the appointment day.
7. **Round 1 of draw t** for appointment day `t + horizon_days`: the day's free seats at open ports (fewer
   under back-pressure on full beds), the entries of every group that asked, tier 0 for urgent, displaced
   and (with `size_priority`) passed-over groups, waiting_since = first request.
8. **End of day**: the counts, and the people waiting in each city.

With `draws = "lottery"` every round is made the way `cita.draws` makes it: entries.csv bytes in
draw-v1's canonical order (by ticket), read by `cita.lottery.entries_from_bytes`, a manifest with a
committed seed, and `cita.lottery.draw_allocate`. With `draws = "fast"` the same allocation runs on numpy
columns (`cita.sim.allocate`), each entry ranked by a random number instead of its HMAC draw key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import perf_counter

import numpy as np
import numpy.typing as npt

from cita.sim.detention import DETAINED, REMOVED, BedDay, Beds
from cita.sim.errors import InvariantBroken, SimError, SimulationTooLarge
from cita.sim.metrics import METRIC_FIELDS, DayMetrics, DrawRecord, Observer, Outcome, PortDay
from cita.sim.pipeline import OfficerMove
from cita.sim.population import CaravanCount, Newcomers, Population
from cita.sim.rounds import KEY_BITS, Rounds
from cita.sim.scenario import Scenario
from cita.sim.shelters import Shelters
from cita.sim.staffing import Calendar, spread

__all__ = ["METRIC_FIELDS", "DayMetrics", "DrawRecord", "Observer", "Outcome", "Simulation", "simulate"]

WAITING, OFFERED, BOOKED, ATTENDED, NO_SHOW, LEFT = range(6)
STATES = ("waiting", "offered", "booked", "attended", "no_show", "left")
_CHUNK = 100_000  # groups generated at once (bounds the size of the ranking noise matrix)

IntArray = npt.NDArray[np.int64]


@dataclass(slots=True)
class _Chain:
    """The rounds of one day's draw: its round-1 entries, who was selected, seats the last round gave back."""

    first_day: int
    appointment_day: int
    draw_id: str
    entries: IntArray  # ascending group ids
    chosen: npt.NDArray[np.bool_]  # per entry: selected in some round
    round: int = 1
    released: dict[int, int] = field(default_factory=dict)  # slot → seats

    def choose(self, groups: list[int]) -> None:
        """Mark these entries selected."""
        if groups:
            self.chosen[np.searchsorted(self.entries, groups)] = True


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
        self.exact = scenario.draws == "lottery"
        if observer is not None and not self.exact:
            raise SimError('writing or watching draw bundles needs draws = "lottery" (the real draw keys)')
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
        self.rng_caravans = np.random.default_rng([seed, 7])
        self.rng_draws = np.random.default_rng([seed, 8])
        self.rng_nationality = np.random.default_rng([seed, 9])
        self.rng_outcomes = np.random.default_rng([seed, 10])
        self.rng_waits = np.random.default_rng([seed, 12])
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
        self.port_codes = [port.code for port in scenario.ports]
        # A port without a city is a city of its own (rebooking's notice rule).
        self.port_city = {port.code: port.city or f"port {port.code}" for port in scenario.ports}
        self.calendar = Calendar(scenario, port_slots=self.port_slots, slot_seats=self.slot_seats)
        self.population = Population(scenario)
        self.rankings = self.population.rankings
        self.ranking_text = self.population.ranking_text
        self.rounds = Rounds(
            seed=seed,
            reserve_percent=scenario.reserve_percent,
            size_priority=scenario.size_priority,
            slot_port=self.slot_port,
            slot_name=self.slot_name,
            port_slots=self.port_slots,
            port_codes=self.port_codes,
            rankings=self.rankings,
            observer=observer,
        )
        self.shelters = Shelters(scenario)
        self.ranking_city = np.zeros(0, dtype=np.int64)
        self.beds = Beds(
            detention=scenario.detention,
            removals=scenario.removals,
            rng=np.random.default_rng([seed, 11]),
        )
        outcomes = scenario.outcomes
        self.share_released = np.array([g.released for g in outcomes])
        self.share_held = np.array([g.released + g.detained for g in outcomes])
        # Groups, by id (= ticket number): columns that grow as groups arrive.
        self.count = 0
        self.counts = [0] * len(STATES)  # groups in each state
        self.state = np.zeros(0, dtype=np.int8)
        self.size = np.zeros(0, dtype=np.int16)
        self.arrival = np.zeros(0, dtype=np.int32)
        self.ranking = np.zeros(0, dtype=np.int32)
        self.urgent = np.zeros(0, dtype=bool)
        self.displaced = np.zeros(0, dtype=np.int16)
        self.waited = np.zeros(0, dtype=np.int32)
        self.passed = np.zeros(0, dtype=bool)  # passed over for its size, priority not used yet
        self.nationality = np.zeros(0, dtype=np.int8)
        self.asked_day = np.zeros(0, dtype=np.int32)
        self.listed = np.zeros(0, dtype=bool)  # in `waiting_ids`
        self.waiting_ids = np.zeros(0, dtype=np.int64)  # ascending; may hold groups no longer waiting
        self.rejoined: list[int] = []  # groups waiting again (lapsed, displaced), to merge into the list
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
        self.cut_seats: dict[int, list[int]] = {}  # appointment day → seats withheld by back-pressure
        self.closed: dict[int, set[str]] = {}  # day → ports announced closed that day
        # Groups that chose to wait for their first port: tier 0 only in draws for days from this one.
        self.wait_from: dict[int, int] = {}
        self.attended_total = 0
        self.no_show_total = 0
        self.left_total = 0
        self.metrics: list[DayMetrics] = []
        self.port_days: list[PortDay] = []
        self.seconds = 0.0
        self.dates: dict[int, bytes] = {}
        self._backlog_add()
        self.caravan_counts: list[CaravanCount] = []
        self.caravan_groups: list[Newcomers] = []
        for caravan in scenario.caravans:
            groups, counted = self.population.caravan(caravan, self.rng_caravans, self.rng_nationality)
            self.caravan_groups.append(groups)
            self.caravan_counts.append(counted)
        mix = self.population.nationality_p
        weights = mix if mix is not None else np.ones(len(outcomes))
        bed_shares = [
            (g.detained if scenario.detention is not None else 0.0)
            + (g.removed if scenario.removals is not None else 0.0)
            for g in outcomes
        ]
        # Expected persons needing a bed per seat booked (back-pressure's estimate).
        self.bed_need = float(np.dot(weights, bed_shares)) * (1 - scenario.no_show_rate) if outcomes else 0.0

    # -- running -----------------------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Every day of the scenario, then the outcome."""
        while self.today < self.scenario.days:
            self.step()
        states = self.state[: self.count]
        waiting = np.flatnonzero(states == WAITING)
        served = np.isin(states, (BOOKED, ATTENDED, NO_SHOW))
        booked = np.flatnonzero(served)
        # Fairness by group size: the groups that first asked in the first half of the run (those waiting
        # on day 0 included), and how many of them confirmed an offer by its end.
        cohort_day = self.scenario.days // 2
        cohort = self.arrival[: self.count] < cohort_day
        sizes = self.size[: self.count]
        served_by_size = [
            (int(size), int((cohort & (sizes == size)).sum()), int((cohort & served & (sizes == size)).sum()))
            for size in np.unique(sizes[cohort]).tolist()
        ]
        return Outcome(
            scenario=self.scenario,
            days=self.metrics,
            waits=self.waited[booked].tolist(),
            waiting_ages=(self.scenario.days - 1 - self.arrival[waiting]).tolist(),
            seconds=self.seconds,
            lottery_seconds=self.rounds.seconds,
            draws=self.rounds.draws,
            entries=self.rounds.entries,
            cohort_day=cohort_day,
            served_by_size=served_by_size,
            removal_waits=dict(sorted(self.beds.waits.items())),
            removal_waiting=self.beds.queued,
            caravans=self.caravan_counts,
            cities=self.shelters.names,
            city_capacity=self.shelters.capacity.tolist(),
            city_persons=self.shelters.history,
            port_days=self.port_days,
        )

    def step(self) -> DayMetrics:
        """Simulate the next day; returns its metrics."""
        started = perf_counter()
        observed = self.rounds.observer_seconds
        t = self.today
        day = DayMetrics(day=t, date=self.scenario.date_of(t).isoformat())
        self._offers_settle(day)
        for move in self.scenario.staffing.moves:
            if move.announced_day == t:
                self._move_announce(day, move=move)
        for closure in self.scenario.closures:
            if closure.announced_day == t:
                self._closure_announce(day, port=closure.port, first=closure.first_day, last=closure.last_day)
        beds = BedDay()
        self.beds.day_start(t, beds)
        self._appointments_hold(day, beds)
        self._leaves(day)
        self._arrivals(day)
        asked = self._asks(day)
        self._second_chances(day, asked=asked)
        self._round_one(day, asked=asked)
        self._day_close(day, beds)
        self.metrics.append(day)
        self.today += 1
        if self.check:
            self.invariants_check()
        self.seconds += perf_counter() - started - (self.rounds.observer_seconds - observed)
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
            chunk = arrival[start : start + _CHUNK]
            self._groups_append(self.population.draw(chunk, rng, self.rng_nationality))

    def _groups_append(self, groups: Newcomers) -> None:
        """Add these groups, waiting from their first request."""
        n = len(groups.size)
        first, last = self.count, self.count + n
        self._grow(last)
        self.state[first:last] = WAITING
        self.counts[WAITING] += n
        self.size[first:last] = groups.size
        self.arrival[first:last] = groups.arrival
        self.ranking[first:last] = groups.ranking
        self.urgent[first:last] = groups.urgent
        self.nationality[first:last] = groups.nationality
        self.asked_day[first:last] = -1 << 30
        self.listed[first:last] = True
        self.count = last
        ids = np.arange(first, last, dtype=np.int64)
        self.waiting_ids = np.concatenate([self.waiting_ids, ids])
        if self.shelters.active:
            self._ranking_cities()
            self.shelters.add(self.ranking_city[groups.ranking], groups.size)
        if self.exact:
            for group in range(first, last):
                self.heads.append(b"")
                self.lines.append(b"")
                self._line_make(group)

    def _ranking_cities(self) -> None:
        """The city of each ranking's first port, for rankings added since the last call."""
        known = len(self.ranking_city)
        if known < len(self.rankings):
            more = [self.shelters.city_of(ranking) for ranking in self.rankings[known:]]
            self.ranking_city = np.concatenate([self.ranking_city, np.array(more, dtype=np.int64)])

    def _grow(self, size: int) -> None:
        """Make room for groups up to id `size`."""
        if size <= len(self.state):
            return
        room = max(size, 2 * len(self.state), 1024)
        names = ("state", "size", "arrival", "ranking", "urgent", "displaced", "waited", "passed")
        for name in (*names, "nationality", "asked_day", "listed"):
            column = getattr(self, name)
            grown = np.zeros(room, dtype=column.dtype)
            grown[: len(column)] = column
            setattr(self, name, grown)

    def _waiting(self) -> IntArray:
        """The groups waiting now, ascending."""
        ids = self.waiting_ids
        keep = self.state[ids] == WAITING
        if not keep.all():
            self.listed[ids[~keep]] = False
            ids = ids[keep]
        if self.rejoined:
            extra = np.unique(np.array(self.rejoined, dtype=np.int64))
            self.rejoined = []
            extra = extra[(self.state[extra] == WAITING) & ~self.listed[extra]]
            if len(extra):
                ids = np.insert(ids, np.searchsorted(ids, extra), extra)
                self.listed[extra] = True
        self.waiting_ids = ids
        return ids

    def _wait_again(self, group: int) -> None:
        """The group waits again (its offer lapsed, or a closure displaced it)."""
        self._move(group, WAITING)
        self.rejoined.append(group)

    def _move(self, group: int, state: int) -> None:
        """Put one group in `state`, keeping the count of each state."""
        self.counts[self.state[group]] -= 1
        self.counts[state] += 1
        self.state[group] = state

    def _tiers(self, groups: IntArray, *, appointment_day: int | None = None) -> IntArray:
        """draw-v1 tiers of `groups`: 0 for urgent, displaced and (with size_priority) passed-over groups;
        a group waiting for its first port counts as displaced only in draws for days after its closure."""
        displaced = self.displaced[groups] > 0
        if appointment_day is not None and self.wait_from:
            displaced &= ~np.isin(groups, self._not_yet(appointment_day))
        first = self.urgent[groups] | displaced
        if self.scenario.size_priority:
            first |= self.passed[groups]
        tiers: IntArray = np.where(first, 0, 1).astype(np.int64)
        return tiers

    def _not_yet(self, appointment_day: int) -> IntArray:
        """Groups waiting for their first port whose priority does not apply to a draw for this day yet."""
        later = sorted(group for group, first in self.wait_from.items() if first > appointment_day)
        return np.array(later, dtype=np.int64)

    def _date(self, day: int) -> bytes:
        """YYYY-MM-DD of a simulation day (negative: before the start), as entries.csv writes it."""
        text = self.dates.get(day)
        if text is None:
            text = self.dates[day] = self.scenario.date_of(day).isoformat().encode("ascii")
        return text

    def _line_make(self, group: int) -> None:
        """Write the group's entries.csv line for its current tier (draw-v1 §Bundle layout)."""
        if not self.exact:
            return
        head = self._head(group, int(self._tiers(np.array([group]))[0]))
        self.heads[group] = head
        self.lines[group] = head + self.ranking_text[self.ranking[group]]

    def _head(self, group: int, tier: int) -> bytes:
        """ "ticket,group_size,tier,waiting_since," of a group's entries.csv line."""
        return b"G%09d,%d,%d,%s," % (group, self.size[group], tier, self._date(int(self.arrival[group])))

    # -- one day -----------------------------------------------------------------------------------------

    def _offers_settle(self, day: DayMetrics) -> None:
        """Yesterday's offers: confirmed, or lapsed (the seats go back, to the draw's next round)."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        confirms = self.rng_confirms.random(len(pending)) < self.scenario.confirm_rate
        groups = np.fromiter((group for group, _, _ in pending), dtype=np.int64, count=len(pending))
        drawn = np.fromiter((when for _, _, when in pending), dtype=np.int64, count=len(pending))
        sizes = self.size[groups].astype(np.int64)
        booked = groups[confirms]
        self._states_set(booked, BOOKED)
        self.waited[booked] = drawn[confirms] - self.arrival[booked]
        for group in booked.tolist():
            self.by_day.setdefault(self.holding[group][0], set()).add(group)
        # Served: an urgent or displaced priority ends (docs/daily-cycle.md, step 6).
        served = booked[self.urgent[booked] | (self.displaced[booked] > 0)]
        self.urgent[served] = False
        self.displaced[served] = 0
        for group in served.tolist():
            self.wait_from.pop(group, None)
        for group in served.tolist():
            self._line_make(group)
        day.confirmed = len(booked)
        day.confirmed_persons = int(sizes[confirms].sum())
        lapsed = groups[~confirms]
        self._states_set(lapsed, WAITING)
        self.rejoined.extend(lapsed.tolist())
        for (group, chain, _), size in zip(
            (offer for offer, confirmed in zip(pending, confirms.tolist(), strict=True) if not confirmed),
            sizes[~confirms].tolist(),
            strict=True,
        ):
            appointment, slot = self.holding.pop(group)
            self._seats(appointment)[slot] += size
            chain.released[slot] = chain.released.get(slot, 0) + size
        day.lapsed = len(lapsed)
        day.lapsed_persons = int(sizes[~confirms].sum())

    def _states_set(self, groups: IntArray, state: int) -> None:
        """Put these groups in `state`, keeping the count of each state."""
        if not len(groups):
            return
        for old, n in enumerate(np.bincount(self.state[groups], minlength=len(STATES)).tolist()):
            self.counts[old] -= n
        self.counts[state] += len(groups)
        self.state[groups] = state

    def _move_announce(self, day: DayMetrics, *, move: OfficerMove) -> None:
        """Officers move from a port closed to traffic to another port: seats there, a closure here."""
        before = {d: list(self.calendar.nominal(d)) for d in range(move.first_day, move.last_day + 1)}
        self.calendar.move(move)
        for moved, old in before.items():
            seats = self.left_seats.get(moved)
            if seats is None:
                continue
            closed = self.closed.get(moved, set())
            for slot, (was, now) in enumerate(zip(old, self.calendar.nominal(moved), strict=True)):
                if self.slot_port[slot] not in closed:
                    seats[slot] += now - was
        self._closure_announce(day, port=move.from_port, first=move.first_day, last=move.last_day)

    def _closure_announce(self, day: DayMetrics, *, port: str, first: int, last: int) -> None:
        """Close `port` on days first…last: its seats go, its appointments are rebooked or displaced."""
        affected: list[int] = []
        for closed in range(first, last + 1):
            if port in self.closed.setdefault(closed, set()):
                continue
            self.closed[closed].add(port)
            seats = self.left_seats.get(closed)
            if seats is not None:
                for slot in self.port_slots[port]:
                    seats[slot] = 0
                cut = self.cut_seats.get(closed)
                if cut is not None:
                    for slot in self.port_slots[port]:
                        cut[slot] = 0
            if closed >= self.today:
                booked = self.by_day.get(closed, set())
                moved = [g for g in booked if self.slot_port[self.holding[g][1]] == port]
                booked.difference_update(moved)
                affected.extend(moved)
        # DESIGN "Closures and rebooking": original allocation order, port first, never displacing.
        ordered = sorted(affected, key=self.sequence.__getitem__)
        chooses = self.rng_waits.random(len(ordered)) < self.scenario.rebook_wait_rate
        for group, wants_to_wait in zip(ordered, chooses.tolist(), strict=True):
            placed = self._rebook(group, home=port, last=last + self.scenario.rebook_days)
            if placed is None:
                del self.holding[group]
                self._wait_again(group)
                self.displaced[group] = self.scenario.displaced_draws
                self._line_make(group)
                day.displaced += 1
            elif wants_to_wait and self.slot_port[placed[1]] != self.rankings[self.ranking[group]][0]:
                # "I prefer to wait for my first port": the new seats go back, tier 0 after the closure.
                self._seats(placed[0])[placed[1]] += int(self.size[group])
                del self.holding[group]
                self._wait_again(group)
                self.displaced[group] = max(1, self.scenario.displaced_draws)
                self.wait_from[group] = last + 1
                # It wants that port: it asks with it alone from now on.
                self.ranking[group] = self.population.ranking_first_only(int(self.ranking[group]))
                self._ranking_cities()
                self._line_make(group)
                day.rebook_waited += 1
            else:
                self.holding[group] = placed
                self.by_day.setdefault(placed[0], set()).add(group)
                day.rebooked += 1

    def _rebook(self, group: int, *, home: str, last: int) -> tuple[int, int] | None:
        """Take seats for a group of the closed port `home`, port first (as cita.appointments' rebooking
        plan does): the ports it ranked, in its order, and within a port the earliest day from tomorrow
        to `last` (the closure's end plus `rebook_days`) with room; then any other open port if the
        scenario allows. A port in another city than `home` only from `rebook_notice_days` ahead. None
        when there is no room."""
        size = int(self.size[group])
        # Days before the first draw of the run (the warm-up) hold no simulated bookings: never used.
        first = max(self.today + 1, self.horizon)
        far_first = max(first, self.today + self.scenario.rebook_notice_days)
        ranked = tuple(dict.fromkeys(self.rankings[self.ranking[group]]))
        choices = [ranked]
        if self.scenario.rebook_any_port:
            choices.append(tuple(p for p in self.port_codes if p not in ranked))
        for ports in choices:
            for port in ports:
                near = self.port_city[port] == self.port_city[home]
                for candidate in range(first if near else far_first, last + 1):
                    if port in self.closed.get(candidate, set()):
                        continue
                    seats = self._seats(candidate)
                    for slot in self.port_slots[port]:
                        if seats[slot] >= size:
                            seats[slot] -= size
                            return candidate, slot
        return None

    def _appointments_hold(self, day: DayMetrics, beds: BedDay) -> None:
        """Today's appointments: each booked group comes or is a no-show; what nobody booked is unused; the
        people seen are released, detained or to be removed."""
        t = self.today
        booked = sorted(self.by_day.pop(t, set()))
        seats = self.left_seats.pop(t, None)
        cut = self.cut_seats.pop(t, None)
        if t < self.horizon:
            return  # warm-up: no draw of the run was for this day
        nominal = self.calendar.nominal(t)
        closed = self.closed.get(t, set())
        day.appointments_drawn = 1
        day.appointment_seats = sum(nominal)
        day.appointment_closed = sum(nominal[s] for port in closed for s in self.port_slots[port])
        day.officer_short_seats = self.calendar.short(t)
        day.back_pressure_seats = sum(cut) if cut is not None else 0
        no_show = self.rng_no_shows.random(len(booked)) < self.scenario.no_show_rate
        seen: list[int] = []
        port_booked = dict.fromkeys(self.port_codes, 0)
        port_attended = dict.fromkeys(self.port_codes, 0)
        for group, absent in zip(booked, no_show.tolist(), strict=True):
            size = int(self.size[group])
            port = self.slot_port[self.holding.pop(group)[1]]
            port_booked[port] += size
            day.booked_persons += size
            if absent:
                self._move(group, NO_SHOW)
                day.no_show_persons += size
                self.no_show_total += 1
            else:
                self._move(group, ATTENDED)
                day.attended_persons += size
                port_attended[port] += size
                self.attended_total += 1
                seen.append(group)
        day.unused_seats = sum(seats) if seats is not None else day.appointment_seats - day.appointment_closed
        if self.shelters.active and booked:
            held = np.array(booked, dtype=np.int64)
            self.shelters.add(self.ranking_city[self.ranking[held]], self.size[held], -1)
        for port in self.port_codes:
            self.port_days.append(
                PortDay(
                    day=t,
                    port=port,
                    officers=self.calendar.officers(port, t),
                    seats=self.calendar.port_seats(port, t),
                    closed=port in closed,
                    booked=port_booked[port],
                    attended=port_attended[port],
                )
            )
        if self.scenario.outcomes and seen:
            groups = np.array(seen, dtype=np.int64)
            chance = self.rng_outcomes.random(len(groups))
            nationality = self.nationality[groups]
            kinds = np.where(
                chance < self.share_released[nationality],
                0,
                np.where(chance < self.share_held[nationality], DETAINED, REMOVED),
            )
            self.beds.admit(t, self.size[groups].tolist(), kinds.tolist(), beds)

    def _leaves(self, day: DayMetrics) -> None:
        """Waiting groups that give up today."""
        if self.scenario.leave_rate <= 0:
            return
        waiting = self._waiting()
        gone = waiting[self.rng_leaves.random(len(waiting)) < self.scenario.leave_rate]
        self.state[gone] = LEFT
        self.counts[WAITING] -= len(gone)
        self.counts[LEFT] += len(gone)
        day.left = len(gone)
        self.left_total += len(gone)
        if self.shelters.active:
            self.shelters.add(self.ranking_city[self.ranking[gone]], self.size[gone], -1)

    def _arrivals(self, day: DayMetrics) -> None:
        """New groups (a Poisson number of them) and caravan groups, each with its first request today."""
        mean = self.scenario.arrivals.mean_on(self.today)
        count = int(self.rng_arrivals.poisson(mean)) if mean > 0 else 0
        self._groups_add(np.full(count, self.today, dtype=np.int32), self.rng_arrivals)
        day.arrivals = count
        for groups, counted in zip(self.caravan_groups, self.caravan_counts, strict=True):
            today = groups.arrival == self.today
            if today.any():
                arriving = groups.take(today)
                self._groups_append(arriving)
                counted.arrived_groups += len(arriving.size)
                counted.arrived_persons += int(arriving.size.sum())
                day.caravan_groups += len(arriving.size)
                day.caravan_persons += int(arriving.size.sum())
        day.arrivals += day.caravan_groups

    def _asks(self, day: DayMetrics) -> IntArray:
        """Groups asking in today's draw (ids ascending = tickets in draw-v1 order): every new group, and
        each other waiting group with probability `ask_rate`."""
        waiting = self._waiting()
        asks = (self.rng_asks.random(len(waiting)) < self.scenario.ask_rate) | (
            self.arrival[waiting] == self.today
        )
        asked: IntArray = waiting[asks]
        self.asked_day[asked] = self.today
        day.asked = len(asked)
        return asked

    def _second_chances(self, day: DayMetrics, *, asked: IntArray) -> None:
        """The next round of each draw whose offers gave seats back today (docs/daily-cycle.md, step 7)."""
        chains, self.chains = self.chains, []
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
            entries = chain.entries
            free_now = (
                (self.state[entries] == WAITING) & (self.asked_day[entries] != self.today) & ~chain.chosen
            )
            groups = self._open_ranked(entries[free_now], closed)
            chain.round += 1
            day.second_chance_rounds += 1
            day.second_chance_seats += sum(seats)
            day.second_chance_entries += len(groups)
            if not len(groups):
                continue
            results = self._draw(
                day,
                draw_id=f"{chain.draw_id}-{chain.round}",
                round_number=chain.round,
                appointment_day=chain.appointment_day,
                slots=slots,
                seats=seats,
                groups=groups,
            )
            day.second_chance_persons += sum(self._offers_make(chain, results))
            if results:
                self.chains.append(chain)

    def _round_one(self, day: DayMetrics, *, asked: IntArray) -> None:
        """Round 1 of today's draw, for the appointment day one horizon ahead."""
        appointment = self.today + self.horizon
        closed = self.closed.get(appointment, set())
        free = self._seats(appointment)
        slots = self._open_slots(closed)
        self._back_pressure(appointment, slots)
        seats = [free[slot] for slot in slots]
        day.draw_seats = sum(seats)
        # A group whose every ranked port is closed that day is not entered (daily-cycle.md, step 3).
        groups = self._open_ranked(asked, closed)
        day.entered = len(groups)
        chain = _Chain(
            first_day=self.today,
            appointment_day=appointment,
            draw_id=self.scenario.date_of(self.today).isoformat(),
            entries=groups,
            chosen=np.zeros(len(groups), dtype=bool),
        )
        if len(groups) and day.draw_seats:
            results = self._draw(
                day,
                draw_id=chain.draw_id,
                round_number=1,
                appointment_day=appointment,
                slots=slots,
                seats=seats,
                groups=groups,
            )
            persons = self._offers_make(chain, results)
            day.selected = len(results)
            day.selected_persons = sum(persons)
            day.reserve_persons = sum(
                n for n, (_, _, phase) in zip(persons, results, strict=True) if phase == "reserve"
            )
            if results:
                self.chains.append(chain)
        # A displaced group entered in this draw has one draw of priority less (cycle.py, freeze); one
        # waiting for its first port only in draws for days after its closure.
        counting = groups[self.displaced[groups] > 0]
        if self.wait_from:
            counting = counting[~np.isin(counting, self._not_yet(appointment))]
        self.displaced[counting] -= 1
        for group in counting[self.displaced[counting] == 0].tolist():
            self.wait_from.pop(group, None)
            self._line_make(group)

    def _back_pressure(self, appointment: int, slots: list[int]) -> None:
        """With `when_full = "back_pressure"`, withhold the seats of `appointment` whose expected detentions
        and removals would not fit in the beds expected free that day (docs/simulator.md)."""
        detention = self.scenario.detention
        if detention is None or detention.when_full != "back_pressure" or detention.beds is None:
            return
        if self.bed_need <= 0:
            return
        # The appointments already booked before that day will bring people too (all counted as staying).
        booked = 0
        for between in range(self.today + 1, appointment):
            free = self.left_seats.get(between)
            if free is not None:
                nominal = self.calendar.nominal(between)
                closed = self.closed.get(between, set())
                cut = self.cut_seats.get(between)
                booked += sum(
                    nominal[s] - free[s] - (cut[s] if cut else 0)
                    for s in range(len(free))
                    if self.slot_port[s] not in closed
                )
        beds = self.beds.free_on(appointment, today=self.today, incoming=round(booked * self.bed_need))
        allowed = max(0, int(beds / self.bed_need))
        free = self._seats(appointment)
        offered = [free[slot] for slot in slots]
        if sum(offered) <= allowed:
            return
        cut = self.cut_seats.setdefault(appointment, [0] * len(free))
        for slot, was, now in zip(slots, offered, spread(allowed, offered), strict=True):
            free[slot] = now
            cut[slot] += was - now

    def _day_close(self, day: DayMetrics, beds: BedDay) -> None:
        """End-of-day counts."""
        counts = self.counts
        waiting = self._waiting()
        day.waiting = int(counts[WAITING])
        day.offered = int(counts[OFFERED])
        day.booked = int(counts[BOOKED])
        day.attended_total = int(counts[ATTENDED])
        day.no_show_total = int(counts[NO_SHOW])
        day.left_total = int(counts[LEFT])
        day.arrived_total = self.count
        day.waiting_persons = int(self.size[waiting].sum())
        day.size_priority_groups = int(np.count_nonzero(self.passed[waiting]))
        if len(waiting):
            # Nearest rank (numpy's "inverted_cdf"): the smallest age with at least half (nine tenths) of
            # the groups at or below it; ages are small integers, so counted rather than sorted.
            cumulative = np.cumsum(np.bincount(self.today - self.arrival[waiting]))
            p50, p90 = np.searchsorted(cumulative, (0.5 * len(waiting), 0.9 * len(waiting)))
            day.waiting_age_p50 = int(p50)
            day.waiting_age_p90 = int(p90)
            day.waiting_age_max = len(cumulative) - 1
        day.beds_freed = beds.freed
        day.flight_seats = beds.flight_seats
        day.flown_persons = beds.flown
        day.released_persons = beds.released
        day.detained_persons = beds.detained
        day.removal_persons = beds.to_remove
        day.notice_to_appear_persons = beds.notice_to_appear
        day.beds_detained = self.beds.detained
        day.beds_awaiting_removal = self.beds.queued
        day.beds_occupied = self.beds.occupied
        day.beds_overflow = self.beds.overflow
        if self.shelters.active:
            day.city_persons, day.sheltered_persons, day.outside_persons = self.shelters.day_end()

    # -- the draw ----------------------------------------------------------------------------------------

    def _seats(self, appointment: int) -> list[int]:
        """Free seats per slot of an appointment day (closed ports have none)."""
        seats = self.left_seats.get(appointment)
        if seats is None:
            closed = self.closed.get(appointment, set())
            nominal = self.calendar.nominal(appointment)
            seats = self.left_seats[appointment] = [
                0 if self.slot_port[slot] in closed else nominal[slot] for slot in range(len(self.slot_port))
            ]
        return seats

    def _open_slots(self, closed: set[str]) -> list[int]:
        """Slots of the ports open that day, in draw-v1 slot order."""
        return [slot for port in self.port_codes if port not in closed for slot in self.port_slots[port]]

    def _open_ranked(self, groups: IntArray, closed: set[str]) -> IntArray:
        """`groups` that rank a port open that day."""
        if not closed:
            return groups
        walk_of, _ = self.rounds.walks(closed)
        kept: IntArray = groups[walk_of[self.ranking[groups]] >= 0]
        return kept

    def _draw(
        self,
        day: DayMetrics,
        *,
        draw_id: str,
        round_number: int,
        appointment_day: int,
        slots: list[int],
        seats: list[int],
        groups: IntArray,
    ) -> list[tuple[int, int, str]]:
        """Compute one round; (group, slot, phase) of each selected entry, in allocation order. Groups it
        passed over for their size are marked for priority (with `size_priority`)."""
        closed = self.closed.get(appointment_day, set())
        if self.exact:
            results, passed = self.rounds.lottery(
                today=self.today,
                draw_id=draw_id,
                round_number=round_number,
                appointment_date=self.scenario.date_of(appointment_day),
                slots=slots,
                seats=seats,
                lines=self._entry_lines(groups.tolist(), closed, appointment_day),
            )
        else:
            results, passed = self.rounds.fast(
                closed=closed,
                slots=slots,
                seats=seats,
                groups=groups,
                sizes=self.size[groups].astype(np.int64),
                rankings=self.ranking[groups].astype(np.int64),
                tiers=self._tiers(groups, appointment_day=appointment_day),
                first_requests=self.arrival[groups].astype(np.int64),
                keys=self._keys(draw_id, groups),
            )
        if self.scenario.size_priority and len(passed):
            fresh = passed[~self.passed[passed]]
            self.passed[fresh] = True
            for group in fresh.tolist():
                self._line_make(group)
            day.passed_over += len(fresh)
        return results

    def _keys(self, draw_id: str, groups: IntArray) -> IntArray:
        """Random ranks (`KEY_BITS` bits) of a fast round's entries: uniform and independent, as draw keys
        are (HMAC-SHA256 of a secret key and the ticket)."""
        keys: IntArray = self.rng_draws.integers(0, 1 << KEY_BITS, size=len(groups), dtype=np.int64)
        return keys

    def _entry_lines(self, groups: list[int], closed: set[str], appointment_day: int) -> list[bytes]:
        """entries.csv lines of `groups` (ascending ids, so ascending tickets; each ranking an open port),
        closed ports left out of each ranking (as `cita.draws.bulk.entries_export`); a group waiting for
        its first port in tier 1 before the draws for days after its closure."""
        later = set(self._not_yet(appointment_day).tolist()) if self.wait_from else set()
        if not closed and not later:
            return list(map(self.lines.__getitem__, groups))
        result = []
        for group in groups:
            if group in later:
                tier = 0 if self.urgent[group] or (self.scenario.size_priority and self.passed[group]) else 1
                head = self._head(group, tier)
            else:
                head = self.heads[group]
            kept = [port for port in self.rankings[self.ranking[group]] if port not in closed]
            result.append(head + "|".join(kept).encode("ascii") + b"\n")
        return result

    def _offers_make(self, chain: _Chain, results: list[tuple[int, int, str]]) -> list[int]:
        """Give each selected group its offer (seats taken from its slot); returns their persons."""
        groups = [group for group, _, _ in results]
        slots = [slot for _, slot, _ in results]
        selected = np.array(groups, dtype=np.int64)
        sizes: list[int] = self.size[selected].tolist()
        appointment = chain.appointment_day
        seats = self._seats(appointment)
        for group, slot, size in zip(groups, slots, sizes, strict=True):
            if seats[slot] < size:
                raise InvariantBroken(
                    f"the draw placed group {group} in slot {slot} with {seats[slot]} seats left"
                )
            seats[slot] -= size
        self._states_set(selected, OFFERED)
        self.holding.update(zip(groups, ((appointment, slot) for slot in slots), strict=True))
        self.sequence.update(
            zip(groups, range(self.allocated + 1, self.allocated + 1 + len(groups)), strict=True)
        )
        self.allocated += len(groups)
        self.pending.extend((group, chain, self.today) for group in groups)
        # Selected: the priority for having been passed over is used (docs/simulator.md).
        used = selected[self.passed[selected]]
        self.passed[used] = False
        for group in used.tolist():
            self._line_make(group)
        chain.choose(groups)
        return sizes

    # -- checks ------------------------------------------------------------------------------------------

    def invariants_check(self) -> None:
        """Between two days: raise `InvariantBroken` unless every group is in exactly one state, every seat
        of every day ahead is free, withheld or held by exactly one offer or appointment, the beds add up
        and each city's persons are those of its groups not yet seen."""
        counts = np.bincount(self.state[: self.count], minlength=len(STATES))
        if int(counts.sum()) != self.count:
            raise InvariantBroken(f"{self.count} groups arrived but {int(counts.sum())} are counted")
        if counts.tolist() != self.counts:
            raise InvariantBroken(f"groups per state {self.counts} kept, {counts.tolist()} counted")
        holders = np.flatnonzero(np.isin(self.state[: self.count], (OFFERED, BOOKED)))
        if set(holders.tolist()) != set(self.holding):
            raise InvariantBroken("the groups holding seats differ from those offered or booked")
        booked = {g for groups in self.by_day.values() for g in groups}
        if booked != set(np.flatnonzero(self.state[: self.count] == BOOKED).tolist()):
            raise InvariantBroken("the appointment book differs from the booked groups")
        if set(self._waiting().tolist()) != set(np.flatnonzero(self.state[: self.count] == WAITING).tolist()):
            raise InvariantBroken("the list of waiting groups differs from the groups waiting")
        held: dict[tuple[int, int], int] = {}
        for group, (appointment, slot) in self.holding.items():
            if appointment < self.today:
                raise InvariantBroken(f"group {group} holds a seat on day {appointment}, already past")
            if self.slot_port[slot] in self.closed.get(appointment, set()):
                raise InvariantBroken(f"group {group} holds a seat at a closed port")
            held[(appointment, slot)] = held.get((appointment, slot), 0) + int(self.size[group])
        for appointment, seats in self.left_seats.items():
            closed = self.closed.get(appointment, set())
            nominal = self.calendar.nominal(appointment)
            cut = self.cut_seats.get(appointment, [0] * len(seats))
            for slot, free in enumerate(seats):
                total = 0 if self.slot_port[slot] in closed else nominal[slot]
                taken = held.pop((appointment, slot), 0)
                if free < 0 or cut[slot] < 0 or free + taken + cut[slot] != total:
                    raise InvariantBroken(
                        f"day {appointment} slot {slot}: {free} free + {taken} held + {cut[slot]} withheld "
                        f"!= {total} seats"
                    )
        if held:
            raise InvariantBroken(f"seats held on days without a seat ledger: {sorted(held)[:3]}")
        self.beds.check()
        if self.shelters.active:
            present = np.flatnonzero(np.isin(self.state[: self.count], (WAITING, OFFERED, BOOKED)))
            cities = self.ranking_city[self.ranking[present]]
            known = cities >= 0
            expected = np.bincount(
                cities[known], weights=self.size[present][known], minlength=len(self.shelters.names)
            ).astype(np.int64)
            self.shelters.check(expected)


def simulate(
    scenario: Scenario,
    *,
    observer: Observer | None = None,
    check: bool = False,
    budget_seconds: float | None = None,
) -> Outcome:
    """Run a scenario to the end (see `Simulation`)."""
    return Simulation(scenario, observer=observer, check=check, budget_seconds=budget_seconds).run()
