"""HTTP: cita served by granian under `wrk -t2 -c64`, against a bare Django hello-world on the same server
settings, measured in the same run (issue 19).

The floor **H**: `bench/_hello.py`, a Django application with one view, no middleware and no database,
served by the granian command line of `cita serve` (`cita.cli.serve.granian_command`: interface, workers,
threads, flags), on the same machine, under the same wrk script. It is measured before the profiles and
again after them, to show how much the shared machine drifted meanwhile; ratios are to the first.

cita: a fresh demo of its own (`cita demo --no-serve` with a CITA_HOME in a temporary folder: the embedded
PostgreSQL, or a scratch database on DATABASE_URL's server when that is set), plus groups registered by the
demo's own loader to submit requests, then served by `cita serve`'s granian command line with the
environment `cita serve` has (its JSON access log included). The profiles, each against H:

- `/healthz`: the middleware stack and the server. Goal ≥ 0.5 H.
- lookup: `GET /draw/`, the applicant's status page after the draw (the result, in the applicant's
  language), each request from another of the demo's signed-in applicants (6,000, in turn). Goal ≥ 0.06 H
  answered with 200, p99 < 250 ms, 0 errors, 0 timeouts.
- API submission: `POST /api/v1/me/requests` with the session cookie and its CSRF header, each applicant
  once; only 201s count. Goal ≥ 0.03 H created/s, p99 < 250 ms, 0 errors, 0 timeouts.
- form submission: `POST /draw/ask` as the page's form sends it (the CSRF token in the body), each
  applicant once; only the redirect to the status page counts. Same goal.
- mixed, 60 s: 80 % lookups, 15 % public pages (`/`, `/help`, `/transparency/`, no session), 5 % API
  submissions. Goal: 0 errors, 0 timeouts.

Sessions are made as the one-time-code sign-in makes them (the database session engine; the applicant and
their session epoch), each with a CSRF cookie and its masked token. The groups that submit are sized for
twice the goal's rate, measured against this run's H: should they run out, the goal is met anyway (and the
table says the rate is a lower bound). Every response is counted by status (rotate.lua's `response()`
hook); an error is every answer that is not the profile's success (a 4xx, a 5xx, a redirect elsewhere) and
every socket error; a timeout is wrk's: an answer that came after more than CITA_BENCH_HTTP_TIMEOUT. wrk
counts those by status too but leaves them out of its latencies; rotate.lua takes them back into the
percentiles, and a percentile they reach is printed as "≥2000" ms (wrk corrects the latencies it keeps
for coordinated omission). Before the load,
one request of each kind is checked by hand: the status page is in the applicant's language and shows
their ticket, the API answers 201, the form redirects.

Then, in-process (the server stopped): the queries and the time of each kind of request, through Django's
test client, each from another applicant; `--profile` adds a pyinstrument profile of the status page and
of both submissions (top functions printed; call trees in bench/out/http/).

Figures go to the terminal and to `bench/out/http/<time>.json`. A goal missed is printed, not an exit
status: this exits non-zero only when the harness fails (no wrk, the demo or a server did not start, a
check by hand failed). Run with `make bench`, `python -m bench http`, or `python -m bench.http [--profile]`.

Environment: CITA_BENCH_HTTP_SECONDS (H and each profile, default 10), CITA_BENCH_HTTP_MIXED_SECONDS (60),
CITA_BENCH_HTTP_WARMUP (3), CITA_BENCH_HTTP_THREADS (2) and CITA_BENCH_HTTP_CONNECTIONS (64) for wrk,
CITA_BENCH_HTTP_TIMEOUT (2s), CITA_BENCH_HTTP_IN_PROCESS (requests per kind in-process, 30),
CITA_BENCH_KEEP (keep the temporary CITA_HOME and database); the servers follow CITA_WEB_WORKERS and
CITA_WEB_THREADS as `cita serve` does.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench._wrk import HOST, Figures, Goal, Harness, Load, Request, judge, served, write_requests, wrk
from cita.db import web_threads

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "http"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


SECONDS = _env_int("CITA_BENCH_HTTP_SECONDS", 10)
MIXED_SECONDS = _env_int("CITA_BENCH_HTTP_MIXED_SECONDS", 60)
WARMUP_SECONDS = _env_int("CITA_BENCH_HTTP_WARMUP", 3)
LOAD = Load(
    threads=_env_int("CITA_BENCH_HTTP_THREADS", 2),
    connections=_env_int("CITA_BENCH_HTTP_CONNECTIONS", 64),
    timeout=os.environ.get("CITA_BENCH_HTTP_TIMEOUT") or "2s",
)
IN_PROCESS = _env_int("CITA_BENCH_HTTP_IN_PROCESS", 30)
# Goals of issue 19, as shares of H.
HEALTHZ_GOAL, LOOKUP_GOAL, SUBMIT_GOAL = 0.5, 0.06, 0.03
P99_GOAL_MS = 250.0
MIXED_WEIGHTS = (80, 15, 5)  # lookups, public pages, submissions
POOL_MARGIN = 2.0  # groups to submit: enough for twice the goal's rate
PUBLIC_PAGES = ("/", "/help", "/transparency/")
STATUS_PAGE = "/draw/"
FORM_PAGE = "/draw/ask"
API_SUBMIT = "/api/v1/me/requests"
HELLO = "bench._hello:application"
CITA = "cita.wsgi:application"
OK = frozenset({"200"})


def main(argv: Sequence[str] = ()) -> int:
    """Run the benchmark in a fresh interpreter (it starts Django on a database of its own)."""
    return subprocess.call([sys.executable, "-m", "bench.http", "--here", *argv], cwd=ROOT)


def run(argv: Sequence[str]) -> int:
    """Set up, measure, print and write the figures; 1 if the harness failed, never for a missed goal."""
    try:
        _run(profiling="--profile" in argv)
    except Harness as exc:
        print(f"bench/http.py FAILED: {exc}", flush=True)
        return 1
    return 0


# --- the demo, its applicants and their requests ---------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """The demo made for this run: where it lives, the ports to serve on, the servers' environment."""

    home: Path
    database: str
    demo: str
    cita_port: int
    hello_port: int
    env: dict[str, str]
    log: Path


