"""The draw's compute job on 1,000,000 requests stored in PostgreSQL, against a floor measured in the same
run on the same data; then the million result notices it owes, and the delivery worker on a sample.

What is timed (docs/daily-cycle.md, "Performance"):

- **The compute job** (`_draw_compute`, one transaction, what `draws.close_due` runs once a frozen draw's
  beacon value is known): read the frozen entries.csv and manifest back from the database, reveal the
  seed (checked against its commitment), read and check entries.csv and allocate with `cita.lottery`,
  write results.csv, make the offers (one per selected group), give the seats the allocation did not use
  back to their slots, store results.csv and the final manifest, publish the draw (status, seed, hashes,
  counts), audit `draw.published`, commit the next round's seed, and owe the result notices
  (`notices_done = false`, `draws.notify` queued on commit). Every request's result is set by this
  transaction: selected ones by their offer, every other entered request is `not_selected` from the
  moment the draw is published (its state is derived, not written per request: `RequestStatus`).
- **Already done at the freeze** (`_draw_freeze`, its own transaction at the window's close, timed
  apart): the seats of the day taken by the draw, entries.csv made by PostgreSQL from the requests
  (sorted by ticket, with tiers and closed ports left out) and stored with the manifest without seed,
  displaced priorities counted down, `draw.frozen` audited. Every request is `entered` from then on.
- **The notices** (`draw_notify`, right after the commit, in batches of `CITA_DRAW_NOTICE_BATCH`): one
  `selected` per offer and one `not_selected` per other request, with their deliveries, through
  `notice_enqueue_many`; then run again from the start to show it adds nothing.
- **Delivery**: the notifications worker (`deliveries_send_due`) sends from that outbox to a local SMS
  provider for a few seconds; the messages it sent are checked.

**Floor**: COPY the same 1,000,000 entries out of the requests table (ticket, group size, waiting date,
ports) and COPY 1,000,000 result rows (request id, state) into a fresh table, in one transaction. One
result row per request: the job decides a result for every request, and those million results are
written as a million notices right after it. (The job's own transaction writes only the offers, a few
hundred rows; the floor with that many result rows is printed too.) Goal: compute job ≤ 2 × floor.

Floor and job runs alternate, best of 3 each. Jobs run in fresh processes (their peak RSS is reported) and
are rolled back (then VACUUM), except a last one that commits and whose result is checked. A dedicated
database is created (on DATABASE_URL's server, or the embedded one) and dropped.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import random
import subprocess
import sys
from pathlib import Path
from time import perf_counter
from typing import Any

REQUESTS = int(os.environ.get("CITA_BENCH_REQUESTS", "1000000"))
RUNS = 3
RATIO_GOAL = 2.0
DB_NAME = "cita_bench_draw"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
PHONES = 5_000  # distinct phone numbers among the applicants (the worker limits messages per recipient)
DELIVERY_SECONDS = 8.0
ROOT = Path(__file__).resolve().parents[1]


class Rollback(Exception):
    """Raised to undo a timed job run."""


def main() -> int:
    """Build the day, time floor and jobs alternately, print the figures; non-zero if the goal is missed."""
    admin_url, url = _database()
    try:
        return _bench(url)
    finally:
        _drop(admin_url)


def _drop(admin_url: str) -> None:
    """Drop the bench database (unless CITA_BENCH_KEEP is set, to look into it)."""
    from django.db import connections

    connections.close_all()
    if os.environ.get("CITA_BENCH_KEEP"):
        print(f"kept database {DB_NAME} (CITA_BENCH_KEEP)")
        return
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    print(f"dropped database {DB_NAME}")


def _database() -> tuple[str, str]:
    """(admin URL, bench database URL): a fresh database on DATABASE_URL's server or the embedded one."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from cita.db import database_url, django_database

    base = database_url()
    params = django_database(base)
    conninfo = make_conninfo(
        dbname="postgres",
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    parts = conninfo_to_dict(conninfo)
    host = str(parts.get("host") or "")
    auth = f"{parts.get('user') or ''}" + (f":{parts['password']}" if parts.get("password") else "")
    port = parts.get("port") or "5432"
    if host.startswith("/"):
        from urllib.parse import quote

        url = f"postgresql://{auth}@:{port}/{DB_NAME}?host={quote(host, safe='')}"
    else:
        url = f"postgresql://{auth}@{host}:{port}/{DB_NAME}"
    return conninfo, url


def _django(url: str, *, migrate: bool) -> None:
    """Start Django on the bench database, with throwaway keys (shared with the job processes)."""
    from cita.core.crypto import new_key_ring_entry

    os.environ["DATABASE_URL"] = url
    for name, kid in (("CITA_DATA_KEY", "b1"), ("CITA_INDEX_KEY", "bi1"), ("CITA_SIGNING_KEY", "bs1")):
        os.environ.setdefault(name, new_key_ring_entry(kid))
    os.environ.setdefault("CITA_SECRET_KEY", "bench-" + "k" * 50)
    os.environ.setdefault("CITA_BASE_URL", "http://bench.invalid")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cita.settings"
    os.environ.setdefault("CITA_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


# --- the jobs, each run in a fresh process ---------------------------------------------------------------


def _child(step: str, draw_pk: int, commit: bool) -> None:
    """Run one step in this (fresh) process and print its figures as JSON on the last line."""
    _django(os.environ["DATABASE_URL"], migrate=False)
    from django.db import connection, transaction

    from cita.core import clock
    from cita.core.actors import system
    from cita.draws.models import Draw
    from cita.draws.services.cycle import _draw_compute, _draw_freeze
    from cita.draws.services.notices import draw_notify

    steps: dict[str, float] = {}

    class StepsHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "draw job steps":
                steps.update(record.seconds)  # type: ignore[attr-defined]

    step_log = logging.getLogger("cita.draws.services.cycle")
    step_log.addHandler(StepsHandler())
    step_log.setLevel(logging.INFO)
    draw = Draw.objects.get(pk=draw_pk)
    clock.install(clock.FrozenClock(draw.closes_at + dt.timedelta(minutes=1)))
    actor = system("bench")
    connection.ensure_connection()
    before = _rss()
    began = perf_counter()
    try:
        with transaction.atomic():
            if step == "freeze":
                _draw_freeze(draw_pk=draw_pk, actor=actor)
            elif step == "compute":
                _draw_compute(draw_pk=draw_pk, actor=actor)
            elif step == "notify":
                draw_notify(draw=draw, actor=actor)
            elif step == "notify-again":
                # Run the notices again from the start: every dedup key is known, nothing is added.
                Draw.objects.filter(pk=draw_pk).update(notices_done=False, notified_upto=0)
                draw_notify(draw=Draw.objects.get(pk=draw_pk), actor=actor)
            else:
                raise ValueError(step)
            if not commit:
                raise Rollback
    except Rollback:
        pass
    seconds = perf_counter() - began
    peak = _rss("VmHWM")
    print(json.dumps({"seconds": seconds, "steps": steps, "rss_before": before, "rss_peak": peak}))


def _rss(field: str = "VmRSS") -> int:
    """This process's resident set now (VmRSS) or at its peak (VmHWM), in bytes. Not getrusage: on Linux
    its ru_maxrss keeps the peak of the process that forked this one."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return 0


def _run(step: str, draw_pk: int, *, commit: bool) -> dict[str, Any]:
    """Run one step in a fresh process; its figures."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.draw_db", "--child", step, str(draw_pk), "1" if commit else "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the run ---------------------------------------------------------------------------------------------


def _bench(url: str) -> int:
    _django(url, migrate=True)
    from django.db.models import Count

    from cita.core import clock
    from cita.draws.models import Draw, DrawStatus, Offer, RequestState, RequestStatus
    from cita.notifications.models import Delivery, Notice

    started = perf_counter()
    draw = _day(clock)
    print(f"built {REQUESTS:,} requests in PostgreSQL in {perf_counter() - started:.1f} s")
    floors: list[float] = []

    freezes = []
    for _ in range(RUNS):
        freezes.append(_run("freeze", draw.pk, commit=False))
        _vacuum()
    committed_freeze = _run("freeze", draw.pk, commit=True)
    assert Draw.objects.get(pk=draw.pk).status == DrawStatus.FROZEN
    _vacuum()

    jobs = []
    for _ in range(RUNS):
        floors.append(_floor(draw.pk))
        jobs.append(_run("compute", draw.pk, commit=False))
        _vacuum()
    committed = _run("compute", draw.pk, commit=True)
    done = Draw.objects.get(pk=draw.pk)
    assert done.status == DrawStatus.PUBLISHED
    assert done.entries_count == REQUESTS
    offers = Offer.objects.filter(draw=done).count()
    assert offers == done.selected_count
    states = dict(
        RequestStatus.objects.filter(draw=done)
        .values("state")
        .annotate(n=Count("request"))
        .values_list("state", "n")
    )
    assert states == {RequestState.SELECTED: offers, RequestState.NOT_SELECTED: REQUESTS - offers}, states
    assert not Notice.objects.exists()

    python_floors = _python_floor(done)
    notified = _run("notify", draw.pk, commit=True)
    notices = Notice.objects.filter(kind__in=["selected", "not_selected"]).count()
    deliveries = Delivery.objects.count()
    assert notices == REQUESTS, notices
    again = _run("notify-again", draw.pk, commit=True)
    assert Notice.objects.count() == notices
    assert Delivery.objects.count() == deliveries
    sent, delivery_seconds, delivery_checked = _deliver(done.closes_at + dt.timedelta(minutes=2))

    best_floor = min(floors)
    best = min(jobs, key=lambda run: run["seconds"])
    best_freeze = min(freezes, key=lambda run: run["seconds"])
    ratio = best["seconds"] / best_floor
    small_floor = _floor(draw.pk, rows=offers)
    mib = 2**20
    print(
        f"draw {done.draw_id}: {done.entries_count:,} entries, {done.selected_count} selected, "
        f"{done.seats} seats, results_sha256 {done.results_sha256}"
    )
    print(
        f"floor (COPY {REQUESTS:,} entries out + COPY {REQUESTS:,} result rows in): "
        f"best {best_floor:.2f} s of {_times(floors)}"
    )
    print(
        f"compute job (rolled back):   best {best['seconds']:.2f} s of {_times([j['seconds'] for j in jobs])}"
    )
    print(f"compute job (committed):     {committed['seconds']:.2f} s")
    print(f"ratio compute job / floor:   {ratio:.2f} (goal ≤ {RATIO_GOAL})")
    print("  steps of the best run: " + ", ".join(f"{k} {v:.2f}" for k, v in best["steps"].items()))
    print(
        f"  peak RSS of the job process: {best['rss_peak'] / mib:.0f} MiB "
        f"({best['rss_before'] / mib:.0f} MiB before the job: Python, Django, connection)"
    )
    print(
        f"  against the floor with {offers} result rows in (what the job's transaction itself writes): "
        f"{small_floor:.2f} s, ratio {best['seconds'] / small_floor:.2f}"
    )
    print(
        f"for scale, the pure-Python floor of the allocation itself (bench/draw.py: parse entries.csv, HMAC "
        f"every ticket, sort; a fresh process): best {min(python_floors):.2f} s of {_times(python_floors)}; "
        f"compute job / (floor + that) = {best['seconds'] / (best_floor + min(python_floors)):.2f}"
    )
    print(
        f"freeze (at the window's close, rolled back): best {best_freeze['seconds']:.2f} s of "
        f"{_times([f['seconds'] for f in freezes])}, committed {committed_freeze['seconds']:.2f} s; peak RSS "
        f"{best_freeze['rss_peak'] / mib:.0f} MiB"
    )
    print("  steps of the best run: " + ", ".join(f"{k} {v:.2f}" for k, v in best_freeze["steps"].items()))
    print(
        f"freeze + compute job: {best_freeze['seconds'] + best['seconds']:.2f} s "
        f"({(best_freeze['seconds'] + best['seconds']) / best_floor:.2f} × floor)"
    )
    print(
        f"result notices (draws.notify, notice_enqueue_many): {notices:,} notices and {deliveries:,} "
        f"deliveries in {notified['seconds']:.2f} s = {notices / notified['seconds']:,.0f} notices/s; "
        f"peak RSS {notified['rss_peak'] / mib:.0f} MiB"
    )
    print(f"  run again from the start: {again['seconds']:.2f} s, nothing added")
    print(
        f"delivery worker afterwards: {sent:,} SMS sent in {delivery_seconds:.1f} s "
        f"({sent / delivery_seconds:,.0f}/s), {delivery_checked}"
    )
    print("goal met" if ratio <= RATIO_GOAL else "GOAL MISSED")
    return 0 if ratio <= RATIO_GOAL else 1


def _times(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _vacuum() -> None:
    """Clear the dead rows a rolled-back run left, as autovacuum would between two real days."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("draws_request", "ports_slotcapacity", "draws_drawfile", "draws_offer", "draws_draw"):
            cursor.execute(f"VACUUM {table}")


def _python_floor(draw: Any) -> list[float]:
    """bench/draw.py's floor script (parse entries.csv, HMAC every ticket, sort by tier and key: what any
    Python implementation of draw-v1 must do) on this draw's published files, in fresh processes."""
    from bench.draw import FLOOR, OUT
    from bench.draw import _run as run_process
    from cita.draws.models import DrawFile

    folder = OUT / "db"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", "entries.csv"):
        (folder / name).write_bytes(bytes(DrawFile.objects.get(draw=draw, name=name).content))
    script = OUT / "floor.py"
    script.write_text(FLOOR)
    return [run_process([sys.executable, str(script), str(folder)]).seconds for _ in range(RUNS)]


def _floor(draw_pk: int, *, rows: int = REQUESTS) -> float:
    """COPY the entries out, COPY `rows` result rows in (fresh table), in one transaction."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM draws_request WHERE draw_id = %s ORDER BY id LIMIT %s", [draw_pk, rows]
        )
        ids = [row[0] for row in cursor.fetchall()]
    payload = "".join(f"{i}\tnot_selected\n" for i in ids).encode()
    del ids
    began = perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY (SELECT ticket, group_size, waiting_since, ports FROM draws_request "
            "WHERE draw_id = %s) TO STDOUT",
            [draw_pk],
        ) as copy:
            size = sum(len(chunk) for chunk in copy)
        cursor.execute("CREATE TABLE bench_results (request_id bigint NOT NULL, state varchar(12) NOT NULL)")
        with raw.copy("COPY bench_results FROM STDIN") as copy:
            copy.write(payload)
    seconds = perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_results")
    assert size > 0
    return seconds


def _deliver(now: dt.datetime) -> tuple[int, float, str]:
    """Run the delivery worker against a local SMS provider for a few seconds; check what it sent."""
    from django.conf import settings

    from cita.core import clock
    from cita.notifications.delivery import deliveries_send_due
    from cita.notifications.models import Delivery, DeliveryStatus
    from cita.notifications.rendering import render
    from cita.notifications.sinks import SmsSink

    clock.install(clock.FrozenClock(now))
    token = "bench-sms"  # noqa: S105 - a local provider made for this run
    sink = SmsSink(token=token).start()
    settings.CITA_SMS_URL, settings.CITA_SMS_TOKEN, settings.CITA_SMS_TIMEOUT = sink.url, token, 5
    try:
        began = perf_counter()
        stats = deliveries_send_due(max_seconds=DELIVERY_SECONDS)
        seconds = perf_counter() - began
    finally:
        sink.stop()
    sent = list(Delivery.objects.filter(status=DeliveryStatus.SENT).select_related("notice"))
    texts = {message.id: message for message in sink.messages}
    assert stats.sent == len(sent) == len(sink.messages) > 0, (stats, len(sent), len(sink.messages))
    assert stats.failed == stats.dead == 0, stats
    for delivery in sent:
        message = texts[delivery.provider_message_id]
        assert message.reference == f"cita-n{delivery.notice_id}-sms"
        notice = delivery.notice
        assert message.text == render(kind=notice.kind, context=notice.context, language=notice.language).sms
    return stats.sent, seconds, f"each once, its notice's text in its language; {stats.retried} retried"


def _day(clock_module: object) -> Any:
    """Ports with 1,450 seats on the appointment day, an open draw, REQUESTS groups asking in it."""
    from django.db import connection

    from cita.core import clock
    from cita.core.actors import system
    from cita.core.crypto import seal
    from cita.demo.data import PORTS, SLOTS
    from cita.draws.models import Draw
    from cita.draws.services import draw_open
    from cita.policy.selectors import policy_current
    from cita.ports.models import Port, SlotCapacity

    rng = random.Random(20261201)
    day = dt.date(2026, 12, 1)
    opens_at, _closes = policy_current().window(day)
    clock.install(clock.FrozenClock(opens_at))
    appointment_day = day + dt.timedelta(days=14)
    for position, (code, name, city, address, tz, seats) in enumerate(PORTS):
        port = Port.objects.create(
            code=code, name=name, city=city, address=address, time_zone=tz, position=position
        )
        base, extra = divmod(seats, len(SLOTS))
        for i, slot in enumerate(SLOTS):
            n = base + (1 if i < extra else 0)
            SlotCapacity.objects.create(
                port=port, day=appointment_day, slot=dt.time.fromisoformat(slot), seats=n, left=n
            )
    draw: Draw = draw_open(day=day, actor=system("bench"))
    codes = [p[0] for p in PORTS]
    weights = [6 if c == "SYS" else 3 if c in ("ELP", "HID", "LAR") else 1 for c in codes]
    created = opens_at.isoformat()
    phones = [seal(f"+52664{n:07d}", context="registrations.applicant.phone") for n in range(PHONES)]
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY registrations_applicant (language, phone, phone_index, session_epoch, created_at) "
            "FROM STDIN"
        ) as copy:
            copy.write(
                "".join(
                    f"{('es', 'ht', 'fr', 'pt')[i % 4]}\t{phones[i % PHONES]}\t{i:064x}\t0\t{created}\n"
                    for i in range(REQUESTS)
                ).encode()
            )
        cursor.execute("SELECT min(id) FROM registrations_applicant")
        first_id = cursor.fetchone()[0]
        buffer = io.StringIO()
        tickets: set[str] = set()
        for i in range(REQUESTS):
            ticket = "".join(rng.choices(ALPHABET, k=10))
            while ticket in tickets:
                ticket = "".join(rng.choices(ALPHABET, k=10))
            tickets.add(ticket)
            ranked: list[str] = []
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                code = rng.choices(codes, weights)[0]
                if code not in ranked:
                    ranked.append(code)
            size = rng.choices((1, 2, 3, 4, 5, 6, 7, 8), (30, 25, 18, 12, 7, 4, 2, 2))[0]
            waiting = day - dt.timedelta(
                days=rng.choices((0, rng.randrange(1, 30), rng.randrange(30, 400)), (55, 30, 15))[0]
            )
            buffer.write(
                f"{draw.pk}\t{first_id + i}\t{ticket}\t{{{','.join(ranked)}}}\t{size}\t"
                f"{waiting.isoformat()}\t{created}\tapplicant:{first_id + i}\n"
            )
        del tickets
        with raw.copy(
            "COPY draws_request (draw_id, applicant_id, ticket, ports, group_size, "
            "waiting_since, created_at, created_by) FROM STDIN"
        ) as copy:
            copy.write(buffer.getvalue().encode())
        del buffer
        reason = seal("bench: urgent", context="draws.priorityflag.reason")
        with raw.copy(
            "COPY draws_priorityflag (applicant_id, kind, reason, created_at, created_by, ended_reason) "
            "FROM STDIN"
        ) as copy:
            for applicant in rng.sample(range(first_id, first_id + REQUESTS), 300):
                copy.write_row((applicant, "urgent", reason, created, "bench", ""))
        cursor.execute("VACUUM ANALYZE")
    del clock_module
    return draw


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1")
        sys.exit(0)
    sys.exit(main())
