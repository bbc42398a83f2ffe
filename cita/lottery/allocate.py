"""The allocation: draw-v1 §Algorithm 4–7, reserve phase then lottery phase.

Both phases walk entries in a fixed order and stop as soon as the smallest group still to be walked fits in
no slot, which the spec allows because walking the rest would change nothing. Entries are ordered lazily:
one group of equal `waiting_since` (or `tier`) at a time, through a heap, and the draw key of an entry is
computed only when its group is reached. With a million entries and about 1,450 seats, the walk ends in the
first group or two, so most entries are never ordered, and the result is the same as sorting and walking
everything. When that group is huge (a million entries of tier 1 behind a few hundred urgent ones), every
key in it must be computed, but only the part below a draw-key bound is ordered unless the walk goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from heapq import heapify, heappop
from itertools import compress, count, filterfalse
from operator import not_
from typing import TypeVar, cast

from cita.lottery.entries import entries_from_bytes, entries_to_bytes
from cita.lottery.errors import BundleError
from cita.lottery.keys import draw_keys_compute, key_derive
from cita.lottery.manifest import manifest_check
from cita.lottery.model import ENTRIES_FILE, MANIFEST_FILE, Column, Entries, Entry, Manifest, Phase, Result
from cita.lottery.pause import collector_paused

P = TypeVar("P", str, int)  # what a phase orders by first: waiting_since or tier

# Groups found by scanning the whole column before grouping it all at once (one Python loop over it).
_SCANS = 2
# Below this many entries taken from one heap, popping is cheaper than sorting what is left; beyond it
# (a walk that goes deep, e.g. when one slot has a seat that only rare groups could take) the rest is sorted.
_HEAP_POPS_MIN = 64
# Groups larger than this are ordered in two parts, by draw key below and above a bound (`_by_key`).
_SPLIT_MIN = 256


@dataclass(frozen=True, slots=True)
class Allocation:
    """The results of one draw and how many seats each phase used."""

    results: list[Result]
    entries: int
    seats: int
    reserve_seats: int
    reserve_used: int
    lottery_used: int


def draw_compute(*, manifest: Manifest, entries: Sequence[Entry]) -> list[Result]:
    """The results of a draw in allocation order; computes nothing if §Algorithm 1 refuses the input."""
    return draw_allocate(manifest=manifest, entries=entries).results


def draw_allocate(*, manifest: Manifest, entries: Sequence[Entry]) -> Allocation:
    """The results of a draw with the seats each phase used; refuses whatever §Algorithm 1 refuses."""
    # draw-v1 §Algorithm 1: check everything before computing anything.
    manifest_check(manifest)
    if manifest.server_seed is None:
        raise BundleError(
            "is null: the seed has not been revealed yet, so the draw cannot be computed",
            file=MANIFEST_FILE,
            field="server_seed",
        )
    ports = {slot.port for slot in manifest.capacity}
    if not isinstance(entries, Entries):
        # Written and read back: the same checks as a file, and the hash of exactly what would be published.
        entries = entries_from_bytes(entries_to_bytes(entries), ports=ports)
    unknown = sorted(entries.ports_used - ports)
    if unknown:
        raise BundleError(f"entries rank port {unknown[0]!r}, which has no capacity", file=ENTRIES_FILE)
    if entries.sha256 != manifest.entries_sha256:
        raise BundleError(
            f"SHA-256 of entries.csv is {entries.sha256}, manifest.json entries_sha256 says "
            f"{manifest.entries_sha256}",
            file=ENTRIES_FILE,
        )
    with collector_paused():
        return _allocate(manifest=manifest, server_seed=manifest.server_seed, entries=entries)


def _allocate(*, manifest: Manifest, server_seed: str, entries: Entries) -> Allocation:
    """§Algorithm 2–7 on checked input."""
    capacity = manifest.capacity
    tickets = entries.tickets
    sizes = entries.group_sizes
    # draw-v1 §Algorithm 4: every slot starts with all its seats, a share of them held for the reserve phase.
    left = [slot.seats for slot in capacity]
    reserve_left = [slot.seats * manifest.reserve_percent // 100 for slot in capacity]
    reserve_seats = sum(reserve_left)
    # draw-v1 §Algorithm 5–6: a walk visits the ports in preference order and each port's slots in the
    # order the capacity lists them; one flat tuple of slot numbers per distinct port list.
    port_slots: dict[str, list[int]] = {}
    for number, slot in enumerate(capacity):
        port_slots.setdefault(slot.port, []).append(number)
    walks: dict[bytes, tuple[int, ...]] = {}
    ports = entries.ports

    def walk_of(index: int) -> tuple[int, ...]:
        """The slots entry `index` may take, in the order it must try them."""
        raw = ports.raw[index]
        walk = walks.get(raw)
        if walk is None:
            walk = walks[raw] = tuple(number for port in ports.value_of[raw] for number in port_slots[port])
        return walk

    # draw-v1 §Algorithm 2–3: K once; each draw key when its entry's group is first reached, and kept for
    # the lottery phase when the reserve phase computed it.
    key = key_derive(server_seed=server_seed, beacon=manifest.beacon)
    keys: list[bytes | None] = [None] * len(tickets)
    kept = 0  # keys stored in `keys` (an upper bound: a key stored twice counts twice)

    def keys_of(members: list[int], *, keep: bool) -> list[bytes]:
        """The draw keys of the entries `members`; stored for later phases when `keep`."""
        nonlocal kept
        if kept * 8 < len(members):
            # Few of them, if any, were computed before: computing those again costs less than sorting out
            # which they are (the usual case: a big group of tier 1 after a small reserve walk).
            fresh = draw_keys_compute(
                key=key, draw_id=manifest.draw_id, tickets=map(tickets.__getitem__, members)
            )
            if keep:
                for index, draw_key in zip(members, fresh, strict=True):
                    keys[index] = draw_key
                kept += len(members)
            return fresh
        missing = [index for index in members if keys[index] is None]
        fresh = draw_keys_compute(key=key, draw_id=manifest.draw_id, tickets=[tickets[i] for i in missing])
        for index, draw_key in zip(missing, fresh, strict=True):
            keys[index] = draw_key
        kept += len(missing)
        return cast(list[bytes], [keys[index] for index in members])

    counts: Counter[int] = Counter()
    for raw, lines in Counter(sizes.raw).items():
        counts[sizes.value_of[raw]] += lines
    # draw-v1 §Algorithm 5: the reserve phase, by (waiting_since, draw key), on the reserve share only.
    reserved = _phase(
        order=_ordered(
            primary=entries.waiting_since, tickets=tickets, keys_of=partial(keys_of, keep=True), skip=()
        ),
        sizes=sizes,
        walk_of=walk_of,
        fits=reserve_left,
        takes=(reserve_left, left),
        remaining=counts.copy(),
    )
    # draw-v1 §Algorithm 6: the lottery phase, by (tier, draw key), over those not yet selected, on every
    # seat left (unused reserve seats included: they were never taken from `left`).
    chosen = {index for index, _ in reserved}
    remaining = counts.copy()
    remaining.subtract(sizes[index] for index in chosen)
    drawn = _phase(
        order=_ordered(
            primary=entries.tiers, tickets=tickets, keys_of=partial(keys_of, keep=False), skip=chosen
        ),
        sizes=sizes,
        walk_of=walk_of,
        fits=left,
        takes=(left,),
        remaining=remaining,
    )
    # draw-v1 §Algorithm 7: allocation order, `order` counting from 1 across both phases.
    results: list[Result] = []
    phases: tuple[tuple[Phase, list[tuple[int, int]]], ...] = (("reserve", reserved), ("lottery", drawn))
    for phase, taken in phases:
        for index, number in taken:
            slot = capacity[number]
            results.append(
                Result(
                    ticket=tickets[index].decode("ascii"),
                    port=slot.port,
                    slot=slot.slot,
                    phase=phase,
                    order=len(results) + 1,
                )
            )
    return Allocation(
        results=results,
        entries=len(tickets),
        seats=sum(slot.seats for slot in capacity),
        reserve_seats=reserve_seats,
        reserve_used=sum(sizes[index] for index, _ in reserved),
        lottery_used=sum(sizes[index] for index, _ in drawn),
    )


def _phase(
    *,
    order: Iterator[int],
    sizes: Column[int],
    walk_of: Callable[[int], tuple[int, ...]],
    fits: list[int],
    takes: tuple[list[int], ...],
    remaining: Counter[int],
) -> list[tuple[int, int]]:
    """Walk entries in `order`, each taking the first slot whose `fits` holds its group (§Algorithm 5–6).

    `takes` are the counters a placed group is subtracted from; `remaining` counts the group sizes of the
    entries this phase has still to walk. Returns (entry, slot) pairs in allocation order.
    """
    taken: list[tuple[int, int]] = []
    smallest = sorted(size for size, count in remaining.items() if count > 0)
    low = 0  # smallest[low] is the smallest group still to walk
    most = max(fits, default=0)
    # Early stop (draw-v1 §Algorithm, last paragraph): once the smallest group still to walk is larger than
    # the roomiest slot, no later entry can be placed, so stopping gives the same result as walking on. The
    # test comes before the next entry is drawn from `order`, which may otherwise hash a whole new group.
    if not smallest or smallest[0] > most:
        return taken
    for index in order:
        size = sizes[index]
        remaining[size] -= 1
        while low < len(smallest) and remaining[smallest[low]] == 0:
            low += 1
        for number in walk_of(index):
            if fits[number] >= size:
                for counter in takes:
                    counter[number] -= size
                taken.append((index, number))
                most = max(fits)
                break
        if low < len(smallest) and smallest[low] > most:
            break
    return taken


def _ordered(
    *,
    primary: Column[P],
    tickets: Sequence[bytes],
    keys_of: Callable[[list[int]], list[bytes]],
    skip: Collection[int],
) -> Iterator[int]:
    """Entry numbers by (primary, draw key) ascending, leaving out `skip`, ordered one group at a time.

    Equal draw keys (never seen: HMAC-SHA256 outputs) would be ordered by ticket, so the order depends on
    the entries' content only, never on their order in entries.csv.
    """
    # Distinct raw fields have distinct values (entries.csv allows one spelling of each date and number).
    values = sorted(primary.value_of, key=primary.value_of.__getitem__)
    groups: dict[bytes, list[int]] = {}
    for visited, value in enumerate(values):
        if visited < _SCANS:
            # The first groups are found by a scan in C: a walk rarely goes further.
            members = list(compress(count(), map(value.__eq__, primary.raw)))
        else:
            if not groups:
                groups = _groups(primary.raw)
            members = groups[value]
        if skip:
            members = list(filterfalse(skip.__contains__, members))
        yield from _by_key(members, keys_of(members), tickets)


def _by_key(members: list[int], keys: list[bytes], tickets: Sequence[bytes]) -> Iterator[int]:
    """`members` by (draw key, ticket), `keys` being their draw keys; lazily, as a walk usually stops early.

    A big group is cut in two at a bound below which about 1/64 of its keys fall (draw keys are uniform
    256-bit numbers; any bound would give the same order, only the speed depends on it): every key below
    it comes before every key above it, so ordering the part below, then the part above if the walk gets
    there, is ordering the whole group, without a tuple per entry of the part never reached.
    """
    if len(members) <= _SPLIT_MIN:
        yield from _heap_order(members, keys, tickets)
        return
    first = max(_HEAP_POPS_MIN, len(members) >> 6)
    bound = ((first << 256) // len(members)).to_bytes(32, "big")
    below = list(map(bound.__gt__, keys))
    yield from _heap_order(list(compress(members, below)), list(compress(keys, below)), tickets)
    above = list(map(not_, below))
    yield from _heap_order(list(compress(members, above)), list(compress(keys, above)), tickets)


def _heap_order(members: list[int], keys: list[bytes], tickets: Sequence[bytes]) -> Iterator[int]:
    """`members` by (draw key, ticket): the first ones popped from a heap, the rest sorted at once."""
    heap = list(zip(keys, [tickets[index] for index in members], members, strict=True))
    heapify(heap)
    pops = max(_HEAP_POPS_MIN, len(heap) >> 4)
    while heap and pops:
        pops -= 1
        yield heappop(heap)[2]
    heap.sort()
    for item in heap:
        yield item[2]


def _groups(raw: Sequence[bytes]) -> dict[bytes, list[int]]:
    """Line numbers by field value."""
    groups: dict[bytes, list[int]] = {}
    for index, value in enumerate(raw):
        members = groups.get(value)
        if members is None:
            groups[value] = [index]
        else:
            members.append(index)
    return groups