def setup() -> Setup:
    """A fresh CITA_HOME and database, the demo loaded by `cita demo --no-serve`, Django started here."""
    from cita.notifications.sinks import free_port

    # The bench's own state only: none of the caller's secrets, and never debug mode.
    for name in ("CITA_SECRET_KEY", "CITA_DATA_KEY", "CITA_INDEX_KEY", "CITA_SIGNING_KEY", "CITA_BASE_URL"):
        os.environ.pop(name, None)
    os.environ.pop("CITA_DEBUG", None)
    home = Path(tempfile.mkdtemp(prefix="cita-bench-http-"))
    if os.environ.get("CITA_BENCH_KEEP"):
        print(f"keeping {home} (CITA_BENCH_KEEP)")
    else:  # registered first, so it runs after the embedded server's own atexit stop
        atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["CITA_HOME"] = str(home)
    scratch = _scratch_database()
    from cita.db import database_url

    # Resolved once here: the embedded server (in `home`) is held by this process; children get the URL.
    os.environ["DATABASE_URL"] = scratch or database_url()
    database = "a scratch database on DATABASE_URL's server" if scratch else "the embedded PostgreSQL"
    cita_port, hello_port = free_port(), free_port()
    print(f"demo in {home}, {database} …", flush=True)
    began = time.perf_counter()
    demo = _demo(home, cita_port).removeprefix("cita: ")
    print(f"{demo} ({time.perf_counter() - began:.0f} s, not measured)", flush=True)
    from cita.cli import django_setup

    django_setup.load_dev_env()  # the secrets the demo wrote, read as `cita serve` reads them
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cita.settings")
    env = dict(os.environ)  # what `cita serve` runs with, its log level included
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    os.environ["CITA_LOG_LEVEL"] = "WARNING"  # this process only
    django_setup.setup()
    return Setup(home, database, demo, cita_port, hello_port, env, home / "server.log")


