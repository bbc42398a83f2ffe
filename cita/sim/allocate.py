"""draw-v1's allocation (§Algorithm 4–6) over numpy columns: the simulator's fast draws.

`cita.lottery` computes a draw from entries.csv bytes and HMAC draw keys, which costs about a microsecond
an entry in the keys alone: a year of a backlog of hundreds of thousands of groups is tens of millions of
entries. A fast run (scenario `draws = "fast"`) gives each entry a random rank instead of its HMAC draw
key and runs the same allocation here: the reserve phase by (waiting_since, rank), the lottery phase by
(tier, rank), each entry taking the first slot with room for its whole group, walking its ports in order
and each port's slots in order. Ties of rank go by entry number, as draw-v1 orders equal keys by ticket.

Given the ranks that the HMAC keys make, the result is that of `cita.lottery` entry for entry
(tests/sim/test_allocate.py checks it against `cita.lottery.draw_allocate` and `cita.lottery.passed_over`).

Speed comes from what never needs a Python step: seats only ever decrease within a phase, so an entry whose
group fits no slot of its walk now never will; such entries are dropped in bulk (numpy) between chunks of
the order, and the order itself is found a chunk at a time (`np.partition`), since a walk usually ends long
before the last entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
_FIRST_CHUNK = 256  # entries ordered in the first chunk at least; each next chunk is twice as large


class Walks:
    """The slots an entry may take, per distinct list of ports, in draw-v1 order (§Algorithm 5–6)."""

    def __init__(
        self, *, walks: Sequence[tuple[int, ...]], slot_count: int, slot_port: Sequence[int], port_count: int
    ) -> None:
        self.slots = [tuple(walk) for walk in walks]
        self.slot_count = slot_count
        width = max((len(walk) for walk in self.slots), default=0) or 1
        # Padded with a sentinel slot (number slot_count) whose room is always -1.
        self.matrix = np.full((max(len(self.slots), 1), width), slot_count, dtype=np.int64)
        for number, walk in enumerate(self.slots):
            self.matrix[number, : len(walk)] = walk
        ports = [sorted({slot_port[slot] for slot in walk}) for walk in self.slots]
        wide = max((len(p) for p in ports), default=0) or 1
        # The ports of each walk, padded with a sentinel port (number port_count).
        self.ports = np.full((max(len(self.slots), 1), wide), port_count, dtype=np.int64)
        for number, listed in enumerate(ports):
            self.ports[number, : len(listed)] = listed
        self.slot_port = np.asarray(slot_port, dtype=np.int64)
        self.port_count = port_count


@dataclass(frozen=True, slots=True)
class Placement:
    """The allocation of one round."""

    entries: IntArray  # the entries allocated (numbers in the round), in allocation order
    slots: IntArray  # the slot of each
    reserve: int  # how many of them the reserve phase allocated (the first ones)
    passed_over: IntArray  # entries not allocated that a phase passed over for their size, ascending


def allocate(
    *,
    sizes: IntArray,
    walks: IntArray,
    table: Walks,
    seats: Sequence[int],
    reserve_percent: int,
    reserve_rank: IntArray,
    lottery_rank: IntArray,
    passed: bool = False,
) -> Placement:
    """Allocate the round's seats: entry `i` has group size `sizes[i]`, walk `walks[i]` of `table`, and
    ranks ≥ 0 in each phase's order; `seats` are per slot. With `passed`, also find who was passed over."""
    count = len(sizes)
    left = [int(s) for s in seats]
    reserve_left = [s * reserve_percent // 100 for s in left]
    everyone = np.arange(count, dtype=np.int64)
    # draw-v1 §Algorithm 5: the reserve phase, on the reserve share of each slot only.
    reserved, reserved_slots = _phase(
        candidates=everyone,
        rank=reserve_rank,
        sizes=sizes,
        walks=walks,
        table=table,
        fits=reserve_left,
        takes=(reserve_left, left),
    )
    # §Algorithm 6: the lottery phase, over the others, on every seat left.
    if reserved:
        chosen = np.zeros(count, dtype=bool)
        chosen[reserved] = True
        others = everyone[~chosen]
    else:
        others = everyone
    drawn, drawn_slots = _phase(
        candidates=others,
        rank=lottery_rank,
        sizes=sizes,
        walks=walks,
        table=table,
        fits=left,
        takes=(left,),
    )
    entries = np.array(reserved + drawn, dtype=np.int64)
    slots = np.array(reserved_slots + drawn_slots, dtype=np.int64)
    passed_over = np.zeros(0, dtype=np.int64)
    if passed and (reserved or drawn):
        passed_over = _passed_over(
            count=count,
            walks=walks,
            table=table,
            allocated=entries,
            phases=(
                (reserve_rank, reserved, reserved_slots),
                (lottery_rank, drawn, drawn_slots),
            ),
        )
    return Placement(entries=entries, slots=slots, reserve=len(reserved), passed_over=passed_over)


def _phase(
    *,
    candidates: IntArray,
    rank: IntArray,
    sizes: IntArray,
    walks: IntArray,
    table: Walks,
    fits: list[int],
    takes: tuple[list[int], ...],
) -> tuple[list[int], list[int]]:
    """Walk `candidates` by (rank, number), each taking the first slot of its walk whose `fits` holds its
    group; `takes` are the counters a placed group is subtracted from. Returns entries and slots, in order."""
    placed: list[int] = []
    placed_slots: list[int] = []
    if not len(candidates) or max(fits, default=0) <= 0:
        return placed, placed_slots
    room = np.array([*fits, -1], dtype=np.int64)  # per slot, then the sentinel
    remaining = candidates
    smallest = int(sizes[candidates].min())
    chunk = max(_FIRST_CHUNK, sum(fits) // smallest)
    walk_slots = table.slots
    while len(remaining):
        # An entry that fits no slot of its walk now never will: seats only decrease within a phase.
        most = room[table.matrix].max(axis=1)
        remaining = remaining[sizes[remaining] <= most[walks[remaining]]]
        if not len(remaining):
            break
        if len(remaining) > chunk:
            ranks = rank[remaining]
            bound = np.partition(ranks, chunk - 1)[chunk - 1]
            low = ranks <= bound
            part, remaining = remaining[low], remaining[~low]
        else:
            part, remaining = remaining, remaining[:0]
        part = part[np.lexsort((part, rank[part]))]
        # Per walk, an upper bound of the room left in its slots (room only decreases): entries of a walk
        # already seen to be too full for them are skipped without walking its slots again.
        bound = most.tolist()
        for entry, size, walk in zip(part.tolist(), sizes[part].tolist(), walks[part].tolist(), strict=True):
            if size > bound[walk]:
                continue
            slots = walk_slots[walk]
            for slot in slots:
                if fits[slot] >= size:
                    for counter in takes:
                        counter[slot] -= size
                    placed.append(entry)
                    placed_slots.append(slot)
                    break
            else:
                bound[walk] = max(map(fits.__getitem__, slots))
        room[:-1] = fits
        if room.max() < smallest:
            break
        chunk *= 2
    return placed, placed_slots


def _passed_over(
    *,
    count: int,
    walks: IntArray,
    table: Walks,
    allocated: IntArray,
    phases: tuple[tuple[IntArray, list[int], list[int]], ...],
) -> IntArray:
    """Entries not allocated such that, in some phase, an entry after them was allocated at a port of theirs
    (cita.lottery.priority explains the rule)."""
    unplaced = np.ones(count, dtype=bool)
    unplaced[allocated] = False
    candidates = np.flatnonzero(unplaced)
    passed = np.zeros(len(candidates), dtype=bool)
    for rank, entries, slots in phases:
        if not entries:
            continue
        # The last entry allocated at each port in this phase (allocation order is the phase's order).
        last_rank = np.full(table.port_count + 1, -1, dtype=np.int64)
        last_entry = np.full(table.port_count + 1, -1, dtype=np.int64)
        placed = np.asarray(entries, dtype=np.int64)
        port = table.slot_port[np.asarray(slots, dtype=np.int64)]
        ports_seen, from_end = np.unique(port[::-1], return_index=True)
        last = placed[len(placed) - 1 - from_end]
        last_rank[ports_seen] = rank[last]
        last_entry[ports_seen] = last
        # Only entries up to the phase's last allocation can have one after them: look at those alone.
        near = np.flatnonzero(rank[candidates] <= last_rank.max())
        mine = candidates[near]
        theirs_rank = last_rank[table.ports[walks[mine]]]  # their ports' last allocations (sentinel: -1)
        theirs_entry = last_entry[table.ports[walks[mine]]]
        after = (theirs_rank > rank[mine][:, None]) | (
            (theirs_rank == rank[mine][:, None]) & (theirs_entry > mine[:, None])
        )
        passed[near[after.any(axis=1)]] = True
    result: IntArray = candidates[passed]
    return result
