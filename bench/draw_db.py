"""The whole draw job (`draw_close`: freeze, reveal, compute, apply, publish) on 1,000,000 requests stored
in PostgreSQL, against a floor measured in the same run on the same data.

Floor: what any implementation must at least do with the database: COPY the same entries out of the
requests table, and COPY one result row per request in (request id and state, into a fresh table). The
draw job reads the entries, runs `cita.lottery`, holds and gives back seats, makes the offers, sets every
request's result and stores the bundle. Goal: job ≤ 2 × floor.

Both run several times, alternating; the best of each is compared. Job runs inside a transaction rolled
back at the end (followed by VACUUM, so each starts from the same table), except a last one that commits
and whose result is checked. The result notices (`draws.notify`, after the commit) are timed apart, on a
sample. A dedicated database is created (on DATABASE_URL's server, or the embedded one) and dropped.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import random
import sys
from time import perf_counter

REQUESTS = int(os.environ.get("CITA_BENCH_REQUESTS", "1000000"))
RUNS = 3
RATIO_GOAL = 2.0
DB_NAME = "cita_bench_draw"
NOTICE_SAMPLE = 5_000
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class Rollback(Exception):
    """Raised to undo a timed job run."""


def main() -> int:
    """Build the day, time floor and job alternately, print the figures; non-zero if the goal is missed."""
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


def _django(url: str) -> None:
    """Start Django on the bench database, with throwaway keys, and migrate it."""
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
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _bench(url: str) -> int:
    _django(url)
    from django.db import connection, transaction

    from cita.core import clock
    from cita.core.actors import system
    from cita.draws.models import Draw, DrawStatus
    from cita.draws.services import draw_close

    actor = system("bench")
    steps: list[dict[str, float]] = []

    class StepsHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "draw job steps":
                steps.append(dict(record.seconds))  # type: ignore[attr-defined]

    step_log = logging.getLogger("cita.draws.services.cycle")
    step_log.addHandler(StepsHandler())
    step_log.setLevel(logging.INFO)
    started = perf_counter()
    draw = _day(clock)
    print(f"built {REQUESTS:,} requests in PostgreSQL in {perf_counter() - started:.1f} s")
    floors, jobs = [], []
    for _ in range(RUNS):
        floors.append(_floor(draw.pk))
        clock.install(clock.FrozenClock(draw.closes_at + dt.timedelta(minutes=1)))
        began = perf_counter()
        try:
            with transaction.atomic():
                draw_close(draw=Draw.objects.get(pk=draw.pk), actor=actor)
                raise Rollback
        except Rollback:
            pass
        jobs.append(perf_counter() - began)
        _vacuum(connection)
    began = perf_counter()
    done = draw_close(draw=Draw.objects.get(pk=draw.pk), actor=actor)
    committed = perf_counter() - began
    assert done.status == DrawStatus.PUBLISHED
    assert done.entries_count == REQUESTS
    best_floor, best_job = min(floors), min(jobs)
    ratio = best_job / best_floor
    print(
        f"draw {done.draw_id}: {done.entries_count:,} entries, {done.selected_count} selected, "
        f"{done.seats} seats, results_sha256 {done.results_sha256}"
    )
    print(
        f"floor (COPY entries out + COPY {REQUESTS:,} result rows in): "
        f"best {best_floor:.2f} s of {_times(floors)}"
    )
    print(f"job   (draw_close, rolled back):                       best {best_job:.2f} s of {_times(jobs)}")
    print(f"job   (draw_close, committed):                         {committed:.2f} s")
    print(f"ratio job/floor: {ratio:.2f} (goal ≤ {RATIO_GOAL})")
    fastest = steps[jobs.index(best_job)] if len(steps) > RUNS else {}
    print("steps of the best job run: " + ", ".join(f"{k} {v:.2f}" for k, v in fastest.items()))
    began = perf_counter()
    from cita.draws.services.notices import _notify_batch

    written = 0
    while written < NOTICE_SAMPLE and _notify_batch(draw_pk=done.pk, batch=500):
        written += 500
    seconds = perf_counter() - began
    print(
        f"result notices (draws.notify, after the commit): {written:,} in {seconds:.2f} s "
        f"= {written / seconds:,.0f} notices/s with notice_enqueue one by one"
    )
    print("goal met" if ratio <= RATIO_GOAL else "GOAL MISSED")
    return 0 if ratio <= RATIO_GOAL else 1


def _times(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _vacuum(connection: object) -> None:
    """Clear the dead rows a rolled-back run left, as autovacuum would between two real days."""
    from django.db import connection as conn

    with conn.cursor() as cursor:
        for table in ("draws_request", "ports_slotcapacity", "draws_drawfile", "draws_offer", "draws_draw"):
            cursor.execute(f"VACUUM {table}")


def _floor(draw_pk: int) -> float:
    """COPY the entries out, COPY one result row per request in (fresh table), in one transaction."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM draws_request WHERE draw_id = %s", [draw_pk])
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


def _day(clock_module: object):
    """Ports with 1,450 seats on the appointment day, an open draw, REQUESTS groups asking in it."""
    from django.db import connection

    from cita.core import clock
    from cita.core.actors import system
    from cita.core.crypto import seal
    from cita.demo.data import PORTS, SLOTS
    from cita.draws.models import Draw
    from cita.draws.selectors import policy_current, reference_time_zone
    from cita.draws.services import draw_open
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
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY registrations_applicant (language, phone_index, session_epoch, created_at) FROM STDIN"
        ) as copy:
            copy.write("".join(f"es\t{i:064x}\t0\t{created}\n" for i in range(REQUESTS)).encode())
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
        cursor.execute(
            "INSERT INTO draws_requeststatus (request_id, draw_id, state) "
            "SELECT id, draw_id, 'submitted' FROM draws_request ORDER BY id"
        )
        reason = seal("bench: urgent", context="draws.priorityflag.reason")
        with raw.copy(
            "COPY draws_priorityflag (applicant_id, kind, reason, created_at, created_by, ended_reason) "
            "FROM STDIN"
        ) as copy:
            for applicant in rng.sample(range(first_id, first_id + REQUESTS), 300):
                copy.write_row((applicant, "urgent", reason, created, "bench", ""))
        cursor.execute("VACUUM ANALYZE")
    del reference_time_zone, clock_module
    return draw


if __name__ == "__main__":
    sys.exit(main())
