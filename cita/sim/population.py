"""Who arrives: the groups already waiting, the new groups of each day and the caravans' groups, each with
a size, a ranking of ports and an urgent flag, and the nationality group whose outcome shares apply.

Rankings are drawn by popularity without replacement (the Gumbel top-k: the order of log(weight) + Gumbel
noise is exactly that of drawing ports one by one by weight). Each distinct ranking is kept once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cita.sim.pipeline import Caravan
from cita.sim.scenario import Scenario

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Newcomers:
    """Groups about to be added, column by column."""

    arrival: npt.NDArray[np.int32]  # the day of the first request
    size: npt.NDArray[np.int64]
    ranking: npt.NDArray[np.int32]
    urgent: npt.NDArray[np.bool_]
    nationality: npt.NDArray[np.int8]

    def take(self, mask: npt.NDArray[np.bool_]) -> Newcomers:
        """Only the groups where `mask` holds."""
        return Newcomers(
            arrival=self.arrival[mask],
            size=self.size[mask],
            ranking=self.ranking[mask],
            urgent=self.urgent[mask],
            nationality=self.nationality[mask],
        )


@dataclass(slots=True)
class CaravanCount:
    """What became of one caravan's people."""

    name: str
    people: int
    groups: int = 0
    arriving_groups: int = 0
    arriving_persons: int = 0
    arrived_groups: int = 0  # within the run
    arrived_persons: int = 0


