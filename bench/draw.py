"""`cita draw compute` on a day of 1,000,000 entries, against a floor measured in the same run.

The floor is what a straightforward draw-v1 implementation in Python cannot avoid: parse entries.csv,
compute every ticket's HMAC with precomputed pads, and sort by (tier, key). Both run as fresh processes
(interpreter start included), several times, alternating; the best time of each is compared. Goal: compute
≤ 1.5 × floor and a peak resident set of the compute process ≤ 1 GB, on two days: a realistic one, where
the walk ends early and most entries are never hashed or ordered, and one where every entry has the same
tier and date, so that nothing can be skipped.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import random
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from cita.lottery import (
    Beacon,
    Capacity,
    Manifest,
    commitment_compute,
    manifest_to_bytes,
)

ENTRIES = 1_000_000
RUNS = 3
RATIO_GOAL = 1.5
RSS_GOAL = 1 << 30
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "draw"

# Eight ports of entry, eight hourly slots each, 1,450 seats in all (a day of the real system).
PORTS = ("SYS", "OTM", "CAL", "NOG", "DCL", "ELP", "HID", "BRO")
SLOTS = tuple(f"{hour:02d}:00" for hour in range(8, 16))
SEATS = 1450

FLOOR = textwrap.dedent(
    '''
    """Floor: parse entries.csv, HMAC every ticket with precomputed pads, sort by (tier, key)."""
    import gc
    import hashlib
    import json
    import sys
    from itertools import islice

    gc.disable()  # as the real implementation does while it allocates: the floor gets the same advantage
    directory = sys.argv[1]
    with open(f"{directory}/manifest.json", "rb") as stream:
        manifest = json.load(stream)
    seed = bytes.fromhex(manifest["server_seed"])
    beacon = manifest["beacon"]
    key = hashlib.sha256(seed + bytes.fromhex(beacon["value"])).digest() if beacon else seed
    with open(f"{directory}/entries.csv", "rb") as stream:
        data = stream.read()
    lines = data.split(b"\\n")
    lines.pop()
    rows = [line.split(b",") for line in islice(lines, 1, None)]
    tickets = [row[0] for row in rows]
    tiers = [int(row[2]) for row in rows]
    pad = key.ljust(64, b"\\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in pad))
    inner.update(f"cita-draw-v1|{manifest['draw_id']}|".encode())
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in pad))
    inner_copy, outer_copy = inner.copy, outer.copy
    keys = []
    for ticket in tickets:
        inner_hash = inner_copy()
        inner_hash.update(ticket)
        outer_hash = outer_copy()
        outer_hash.update(inner_hash.digest())
        keys.append(outer_hash.digest())
    order = sorted(zip(tiers, keys))
    print(len(order), order[0][1].hex())
    '''
)


@dataclass(frozen=True)
class Run:
    """One finished process: wall time, peak resident set and what it printed."""

    seconds: float
    peak_rss: int
    output: str


# A realistic day, and the hardest one for this implementation: every entry in one tier with one date, so
# that every draw key must be computed and both phases order all entries (nothing can be skipped).
SCENARIOS = (("realistic day", False), ("one tier, one date", True))


def main() -> int:
    """Time floor and compute on each day of `SCENARIOS`, print the figures; non-zero if a goal is missed."""
    OUT.mkdir(parents=True, exist_ok=True)
    floor_script = OUT / "floor.py"
    floor_script.write_text(FLOOR)
    met = True
    for name, uniform in SCENARIOS:
        met &= _scenario(
            name, bundle=OUT / ("uniform" if uniform else "bundle"), floor=floor_script, uniform=uniform
        )
    print("goal met" if met else "GOAL MISSED")
    return 0 if met else 1


def _scenario(name: str, *, bundle: Path, floor: Path, uniform: bool) -> bool:
    """Generate one day, time floor and compute alternately, print the figures; True if the goals are met."""
    print(f"-- {name}")
    started = perf_counter()
    bundle_generate(bundle, entries=ENTRIES, uniform=uniform)
    print(f"generated {ENTRIES:,} entries in {perf_counter() - started:.1f} s ({bundle})")
    floors: list[Run] = []
    computes: list[Run] = []
    for _ in range(RUNS):
        floors.append(_run([sys.executable, str(floor), str(bundle)]))
        computes.append(_run([sys.executable, "-m", "cita", "draw", "compute", str(bundle)]))
    verify = _run([sys.executable, "-m", "cita", "draw", "verify", str(bundle)])
    best_floor = min(run.seconds for run in floors)
    best_compute = min(run.seconds for run in computes)
    peak = max(run.peak_rss for run in computes)
    ratio = best_compute / best_floor
    print(computes[-1].output.strip())
    print(f"floor   (parse + HMAC all + sort): best {best_floor:.2f} s of {_times(floors)}")
    print(f"compute (cita draw compute):        best {best_compute:.2f} s of {_times(computes)}")
    print(f"verify  (cita draw verify):         {verify.seconds:.2f} s, {verify.output.split(':')[0]}")
    print(f"ratio compute/floor: {ratio:.2f} (goal ≤ {RATIO_GOAL})")
    print(f"peak RSS of compute: {peak / 2**20:.0f} MiB (goal ≤ {RSS_GOAL / 2**20:.0f} MiB)")
    return ratio <= RATIO_GOAL and peak <= RSS_GOAL


def _times(runs: list[Run]) -> str:
    """The seconds of each run."""
    return ", ".join(f"{run.seconds:.2f}" for run in runs)


def _run(command: list[str]) -> Run:
    """Run a fresh process to completion; its own peak RSS comes from wait4, not from this process."""
    with open(OUT / "run.out", "w+b") as output:
        started = perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=output)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}")
    return Run(seconds=seconds, peak_rss=usage.ru_maxrss * 1024, output=text)  # ru_maxrss is in KiB


def bundle_generate(directory: Path, *, entries: int, seed: int = 20261201, uniform: bool = False) -> None:
    """Write a revealed bundle of `entries` random, realistic entries (reproducible from `seed`).

    `uniform`: every entry in tier 0 with the same waiting_since.
    """
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    tickets = _tickets(rng, entries)
    sizes = rng.choices(range(1, 7), weights=(30, 25, 20, 12, 8, 5), k=entries)
    tiers = rng.choices(range(4), weights=(2, 8, 30, 60), k=entries)
    first = datetime.date(2026, 9, 1)
    dates = [(first + datetime.timedelta(days=day)).isoformat() for day in range(90)]
    waiting = rng.choices(dates, weights=range(1, 91), k=entries)  # more recent requests are more numerous
    if uniform:
        tiers = [0] * entries
        waiting = [dates[0]] * entries
    popularity = (30, 20, 8, 10, 4, 18, 6, 4)
    pool = []
    for _ in range(5000):
        length = rng.choices((1, 2, 3, 4), weights=(20, 35, 30, 15))[0]
        ranked: list[str] = []
        while len(ranked) < length:
            port = rng.choices(PORTS, weights=popularity)[0]
            if port not in ranked:
                ranked.append(port)
        pool.append("|".join(ranked))
    ports = rng.choices(pool, k=entries)
    # Tickets come sorted, as in every entries.csv cita writes.
    rows = zip(tickets, sizes, tiers, waiting, ports, strict=True)
    text = "ticket,group_size,tier,waiting_since,ports\n" + "".join(
        f"{ticket},{size},{tier},{since},{ranked}\n" for ticket, size, tier, since, ranked in rows
    )
    data = text.encode("ascii")
    (directory / "entries.csv").write_bytes(data)
    per_slot, extra = divmod(SEATS, len(PORTS) * len(SLOTS))
    capacity = tuple(
        Capacity(port=port, slot=slot, seats=per_slot + (1 if number < extra else 0))
        for number, (port, slot) in enumerate((port, slot) for port in PORTS for slot in SLOTS)
    )
    server_seed = rng.randbytes(32).hex()
    manifest = Manifest(
        draw_id="2026-12-01",
        appointment_date=datetime.date(2026, 12, 15),
        commitment=commitment_compute(server_seed),
        server_seed=server_seed,
        beacon=Beacon(source="drand quicknet", round=12345678, value=rng.randbytes(32).hex()),
        reserve_percent=10,
        capacity=capacity,
        entries_sha256=hashlib.sha256(data).hexdigest(),
    )
    (directory / "manifest.json").write_bytes(manifest_to_bytes(manifest))
    (directory / "results.csv").unlink(missing_ok=True)


def _tickets(rng: random.Random, count: int) -> list[str]:
    """`count` distinct random 10-character tickets of A-Z and 2-7 (base32), sorted."""
    tickets: set[str] = set()
    while len(tickets) < count:
        need = count - len(tickets)
        raw = base64.b32encode(rng.randbytes(need * 10)).decode("ascii")
        tickets.update(raw[start : start + 10] for start in range(0, need * 16, 16))
    return sorted(tickets)