def _scratch_database() -> str | None:
    """With DATABASE_URL set: the URL of a scratch database on that server, dropped at exit. Else None."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        return None
    import psycopg
    from psycopg import sql

    name = f"cita_bench_http_{os.getpid()}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        if os.environ.get("CITA_BENCH_KEEP"):
            print(f"kept database {name} (CITA_BENCH_KEEP)")
            return
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    atexit.register(drop)
    head, _, tail = base.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{tail}" if tail else "")


def _demo(home: Path, port: int) -> str:
    """`cita demo --no-serve` with CITA_HOME `home`; its summary line."""
    log = home / "demo.log"
    with log.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "cita", "demo", "--no-serve", "--host", HOST, "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    text = log.read_text(errors="replace")
    if done.returncode != 0:
        raise Harness(f"`cita demo --no-serve` failed ({done.returncode}):\n{text[-3000:]}")
    return next((x for x in text.splitlines() if x.startswith("cita: demo data:")), "cita: demo data: ?")


@dataclass(frozen=True)
class Session:
    """A signed-in applicant: their session and CSRF cookies, and the masked CSRF token."""

    applicant_id: int
    language: str
    cookie: str
    token: str


def sessions_make(applicants: Sequence[tuple[int, int, str]]) -> list[Session]:
    """A session for each (applicant id, session epoch, language) as the one-time-code sign-in starts one
    (`cita.web.views.signin.signin_code`), and the CSRF cookie the first page served would set."""
    from django.conf import settings
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as Row
    from django.http import HttpRequest
    from django.middleware.csrf import get_token
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from cita.core.middleware import SESSION_APPLICANT, SESSION_EPOCH

    store = SessionStore()
    expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    rows, made = [], []
    for applicant_id, epoch, language in applicants:
        key = get_random_string(32, VALID_KEY_CHARS)
        data = store.encode({SESSION_APPLICANT: applicant_id, SESSION_EPOCH: epoch})
        rows.append(Row(session_key=key, session_data=data, expire_date=expires))
        request = HttpRequest()
        token = get_token(request)  # puts the cookie's secret in request.META["CSRF_COOKIE"]
        secret = request.META["CSRF_COOKIE"]
        cookie = f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={secret}"
        made.append(Session(applicant_id=applicant_id, language=language, cookie=cookie, token=token))
    Row.objects.bulk_create(rows, batch_size=2000)
    return made


def submitters_load(count: int, *, seed: int) -> list[tuple[int, int, str]]:
    """`count` registered groups that have not asked yet, by the demo's loader; (id, epoch, language)."""
    from cita.core import clock
    from cita.demo.draws import groups_load

    applicants = groups_load(random.Random(seed), now=clock.now(), count=count)
    return [(a.pk, a.session_epoch, a.language) for a in applicants]


def _ranked(rng: random.Random, ports: Sequence[str]) -> list[str]:
    return rng.sample(list(ports), rng.randint(1, min(3, len(ports))))


def lookup_rows(sessions: Sequence[Session]) -> list[Request]:
    """The status page, as each applicant asks for it."""
    return [("GET", STATUS_PAGE, s.cookie, "", "", "") for s in sessions]


def api_rows(sessions: Sequence[Session], ports: Sequence[str], rng: random.Random) -> list[Request]:
    """A request by the API from each applicant, its ports ranked at random."""
    return [
        (
            "POST",
            API_SUBMIT,
            s.cookie,
            s.token,
            "application/json",
            json.dumps({"ports": _ranked(rng, ports)}),
        )
        for s in sessions
    ]


