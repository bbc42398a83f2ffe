"""bench/http.py in-process: the queries and the time of each kind of request the load sends, through
Django's test client (CSRF checks on), each from another applicant; and a pyinstrument profile of each.

The requests are the very rows written for wrk (method, path, Cookie, X-CSRFToken, Content-Type, body).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._wrk import HOST, Request


@dataclass
class InProcess:
    """One kind of request, in-process: its queries (the distinct counts seen) and times."""

    page: str
    requests: int
    queries: list[int]
    ms_median: float
    ms_p90: float
    statuses: dict[str, int]


def _client() -> Any:
    from django.test import Client

    return Client(enforce_csrf_checks=True, HTTP_HOST=HOST)


def send(client: Any, row: Request) -> Any:
    """Send one request row through the test client, with only its own cookies."""
    method, path, cookie, token, kind, body = row
    client.cookies.clear()
    for part in filter(None, cookie.split("; ")):
        name, _, value = part.partition("=")
        client.cookies[name] = value
    extra = {"HTTP_X_CSRFTOKEN": token} if token else {}
    if method == "GET":
        return client.get(path, **extra)
    return client.generic(method, path, body, content_type=kind, **extra)


def measure(page: str, rows: Sequence[Request], *, warm: Request | None = None) -> InProcess:
    """Each row once (after `warm`, unmeasured): its queries and its time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client()
    if warm is not None:
        send(client, warm)
    queries: list[int] = []
    times: list[float] = []
    statuses: dict[str, int] = {}
    for row in rows:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = send(client, row)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    times.sort()
    return InProcess(
        page=page,
        requests=len(rows),
        queries=sorted(set(queries)),
        ms_median=statistics.median(times),
        ms_p90=times[max(0, math.ceil(0.9 * len(times)) - 1)],
        statuses=statuses,
    )


def queries_of(row: Request) -> list[str]:
    """The SQL one request runs, in order (to read what a page asks the database)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        send(_client(), row)
    return [q["sql"] for q in captured.captured_queries]


def profile(page: str, rows: Sequence[Request], out: Path) -> str:
    """pyinstrument over `rows` (the first one unprofiled, to warm up): the functions taking the most time,
    in all and on their own, as text; the whole call tree goes to `out` (.txt and .html)."""
    from pyinstrument import Profiler

    client = _client()
    send(client, rows[0])
    profiler = Profiler(interval=0.0005)
    with profiler:
        for row in rows[1:]:
            send(client, row)
    slug = "".join(c if c.isalnum() else "-" for c in page).strip("-").lower()
    tree = profiler.output_text(unicode=True, color=False, show_all=False)
    (out / f"profile-{slug}.txt").write_text(tree)
    (out / f"profile-{slug}.html").write_text(profiler.output_html())
    total = profiler.output_text(unicode=True, flat=True, flat_time="total")
    own = profiler.output_text(unicode=True, flat=True, flat_time="self")
    return (
        f"{_seconds(profiler)}\n"
        f"cita's functions (and page rendering), by time with what they call:\n"
        f"{_head(total, 25, ours=True)}\n"
        f"all functions, by time on their own:\n{_head(own, 20)}\n"
        f"call tree: bench/out/http/profile-{slug}.txt and .html"
    )


def _seconds(profiler: Any) -> str:
    session = profiler.last_session
    return f"{session.duration:.2f} s in all, {session.cpu_time:.2f} s of CPU"


def _head(text: str, lines: int, *, ours: bool = False) -> str:
    """The first `lines` entries of a pyinstrument flat listing; with `ours`, cita's own functions and
    Django's template rendering only, less the middleware chain every request goes through."""
    body = [line for line in text.splitlines() if line.strip()[:1].isdigit()]
    if ours:
        body = [
            line
            for line in body
            if ("cita/" in line and "Middleware.__call__" not in line) or "render  django/shortcuts" in line
        ]
    return "\n".join(body[:lines])
