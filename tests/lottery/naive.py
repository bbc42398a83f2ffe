"""A second, deliberately naive implementation of specs/draw-v1.md, to cross-check `cita.lottery`.

Each step is a line-by-line transcription of the spec: plain loops, `hmac.new` per ticket, full sorts, every
entry walked, no early stop and nothing clever. It assumes a valid bundle (the checks of §Algorithm 1 are
asserts) and shares no code with the real implementation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


def naive_results(manifest_bytes: bytes, entries_bytes: bytes) -> bytes:
    """The results.csv bytes of a valid, revealed bundle."""
    manifest = json.loads(manifest_bytes.decode("utf-8"))
    lines = entries_bytes.decode("utf-8").split("\n")
    assert lines[0] == "ticket,group_size,tier,waiting_since,ports"
    assert lines[-1] == ""
    entries: list[dict[str, Any]] = []
    for line in lines[1:-1]:
        ticket, group_size, tier, waiting_since, ports = line.split(",")
        entries.append(
            {
                "ticket": ticket,
                "group_size": int(group_size),
                "tier": int(tier),
                "waiting_since": waiting_since,
                "ports": ports.split("|"),
            }
        )

    # 1. Check.
    seed_bytes = bytes.fromhex(manifest["server_seed"])
    assert hashlib.sha256(seed_bytes).hexdigest() == manifest["commitment"]
    assert hashlib.sha256(entries_bytes).hexdigest() == manifest["entries_sha256"]
    tickets = [entry["ticket"] for entry in entries]
    assert len(set(tickets)) == len(tickets)
    capacity_ports = [slot["port"] for slot in manifest["capacity"]]
    for entry in entries:
        for port in entry["ports"]:
            assert port in capacity_ports

    # 2. Key.
    if manifest["beacon"] is not None:
        beacon_value_bytes = bytes.fromhex(manifest["beacon"]["value"])
        key = hashlib.sha256(seed_bytes + beacon_value_bytes).digest()
    else:
        key = seed_bytes

    # 3. Draw key of an entry.
    for entry in entries:
        message = ("cita-draw-v1|" + manifest["draw_id"] + "|" + entry["ticket"]).encode("utf-8")
        entry["draw_key"] = hmac.new(key, message, hashlib.sha256).digest()

    # 4. Seats.
    slots: list[dict[str, Any]] = []
    for slot in manifest["capacity"]:
        slots.append(
            {
                "port": slot["port"],
                "slot": slot["slot"],
                "left": slot["seats"],
                "reserve_left": slot["seats"] * manifest["reserve_percent"] // 100,
            }
        )

    results: list[tuple[str, str, str, str]] = []
    selected = set()

    # 5. Reserve phase (longest waiting).
    for entry in sorted(entries, key=lambda entry: (entry["waiting_since"], entry["draw_key"])):
        placed = False
        for port in entry["ports"]:
            for slot in slots:
                if slot["port"] != port:
                    continue
                if slot["reserve_left"] >= entry["group_size"]:
                    slot["reserve_left"] -= entry["group_size"]
                    slot["left"] -= entry["group_size"]
                    results.append((entry["ticket"], slot["port"], slot["slot"], "reserve"))
                    selected.add(entry["ticket"])
                    placed = True
                    break
            if placed:
                break

    # 6. Lottery phase.
    not_selected = [entry for entry in entries if entry["ticket"] not in selected]
    for entry in sorted(not_selected, key=lambda entry: (entry["tier"], entry["draw_key"])):
        placed = False
        for port in entry["ports"]:
            for slot in slots:
                if slot["port"] != port:
                    continue
                if slot["left"] >= entry["group_size"]:
                    slot["left"] -= entry["group_size"]
                    results.append((entry["ticket"], slot["port"], slot["slot"], "lottery"))
                    selected.add(entry["ticket"])
                    placed = True
                    break
            if placed:
                break

    # 7. Output.
    output = "ticket,port,slot,phase,order\n"
    for order, (ticket, port, slot, phase) in enumerate(results, start=1):
        output += f"{ticket},{port},{slot},{phase},{order}\n"
    return output.encode("utf-8")