def form_rows(sessions: Sequence[Session], ports: Sequence[str], rng: random.Random) -> list[Request]:
    """A request by the page's form from each applicant, as the browser posts it."""
    rows: list[Request] = []
    for s in sessions:
        fields = {f"port_{i}": code for i, code in enumerate(_ranked(rng, ports), 1)}
        body = urlencode({"csrfmiddlewaretoken": s.token, **fields})
        rows.append(("POST", FORM_PAGE, s.cookie, "", "application/x-www-form-urlencoded", body))
    return rows


@dataclass
class Applicants:
    """Who sends what: the demo's groups with a result look up; new groups, in disjoint pools, submit."""

    lookups: list[Session]
    tickets: dict[int, str]
    pools: dict[str, list[Session]]
    ports: list[str]


def applicants_make(h: float, *, profiling: bool, seed: int) -> Applicants:
    """Sessions for every group with a result in the demo's draw, and for new groups to submit: per
    submission profile, enough for twice the goal's rate against this run's H."""
    from cita.draws.models import Draw, DrawStatus, Request
    from cita.ports.selectors import port_list

    done = Draw.objects.filter(round=1, status=DrawStatus.PUBLISHED).order_by("-closes_at").first()
    if done is None or not done.entries_count or not done.selected_count:
        raise Harness(
            f"the demo's published draw has {done.entries_count if done else 'no'} entries and "
            f"{done.selected_count if done else 0} selected: nothing to look up (issue 12: the demo's "
            "capacity started at the UTC date, which did this between 00:00 and 08:00 UTC)"
        )
    rows = list(
        Request.objects.filter(draw=done).values_list(
            "applicant_id", "applicant__session_epoch", "applicant__language", "ticket"
        )
    )
    random.Random(seed).shuffle(rows)
    lookups = sessions_make([(a, e, lang) for a, e, lang, _t in rows])
    per_submit = math.ceil(POOL_MARGIN * SUBMIT_GOAL * h * SECONDS) + LOAD.connections
    # The mixed profile's rate, were lookups at their goal; 5 % of it submits.
    mixed = LOOKUP_GOAL * h * sum(MIXED_WEIGHTS) / MIXED_WEIGHTS[0]
    share = MIXED_WEIGHTS[2] / sum(MIXED_WEIGHTS)
    sizes = {
        "api": per_submit,
        "form": per_submit,
        "mixed": math.ceil(POOL_MARGIN * mixed * share * MIXED_SECONDS) + LOAD.connections,
        "check": 2,
        "in-process": 2 * IN_PROCESS,
    }
    if profiling:
        sizes["profile"] = 2 * IN_PROCESS
    submitters = sessions_make(submitters_load(sum(sizes.values()), seed=seed))
    pools = {}
    for name, size in sizes.items():
        pools[name], submitters = submitters[:size], submitters[size:]
    ports = [port.code for port in port_list()]
    return Applicants(lookups, {r[0]: r[3] for r in rows}, pools, ports)


# --- checks by hand before the load ----------------------------------------------------------------------


