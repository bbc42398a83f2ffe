"""Seats made by officers: each port's slots, capped by what its officers can process, and the officers
moved from a port closed to traffic to another port (docs/simulator.md, "Staffing").

A port with `officers` processes at most `officers × persons_per_shift` persons a day: its slots keep the
seats of the scenario when the officers can process them, and are cut in proportion otherwise. A move
closes the port it takes officers from (the engine treats it as a closure) and adds, at the port they go
to, those officers and `officers × persons_per_shift` seats spread over its slots in proportion.
"""

from __future__ import annotations

from collections.abc import Sequence

from cita.sim.pipeline import OfficerMove
from cita.sim.scenario import Scenario


def spread(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split in proportion to `weights` (evenly when they are all 0), the first taking the rest."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    base = sum(weights)
    parts = [total * w // base for w in weights] if base else [total // len(weights)] * len(weights)
    for number in range(total - sum(parts)):
        parts[number % len(parts)] += 1
    return parts


class Calendar:
    """Seats per slot of each appointment day, as announced so far."""

    def __init__(
        self, scenario: Scenario, *, port_slots: dict[str, list[int]], slot_seats: list[int]
    ) -> None:
        self.persons = scenario.staffing.persons_per_shift
        self.port_slots = port_slots
        self.base = slot_seats
        self.ports = [port.code for port in scenario.ports]
        self.officers_base = {port.code: port.officers for port in scenario.ports}
        self.changes = scenario.staffing.changes
        # day → port → officers moved in. The port they leave is closed on those days: its seats count as
        # closed, not as seats its remaining officers could not process.
        self.moved: dict[int, dict[str, int]] = {}
        self.cache: dict[int, tuple[list[int], int]] = {}
        # Without officers anywhere, every day has the scenario's seats.
        self.plain = self.persons is None

    def officers(self, port: str, day: int) -> int | None:
        """Officers processing people at `port` on `day` (None: not limited), moves included."""
        officers = self.officers_base[port]
        for change in self.changes:
            if change.port == port and change.first_day <= day:
                officers = change.officers
        if officers is None:
            return None
        return officers + self.moved.get(day, {}).get(port, 0)

    def nominal(self, day: int) -> list[int]:
        """Seats per slot on `day` (do not change the list)."""
        if self.plain:
            return self.base
        return self._day(day)[0]

    def short(self, day: int) -> int:
        """Seats of the scenario that the officers of `day` cannot process."""
        if self.plain:
            return 0
        return self._day(day)[1]

    def port_seats(self, port: str, day: int) -> int:
        """Seats of one port on `day`."""
        seats = self.nominal(day)
        return sum(seats[slot] for slot in self.port_slots[port])

    def move(self, move: OfficerMove) -> range:
        """Record a move being announced; returns the days whose seats it changes."""
        days = range(move.first_day, move.last_day + 1)
        for day in days:
            ports = self.moved.setdefault(day, {})
            ports[move.to_port] = ports.get(move.to_port, 0) + move.officers
            self.cache.pop(day, None)
        return days

    def _day(self, day: int) -> tuple[list[int], int]:
        cached = self.cache.get(day)
        if cached is not None:
            return cached
        persons = self.persons or 0
        seats = list(self.base)
        short = 0
        for port in self.ports:
            slots = self.port_slots[port]
            weights = [self.base[slot] for slot in slots]
            planned = sum(weights) + self.moved.get(day, {}).get(port, 0) * persons
            officers = self.officers(port, day)
            if officers is not None:
                short += max(0, planned - officers * persons)
                planned = min(planned, officers * persons)
            for slot, count in zip(slots, spread(planned, weights), strict=True):
                seats[slot] = count
        self.cache[day] = (seats, short)
        return seats, short
