"""Servers and load for bench/http.py: an application served by `cita serve`'s granian command line, driven
by wrk with bench/wrk/rotate.lua, and what wrk counted, judged against a goal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LUA = ROOT / "bench" / "wrk" / "rotate.lua"
HOST = "127.0.0.1"
# One request as rotate.lua reads it: method, path, Cookie, X-CSRFToken, Content-Type, body.
Request = tuple[str, str, str, str, str, str]


class Harness(Exception):
    """The benchmark itself failed (not cita missing a goal)."""


@dataclass(frozen=True)
class Load:
    """How wrk drives the server: threads, connections, and how long it waits for an answer."""

    threads: int
    connections: int
    timeout: str


@dataclass(frozen=True)
class Goal:
    """What a profile must reach: successes/s ≥ ratio × H, a p99 under `p99_ms`, no error or timeout."""

    ratio: float | None = None
    p99_ms: float | None = None
    clean: bool = False

    def words(self) -> str:
        """The goal as the table prints it."""
        parts = []
        if self.ratio is not None:
            parts.append(f"≥ {self.ratio:g} H")
        if self.p99_ms is not None:
            parts.append(f"p99 < {self.p99_ms:g} ms")
        if self.clean:
            parts.append("0 errors, 0 timeouts")
        return ", ".join(parts) or "-"


@dataclass
class Figures:
    """One wrk run: what it sent, what came back, how fast; and, once judged, against which goal."""

    name: str
    seconds: float
    requests: int
    successes: int
    per_second: float
    successes_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    timeouts: int
    socket_errors: dict[str, int]
    statuses: dict[str, int]
    sent: list[int]
    exhausted: int
    at_least: list[str] = field(default_factory=list)  # latencies that timeouts make lower bounds
    ratio: float | None = None
    goal: str = "-"
    met: bool | None = None
    missed: list[str] = field(default_factory=list)


def write_requests(path: Path, rows: Sequence[Request]) -> Path:
    """The file rotate.lua reads: one request a line, its fields separated by tabs."""
    with path.open("w") as out:
        for row in rows:
            if any("\t" in f or "\n" in f for f in row):
                raise Harness(f"a request field holds a tab or a newline: {row}")
            out.write("\t".join(row) + "\n")
    return path


def wrk(
    name: str,
    url: str,
    sets: Sequence[tuple[int, str, Path]],
    *,
    success: frozenset[str],
    seconds: int,
    load: Load,
) -> Figures:
    """Run wrk with rotate.lua over `sets` (weight, "once" or "cycle", file) for `seconds`; `success` are
    the statuses (a 3xx with its Location: "302 /draw/") that count as done."""
    command = [
        "wrk",
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{seconds}s",
        f"--timeout={load.timeout}",
        "-s",
        str(LUA),
        url,
        "--",
        str(load.threads),
        *(f"{weight}:{mode}:{path}" for weight, mode, path in sets),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 120)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise Harness(f"wrk failed ({name}): {done.stderr.strip() or done.stdout.strip()}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    statuses = {str(k): int(v) for k, v in raw["statuses"].items()}
    successes = sum(n for key, n in statuses.items() if key in success)
    # A thread that used up its list of applicants sends GET /healthz meanwhile (rotate.lua): those 200s
    # are neither successes nor errors.
    filler = 0 if "200" in success else min(int(raw["exhausted"]), statuses.get("200", 0))
    socket = {k: int(v) for k, v in raw["errors"].items() if k in ("connect", "read", "write")}
    duration = raw["duration_us"] / 1e6
    timeouts = int(raw["errors"]["timeout"])
    latency, at_least = _latencies(raw["latency_us"], timeouts=timeouts, load=load)
    return Figures(
        name=name,
        seconds=duration,
        requests=int(raw["requests"]),
        successes=successes,
        per_second=raw["requests"] / duration,
        successes_per_second=successes / duration,
        p50_ms=latency["p50"],
        p90_ms=latency["p90"],
        p99_ms=latency["p99"],
        max_ms=latency["max"],
        errors=sum(statuses.values()) - successes - filler + sum(socket.values()),
        timeouts=timeouts,
        socket_errors=socket,
        statuses=dict(sorted(statuses.items())),
        sent=[int(n) for n in raw["sent"]],
        exhausted=int(raw["exhausted"]),
        at_least=at_least,
    )


def _latencies(
    latency_us: dict[str, float], *, timeouts: int, load: Load
) -> tuple[dict[str, float], list[str]]:
    """rotate.lua's latencies in ms, and which of them are lower bounds: a percentile that the answers
    after wrk's timeout reach (rotate.lua gives -1) is at least the timeout, and so is the maximum."""
    limit = _seconds(load.timeout) * 1000
    figures, bounds = {}, []
    for name in ("p50", "p90", "p99", "max"):
        if latency_us[name] < 0 or (name == "max" and timeouts):
            figures[name] = limit
            bounds.append(name)
        else:
            figures[name] = latency_us[name] / 1000
    return figures, bounds


def _seconds(text: str) -> float:
    """wrk's duration syntax: "2s", "500ms", "1m"."""
    for suffix, factor in (("ms", 0.001), ("us", 1e-6), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * factor
    return float(text)


def judge(figures: Figures, goal: Goal, floor: float) -> Figures:
    """Set the ratio of the successes to the floor H, and whether `goal` is met (what is missed, in words)."""
    figures.ratio = figures.successes_per_second / floor
    figures.goal = goal.words()
    missed = []
    if goal.ratio is not None and figures.ratio < goal.ratio:
        missed.append(f"{figures.ratio:.4f} H < {goal.ratio:g} H")
    if goal.p99_ms is not None and figures.p99_ms >= goal.p99_ms:
        at_least = "≥ " if "p99" in figures.at_least else ""
        missed.append(f"p99 {at_least}{figures.p99_ms:.0f} ms, not < {goal.p99_ms:g} ms")
    if goal.clean and (figures.errors or figures.timeouts):
        missed.append(f"{figures.errors} errors, {figures.timeouts} timeouts")
    figures.missed = missed
    figures.met = not missed
    return figures


@contextmanager
def served(application: str, port: int, env: dict[str, str], log: Path, *, ready: str) -> Iterator[str]:
    """Serve `application` with `cita serve`'s granian command line (its workers and threads) on `port`,
    until `ready` answers 200; yields the base URL. The server's output goes to `log`."""
    from cita.cli.serve import granian_command, serve_environment, workers_default

    command = granian_command(host=HOST, port=port, workers=workers_default(), application=application)
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=serve_environment(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://{HOST}:{port}"
    try:
        _wait_until_up(base + ready, process, log)
        yield base
    finally:
        _stop(process)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Harness(f"the server exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise Harness(f"the server did not answer {url} within {timeout:.0f} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (granian and its workers), then SIGKILL what is left of it."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
