"""Who a computed draw passed over for the size of their group (docs/simulator.md, "Fairness by group size").

A group is never split, and each phase of draw-v1 (§Algorithm 5–6) gives every entry, in turn, the first
slot with room for its whole group. When a group's turn comes and every slot of the ports it ranked has a
few seats left, too few for it, the walk goes on and smaller groups drawn after it take those seats. Over
many draws, large families are served less often than single travellers. Tiers are inputs of draw-v1, so
the remedy needs no change of the algorithm: the groups a draw passed over that way go first (tier 0) in
the next draws they enter, until they are selected.

`passed_over` names them from the published bundle alone (manifest, entries and results), so anyone can
check why a group was given priority. An entry was passed over for its size when it was not selected and,
in the order of the reserve phase or of the lottery phase, an entry after it was allocated at a port it
ranked. A single traveller is never passed over: when nothing of its ports had a seat left at its turn,
nobody after it got one there in that phase either.
"""

from __future__ import annotations

from collections.abc import Sequence

from cita.lottery.errors import BundleError
from cita.lottery.keys import draw_keys_compute, key_derive
from cita.lottery.model import MANIFEST_FILE, Entries, Manifest, Result


def passed_over(*, manifest: Manifest, entries: Entries, results: Sequence[Result]) -> frozenset[str]:
    """Tickets of the entries that `results`, the draw of this manifest and entries, passed over for size."""
    if manifest.server_seed is None:
        raise BundleError(
            "is null: the seed has not been revealed yet, so the draw cannot be examined",
            file=MANIFEST_FILE,
            field="server_seed",
        )
    tickets = entries.tickets
    index_of = {ticket: index for index, ticket in enumerate(tickets)}
    phase_of = {index_of[result.ticket.encode("ascii")]: result for result in results}
    # Entries that could have been passed over: not selected, and ranking a port someone was allocated at.
    allocated_ports = {result.port for result in results}
    candidates = [
        index
        for index in range(len(tickets))
        if index not in phase_of and not allocated_ports.isdisjoint(entries.ports[index])
    ]
    members = sorted(phase_of) + candidates
    key = key_derive(server_seed=manifest.server_seed, beacon=manifest.beacon)
    draw_key = dict(
        zip(
            members,
            draw_keys_compute(key=key, draw_id=manifest.draw_id, tickets=[tickets[i] for i in members]),
            strict=True,
        )
    )
    # The place in each phase's order (§Algorithm 5: waiting_since, draw key; §6: tier, draw key) of the
    # last entry allocated at each port in that phase: results are in allocation order, which within a
    # phase is that phase's order. Equal draw keys would be ordered by ticket.
    last: dict[tuple[str, str], tuple[str | int, bytes, bytes]] = {}
    for index, result in phase_of.items():
        last[(result.phase, result.port)] = _place(entries, index, result.phase, draw_key[index])
    tickets_passed = set()
    for index in candidates:
        for phase in ("reserve", "lottery"):
            place = _place(entries, index, phase, draw_key[index])
            if any((phase, port) in last and place < last[(phase, port)] for port in entries.ports[index]):
                tickets_passed.add(tickets[index].decode("ascii"))
                break
    return frozenset(tickets_passed)


def _place(entries: Entries, index: int, phase: str, draw_key: bytes) -> tuple[str | int, bytes, bytes]:
    """Where entry `index` stands in the order of `phase`."""
    first: str | int = entries.waiting_since[index] if phase == "reserve" else entries.tiers[index]
    return (first, draw_key, entries.tickets[index])
