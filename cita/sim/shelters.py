"""Where waiting groups wait: in the city of their first-ranked port, in its shelters while they have room,
outside them (camps) otherwise (docs/simulator.md, "Shelters").

A group counts in its city from its first request until its appointment day (waiting, holding an offer or
booked); giving up or its appointment ends it. Who of the city's people holds a shelter place does not
matter for the counts: the shelters are full before anyone sleeps outside.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from cita.sim.errors import InvariantBroken
from cita.sim.scenario import Scenario

IntArray = npt.NDArray[np.int64]


class Shelters:
    """Persons waiting in each city of the ports, and the city's shelter places."""

    def __init__(self, scenario: Scenario) -> None:
        cities: list[str] = []
        for port in scenario.ports:
            if port.city is not None and port.city not in cities:
                cities.append(port.city)
        self.names = cities
        places = {shelter.city: shelter.capacity for shelter in scenario.shelters}
        self.capacity = np.array([places.get(city, 0) for city in cities], dtype=np.int64)
        self.city_of_port = {
            port.code: (cities.index(port.city) if port.city is not None else -1) for port in scenario.ports
        }
        self.persons = np.zeros(len(cities), dtype=np.int64)
        self.history: list[list[int]] = []  # persons per city at the end of each day
        self.active = bool(cities)

    def city_of(self, ranking: Sequence[str]) -> int:
        """The city of a ranking's first port (-1: a port without a city)."""
        return self.city_of_port[ranking[0]] if ranking else -1

    def add(self, cities: IntArray, sizes: npt.NDArray[np.integer], sign: int = 1) -> None:
        """Persons of groups come to (sign 1) or leave (sign -1) their cities."""
        if not self.active or not len(cities):
            return
        known = cities >= 0
        counts = np.bincount(cities[known], weights=sizes[known], minlength=len(self.names))
        self.persons += sign * counts.astype(np.int64)

    def day_end(self) -> tuple[int, int, int]:
        """Record today's counts; returns (persons in the cities, in shelters, outside)."""
        self.history.append(self.persons.tolist())
        sheltered = np.minimum(self.persons, self.capacity)
        return int(self.persons.sum()), int(sheltered.sum()), int((self.persons - sheltered).sum())

    def check(self, expected: IntArray) -> None:
        """Raise `InvariantBroken` unless each city's persons are `expected` (counted from the groups)."""
        if not self.active:
            return
        if (self.persons < 0).any() or not np.array_equal(self.persons, expected):
            raise InvariantBroken(f"persons per city {self.persons.tolist()} != {expected.tolist()} counted")
