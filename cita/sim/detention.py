"""Detention beds and removal flights (docs/simulator.md, "Outcomes, beds and flights").

The people seen at a port are released, detained or to be removed. A detained group holds a bed a person
for a length of stay drawn from the scenario's distribution. People to be removed hold beds until a flight
takes them, first come first served; without `[removals]` they are removed the day they are seen and hold
no bed. When the beds are full, `when_full = "release"` releases with a notice to appear those who find
no bed; `"back_pressure"` holds them anyway (over capacity: the overflow) and lets the draws open only the
seats whose expected detentions fit in the beds expected free on their appointment day.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

import numpy as np

from cita.sim.errors import InvariantBroken
from cita.sim.pipeline import Detention, Removals

RELEASED, DETAINED, REMOVED = range(3)


@dataclass(slots=True)
class BedDay:
    """What the beds and flights did on one day (columns of days.csv)."""

    freed: int = 0  # persons whose stay ended
    flight_seats: int = 0
    flown: int = 0  # persons removed by flight
    released: int = 0  # persons seen and released
    detained: int = 0  # persons seen and detained (in a bed, or over capacity)
    to_remove: int = 0  # persons seen whose removal was ordered
    notice_to_appear: int = 0  # persons released because no bed was free


@dataclass(slots=True)
class Beds:
    """The people held in detention: detained for a stay, or awaiting a removal flight."""

    detention: Detention | None
    removals: Removals | None
    rng: np.random.Generator
    detained: int = 0
    releases: dict[int, int] = field(default_factory=dict)  # day → persons whose stay ends that day
    queue: deque[list[int]] = field(default_factory=deque)  # [day the removal was ordered, persons]
    queued: int = 0
    waits: Counter[int] = field(default_factory=Counter)  # days waited for a flight → persons flown
    admitted: int = 0  # persons ever put in a bed
    freed_total: int = 0
    flown_total: int = 0

    @property
    def capacity(self) -> int | None:
        """Beds (None: no limit)."""
        return None if self.detention is None else self.detention.beds

    @property
    def occupied(self) -> int:
        """Persons held: detained, and awaiting removal."""
        return self.detained + self.queued

    @property
    def overflow(self) -> int:
        """Persons held beyond the beds."""
        capacity = self.capacity
        return 0 if capacity is None else max(0, self.occupied - capacity)

    def day_start(self, day: int, metrics: BedDay) -> None:
        """Stays that end today, then today's flights."""
        freed = self.releases.pop(day, 0)
        self.detained -= freed
        self.freed_total += freed
        metrics.freed = freed
        if self.removals is None:
            return
        seats = self.removals.flights_on(day) * self.removals.seats_per_flight
        metrics.flight_seats = seats
        while seats and self.queue:
            ordered, persons = self.queue[0]
            taken = min(seats, persons)
            seats -= taken
            self.waits[day - ordered] += taken
            metrics.flown += taken
            if taken == persons:
                self.queue.popleft()
            else:
                self.queue[0][1] = persons - taken
        self.queued -= metrics.flown
        self.flown_total += metrics.flown

    def admit(self, day: int, persons: list[int], kinds: list[int], metrics: BedDay) -> None:
        """The groups seen today (persons, outcome each), in the order they were seen."""
        capacity = self.capacity
        release = self.detention is not None and self.detention.when_full == "release"
        detained = [i for i, kind in enumerate(kinds) if kind == DETAINED]
        stays = (
            self.rng.choice(self._stay_values(), p=self._stay_weights(), size=len(detained)).tolist()
            if detained and self.detention is not None
            else []
        )
        stay_of = dict(zip(detained, stays, strict=True))
        for number, (size, kind) in enumerate(zip(persons, kinds, strict=True)):
            if kind == RELEASED:
                metrics.released += size
                continue
            if kind == REMOVED:
                metrics.to_remove += size
                if self.removals is None:
                    continue  # removed the day they are seen: no bed, no flight modelled
            else:
                metrics.detained += size
                if self.detention is None:
                    continue  # detention not modelled: counted, holding no bed
            if release and capacity is not None and self.occupied + size > capacity:
                metrics.notice_to_appear += size
                continue
            self.admitted += size
            if kind == REMOVED:
                self.queue.append([day, size])
                self.queued += size
            else:
                self.detained += size
                end = day + stay_of[number]
                self.releases[end] = self.releases.get(end, 0) + size

    def free_on(self, day: int, *, today: int, incoming: int) -> int:
        """Beds expected free on `day` (after its releases and flights), before the people seen that day:
        the beds, less the detained whose stay goes on past it, less those the flights from tomorrow to
        that day cannot take, less `incoming` (expected from the appointments already booked before it)."""
        capacity = self.capacity
        assert capacity is not None
        staying = self.detained - sum(p for end, p in self.releases.items() if end <= day)
        flights = 0
        if self.removals is not None:
            flights = sum(self.removals.flights_on(d) for d in range(today + 1, day + 1))
            flights *= self.removals.seats_per_flight
        waiting = max(0, self.queued - flights)
        return capacity - staying - waiting - incoming

    def check(self) -> None:
        """Raise `InvariantBroken` unless the beds add up."""
        if self.detained != sum(self.releases.values()) or self.detained < 0:
            raise InvariantBroken(
                f"{self.detained} persons detained, but their stays end for {sum(self.releases.values())}"
            )
        if self.queued != sum(persons for _, persons in self.queue) or self.queued < 0:
            raise InvariantBroken(f"{self.queued} persons awaiting removal, but the queue holds others")
        if self.admitted != self.occupied + self.freed_total + self.flown_total:
            raise InvariantBroken(
                f"{self.admitted} persons put in beds != {self.occupied} held + {self.freed_total} freed + "
                f"{self.flown_total} flown"
            )
        capacity = self.capacity
        release = self.detention is not None and self.detention.when_full == "release"
        if release and capacity is not None and self.occupied > capacity:
            raise InvariantBroken(f"{self.occupied} persons held in {capacity} beds")

    def _stay_values(self) -> list[int]:
        assert self.detention is not None
        return [days for days, _ in self.detention.stay_days]

    def _stay_weights(self) -> list[float]:
        assert self.detention is not None
        total = sum(weight for _, weight in self.detention.stay_days)
        return [weight / total for _, weight in self.detention.stay_days]