def _fetch(base: str, row: Request) -> tuple[int, dict[str, str], str]:
    """One request row, redirects not followed: (status, headers with lower-case names, text)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    method, path, cookie, token, kind, body = row
    names = ("Cookie", "X-CSRFToken", "Content-Type")
    headers = {name: value for name, value in zip(names, (cookie, token, kind), strict=True) if value}
    request = urllib.request.Request(  # noqa: S310 - our own local server
        base + path, data=body.encode() if body else None, headers=headers, method=method
    )
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status, _lower(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, _lower(exc.headers.items()), exc.read().decode(errors="replace")


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def check_by_hand(base: str, people: Applicants) -> list[str]:
    """The requests the load sends do what they should: status pages in the applicant's language with
    their ticket, a submission by the API (201) and one by the form (redirect to the status page)."""
    notes = []
    for session in people.lookups[:5]:
        ticket = people.tickets[session.applicant_id]
        status, headers, text = _fetch(base, lookup_rows([session])[0])
        language = headers.get("content-language")
        if status != 200 or language != session.language or ticket not in text:
            raise Harness(
                f"GET {STATUS_PAGE} as applicant {session.applicant_id}: {status}, language {language} "
                f"(theirs: {session.language}), ticket {ticket} {'shown' if ticket in text else 'missing'}"
            )
        notes.append(f"{STATUS_PAGE} in {language} with the ticket")
    rng = random.Random(0)
    first, second = people.pools["check"]
    for row, expect in (
        (api_rows([first], people.ports, rng)[0], "201"),
        (form_rows([second], people.ports, rng)[0], f"302 {STATUS_PAGE}"),
    ):
        status, headers, text = _fetch(base, row)
        got = f"{status} {headers.get('location', '')}".strip()
        if got != expect:
            raise Harness(f"{row[0]} {row[1]}: {got}, expected {expect}: {text[:500]}")
        notes.append(f"{row[0]} {row[1]} → {got}")
    return notes


# --- the run ---------------------------------------------------------------------------------------------


def floor(s: Setup, name: str) -> Figures:
    """H: the hello-world on the same server line, under the same wrk script."""
    hello = write_requests(s.home / "hello.tsv", [("GET", "/", "", "", "", "")])
    with served(HELLO, s.hello_port, s.env, s.log, ready="/") as base:
        wrk("warm-up", base, [(1, "cycle", hello)], success=OK, seconds=WARMUP_SECONDS, load=LOAD)
        figures = wrk(name, base, [(1, "cycle", hello)], success=OK, seconds=SECONDS, load=LOAD)
    if figures.errors or figures.timeouts or not figures.successes:
        raise Harness(
            f"the floor had {figures.errors} errors, {figures.timeouts} timeouts: {figures.statuses}"
        )
    return figures


def profiles_run(s: Setup, people: Applicants, h: float) -> list[Figures]:
    """Serve cita, check one request of each kind by hand, warm up, then run every profile."""
    rng = random.Random(19)
    home = s.home
    lookup = write_requests(home / "lookup.tsv", lookup_rows(people.lookups))
    public = write_requests(home / "public.tsv", [("GET", p, "", "", "", "") for p in PUBLIC_PAGES])
    healthz = write_requests(home / "healthz.tsv", [("GET", "/healthz", "", "", "", "")])
    api = write_requests(home / "api.tsv", api_rows(people.pools["api"], people.ports, rng))
    form = write_requests(home / "form.tsv", form_rows(people.pools["form"], people.ports, rng))
    mixed = write_requests(home / "mixed.tsv", api_rows(people.pools["mixed"], people.ports, rng))
    clean = Goal(ratio=SUBMIT_GOAL, p99_ms=P99_GOAL_MS, clean=True)
    plan: list[tuple[str, list[tuple[int, str, Path]], frozenset[str], int, Goal]] = [
        ("/healthz", [(1, "cycle", healthz)], OK, SECONDS, Goal(ratio=HEALTHZ_GOAL)),
        (
            f"lookup GET {STATUS_PAGE}",
            [(1, "cycle", lookup)],
            OK,
            SECONDS,
            Goal(ratio=LOOKUP_GOAL, p99_ms=P99_GOAL_MS, clean=True),
        ),
        (f"submit POST {API_SUBMIT} (201)", [(1, "once", api)], frozenset({"201"}), SECONDS, clean),
        (
            f"submit POST {FORM_PAGE} (302 {STATUS_PAGE})",
            [(1, "once", form)],
            frozenset({f"302 {STATUS_PAGE}"}),
            SECONDS,
            clean,
        ),
        (
            "mixed 80/15/5 (200, 201)",
            [
                (MIXED_WEIGHTS[0], "cycle", lookup),
                (MIXED_WEIGHTS[1], "cycle", public),
                (MIXED_WEIGHTS[2], "once", mixed),
            ],
            frozenset({"200", "201"}),
            MIXED_SECONDS,
            Goal(clean=True),
        ),
    ]
    from django.db import connections

    connections.close_all()  # the server's workers get the database to themselves
    results = []
    with served(CITA, s.cita_port, s.env, s.log, ready="/healthz") as base:
        print("checked by hand: " + "; ".join(check_by_hand(base, people)), flush=True)
        warm = [(4, "cycle", lookup), (1, "cycle", public)]
        wrk("warm-up", base, warm, success=OK, seconds=WARMUP_SECONDS, load=LOAD)
        for name, sets, success, seconds, goal in plan:
            figures = judge(wrk(name, base, sets, success=success, seconds=seconds, load=LOAD), goal, h)
            results.append(figures)
            _print_row(figures)
    return results


def in_process_run(people: Applicants, *, profiling: bool) -> tuple[list[Any], dict[str, str]]:
    """Queries and time of each kind of request in-process; with `profiling`, pyinstrument profiles."""
    from bench import _inprocess

    rng = random.Random(7)
    gets = [("GET", p, "", "", "", "") for p in ("/healthz", *PUBLIC_PAGES)]
    looks = lookup_rows(people.lookups[: IN_PROCESS + 1])
    pool = people.pools["in-process"]
    api = api_rows(pool[:IN_PROCESS], people.ports, rng)
    form = form_rows(pool[IN_PROCESS:], people.ports, rng)
    measured = [_inprocess.measure(f"GET {row[1]}", [row] * IN_PROCESS, warm=row) for row in gets]
    measured.append(_inprocess.measure(f"GET {STATUS_PAGE} (lookup)", looks[1:], warm=looks[0]))
    measured.append(_inprocess.measure(f"POST {API_SUBMIT}", api))
    measured.append(_inprocess.measure(f"POST {FORM_PAGE}", form))
    texts: dict[str, str] = {}
    if profiling:
        pool = people.pools["profile"]
        start = IN_PROCESS + 1
        texts[f"GET {STATUS_PAGE}"] = _inprocess.profile(
            f"GET {STATUS_PAGE}", lookup_rows(people.lookups[start : start + IN_PROCESS]), OUT
        )
        texts[f"POST {API_SUBMIT}"] = _inprocess.profile(
            f"POST {API_SUBMIT}", api_rows(pool[:IN_PROCESS], people.ports, rng), OUT
        )
        texts[f"POST {FORM_PAGE}"] = _inprocess.profile(
            f"POST {FORM_PAGE}", form_rows(pool[IN_PROCESS:], people.ports, rng), OUT
        )
        queries = _inprocess.queries_of(lookup_rows([people.lookups[-1]])[0])
        (OUT / "queries-status-page.sql").write_text(";\n\n".join(queries) + ";\n")
    return measured, texts


def _run(*, profiling: bool) -> None:
    if shutil.which("wrk") is None:
        raise Harness("wrk is not installed (Debian: apt-get install wrk)")
    if profiling:
        try:
            import pyinstrument  # noqa: F401
        except ImportError as exc:
            raise Harness("--profile needs pyinstrument (the dev extras: make messages)") from exc
    OUT.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()
    s = setup()
    print(
        f"H: {HELLO} on `cita serve`'s granian line, wrk -t{LOAD.threads} -c{LOAD.connections} …", flush=True
    )
    first = floor(s, "H (hello-world)")
    h = first.successes_per_second
    first.ratio = 1.0
    print(f"H = {h:,.0f} requests/s (p50 {first.p50_ms:.1f} ms, p99 {first.p99_ms:.1f} ms)", flush=True)
    began = time.perf_counter()
    people = applicants_make(h, profiling=profiling, seed=started.toordinal())
    sizes = ", ".join(f"{k} {len(v):,}" for k, v in people.pools.items())
    print(
        f"{len(people.lookups):,} applicants with a result; new groups to submit: {sizes}; all signed in "
        f"({time.perf_counter() - began:.0f} s, not measured)",
        flush=True,
    )
    profiles = profiles_run(s, people, h)
    print("H again, after the profiles (the machine is shared) …", flush=True)
    again = floor(s, "H again")
    again.ratio = again.successes_per_second / h
    print(f"in-process: Django's test client, {IN_PROCESS} requests of each kind …", flush=True)
    pages, texts = in_process_run(people, profiling=profiling)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "server": {
            "line": "cita.cli.serve.granian_command",
            "workers": int(s.env.get("CITA_WEB_WORKERS") or 2),
            "threads": int(s.env.get("CITA_WEB_THREADS") or web_threads()),
        },
        "wrk": asdict(LOAD) | {"script": "bench/wrk/rotate.lua", "seconds": SECONDS, "mixed": MIXED_SECONDS},
        "demo": s.demo,
        "database": s.database,
        "applicants": {"lookups": len(people.lookups)} | {k: len(v) for k, v in people.pools.items()},
        "H": asdict(first),
        "H_again": asdict(again),
        "profiles": [asdict(p) for p in profiles],
        "in_process": [asdict(m) for m in pages],
    }
    path = OUT / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=1) + "\n")
    _print_report(first, again, profiles, pages)
    for name, text in texts.items():
        print(f"\n--- pyinstrument, in-process: {name} ({IN_PROCESS - 1} requests) ---\n{text}")
    print(f"written to {path.relative_to(ROOT)}")


def _ms(f: Figures, name: str) -> str:
    """A latency for the table: "≥2000" where timeouts make it a lower bound."""
    value = float(getattr(f, f"{name}_ms"))
    return f"≥{value:.0f}" if name in f.at_least else f"{value:.1f}"


def _print_row(f: Figures) -> None:
    verdict = "met" if f.met else "MISSED: " + "; ".join(f.missed)
    print(
        f"{f.name}: {f.successes_per_second:,.1f}/s ({f.ratio:.4f} H), p50 {_ms(f, 'p50')} ms, p99 "
        f"{_ms(f, 'p99')} ms, {f.errors} errors, {f.timeouts} timeouts; statuses {f.statuses}; "
        f"sent {f.sent}; goal {f.goal}: {verdict}",
        flush=True,
    )
    if f.exhausted:
        print(f"  the groups to submit ran out ({f.exhausted} filler requests): the rate is a lower bound")


def _print_report(first: Figures, again: Figures, profiles: Sequence[Figures], pages: Sequence[Any]) -> None:
    width = max(len(p.name) for p in profiles)
    print(
        f"\nH = {first.successes_per_second:,.0f} requests/s (hello-world; p99 {first.p99_ms:.1f} ms); "
        f"after the profiles {again.successes_per_second:,.0f}/s ({again.ratio:.2f} of it)"
    )
    print(
        f"{'profile':<{width}}  {'ok/s':>9}  {'all/s':>9}  {'× H':>7}  {'p50 ms':>7}  {'p99 ms':>7}  "
        f"{'errors':>6}  {'t/o':>5}  goal"
    )
    for p in profiles:
        p50, p99 = _ms(p, "p50"), _ms(p, "p99")
        print(
            f"{p.name:<{width}}  {p.successes_per_second:>9,.1f}  {p.per_second:>9,.1f}  "
            f"{p.ratio or 0:>7.4f}  {p50:>7}  {p99:>7}  {p.errors:>6}  {p.timeouts:>5}  "
            f"{p.goal}: {'met' if p.met else 'MISSED'}"
        )
    for p in profiles:
        if p.missed:
            print(f"GOAL MISSED: {p.name}: {'; '.join(p.missed)}")
    print(f"\n{'in-process':<{width}}  {'queries':>9}  {'median ms':>9}  {'p90 ms':>7}  statuses")
    for m in pages:
        queries = f"{m.queries[0]}–{m.queries[-1]}" if len(m.queries) > 1 else str(m.queries[0])
        print(f"{m.page:<{width}}  {queries:>9}  {m.ms_median:>9.1f}  {m.ms_p90:>7.1f}  {m.statuses}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--here"]:
        sys.exit(run(sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