class Population:
    """Draws groups and keeps the table of distinct rankings."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.port_codes = [port.code for port in scenario.ports]
        self.popularity = self._log_weights([port.popularity for port in scenario.ports])
        ranked = scenario.arrivals.ports_ranked
        self.ranked_values = np.array([k for k, _ in ranked])
        self.ranked_p = np.array([w for _, w in ranked]) / sum(w for _, w in ranked)
        self.size_values, self.size_p = _weights(scenario.arrivals.group_sizes)
        shares = [group.share for group in scenario.outcomes]
        self.nationality_p = np.array(shares) / sum(shares) if len(shares) > 1 else None
        self.rankings: list[tuple[str, ...]] = []
        self.ranking_text: list[bytes] = []
        self.ranking_id: dict[bytes, int] = {}
        self.code_id: dict[int, int] = {}  # a ranking's number (see `draw`) → its id

    def draw(
        self,
        arrival: npt.NDArray[np.int32],
        rng: np.random.Generator,
        nationality_rng: np.random.Generator,
        *,
        sizes: npt.NDArray[np.int64] | None = None,
        popularity: npt.NDArray[np.float64] | None = None,
        urgent_share: float | None = None,
        nationality: int | None = None,
    ) -> Newcomers:
        """Groups whose first requests are on `arrival` (one day each). Draws, in this order from `rng`,
        their sizes (unless given), how many ports each ranks, the ranking noise and the urgent flags."""
        n = len(arrival)
        if sizes is None:
            sizes = rng.choice(self.size_values, p=self.size_p, size=n)
        log_weights = self.popularity if popularity is None else popularity
        positive = int(np.isfinite(log_weights).sum())
        ranked = np.minimum(rng.choice(self.ranked_values, p=self.ranked_p, size=n), positive)
        keys = log_weights + rng.gumbel(size=(n, len(self.port_codes)))
        order = np.argsort(-keys, axis=1, kind="stable")
        width = int(ranked.max()) if n else 0
        padded = np.where(np.arange(width) < ranked[:, None], order[:, :width], -1).astype(np.int64)
        base = len(self.port_codes) + 1
        if width * np.log2(base) < 62:
            # Each ranking as one number (port + 1 in base ports + 1): the distinct ones found quickly.
            codes = (padded + 1) @ (base ** np.arange(width, dtype=np.int64))
            distinct, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
            ids = np.array(
                [
                    self.code_id[code] if code in self.code_id else self._ranking_add(padded[row], code=code)
                    for code, row in zip(distinct.tolist(), first.tolist(), strict=True)
                ],
                dtype=np.int32,
            )
        else:
            _, first, inverse = np.unique(padded, axis=0, return_index=True, return_inverse=True)
            ids = np.array([self._ranking_add(padded[row]) for row in first.tolist()], dtype=np.int32)
        share = self.scenario.arrivals.urgent_share if urgent_share is None else urgent_share
        urgent = rng.random(n) < share
        groups: npt.NDArray[np.int8]
        if nationality is not None:
            groups = np.full(n, nationality, dtype=np.int8)
        elif self.nationality_p is not None:
            groups = nationality_rng.choice(len(self.nationality_p), p=self.nationality_p, size=n).astype(
                np.int8
            )
        else:
            groups = np.zeros(n, dtype=np.int8)
        return Newcomers(
            arrival=arrival,
            size=np.asarray(sizes, dtype=np.int64),
            ranking=ids[inverse.reshape(-1)],
            urgent=urgent,
            nationality=groups,
        )

    def caravan(
        self, caravan: Caravan, rng: np.random.Generator, nationality_rng: np.random.Generator
    ) -> tuple[Newcomers, CaravanCount]:
        """The groups of a caravan that will arrive, each on its day, and the count of its people."""
        count = CaravanCount(name=caravan.name, people=caravan.people)
        values, p = _weights(caravan.group_sizes)
        mean = float((values * p).sum())
        sizes = np.zeros(0, dtype=np.int64)
        while int(sizes.sum()) < caravan.people:
            more = rng.choice(values, p=p, size=int(caravan.people / mean) + 16)
            sizes = np.concatenate([sizes, more.astype(np.int64)])
        if len(sizes):
            total = np.cumsum(sizes)
            last = int(np.searchsorted(total, caravan.people))
            sizes = sizes[: last + 1]
            sizes[last] -= int(total[last]) - caravan.people  # the last group: whoever is left
        n = len(sizes)
        arriving = rng.random(n) >= caravan.never_arrive
        days = (caravan.first_arrival + rng.integers(0, caravan.spread_days, size=n)).astype(np.int32)
        popularity = None
        if caravan.popularity:
            weights = dict(caravan.popularity)
            popularity = self._log_weights([weights.get(code, 0.0) for code in self.port_codes])
        nationality = None
        if caravan.nationality is not None:
            nationality = [group.name for group in self.scenario.outcomes].index(caravan.nationality)
        groups = self.draw(
            days,
            rng,
            nationality_rng,
            sizes=sizes,
            popularity=popularity,
            urgent_share=caravan.urgent_share,
            nationality=nationality,
        ).take(arriving)
        count.groups = n
        count.arriving_groups = len(groups.size)
        count.arriving_persons = int(groups.size.sum())
        return groups, count

    def _ranking_add(self, row: npt.NDArray[np.int64], *, code: int | None = None) -> int:
        """The id of a ranking given as port numbers padded with -1 (and remembered by its `code`)."""
        ports = tuple(self.port_codes[number] for number in row.tolist() if number >= 0)
        text = "|".join(ports).encode("ascii") + b"\n"
        number = self.ranking_id.get(text)
        if number is None:
            number = self.ranking_id[text] = len(self.rankings)
            self.rankings.append(ports)
            self.ranking_text.append(text)
        if code is not None:
            self.code_id[code] = number
        return number

    def ranking_first_only(self, number: int) -> int:
        """The id of the ranking made of ranking `number`'s first port alone (a group that waits for it)."""
        first = self.port_codes.index(self.rankings[number][0])
        return self._ranking_add(np.array([first], dtype=np.int64))

    @staticmethod
    def _log_weights(weights: Sequence[float]) -> npt.NDArray[np.float64]:
        array = np.array(weights, dtype=float)
        with np.errstate(divide="ignore"):
            result: npt.NDArray[np.float64] = np.log(array / array.sum())
        return result


def _weights(pairs: tuple[tuple[int, float], ...]) -> tuple[IntArray, npt.NDArray[np.float64]]:
    """Values and probabilities of a `value → weight` table."""
    values = np.array([value for value, _ in pairs], dtype=np.int64)
    weights = np.array([weight for _, weight in pairs], dtype=float)
    return values, weights / weights.sum()
