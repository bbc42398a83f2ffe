"""Notices at a million (issue 19): a draw's 1,000,000 result notices queued, then one delivery worker.

The outbox is filled the way a published draw fills it: one applicant per request (each with an email
address, in one of the five languages), 1,450 `selected` notices (one per offer) and 998,550
`not_selected`, written by the application's own `notice_enqueue_many` (the contract, the channels and
the lanes of `cita.notifications.services.LANES`) in batches of `CITA_DRAW_NOTICE_BATCH`, in one
transaction whose commit is the publication. The `not_selected` notices are queued *first* (older rows,
earlier `next_attempt_at`), so that only the lanes can bring the offers out ahead of them.

Then, in the same run, to the same SMTP sink (aiosmtpd, keeping messages in memory, in its own process):

- **Floor**: `CITA_BENCH_NOTIFY_FLOOR` (10,000) of the bulk messages, rendered and built beforehand, sent
  straight through one smtplib connection: no database, no rendering. Measured before and after cita's
  run; the higher of the two is the floor.
- **cita**: one worker process as `notifications.deliver` runs it (`deliveries_send_due_threads` with the
  default `CITA_NOTIFY_THREADS`, in runs of the job's `RUN_SECONDS`), started before the publication and
  woken at it, for `CITA_BENCH_NOTIFY_SECONDS` (90 s). Measured from the deliveries' own `sent_at`:
  (a) the time from the publication to the last offer's notice delivered (goal ≤ 120 s), and (b) the bulk
  rate of that one worker once the offers are out, against the floor (goal ≥ 0.8).

Also printed: the claim query's plan (EXPLAIN ANALYZE on the full outbox: the offers must be found without
reading the bulk) and the load average before and after each phase (the machine is shared).

`CITA_BENCH_NOTICES` sets the number of notices for a quicker run (the offers stay 0.145 % of them). The
database is a fresh one (on DATABASE_URL's server, else the embedded one), dropped at the end.
Run with `make bench` or `python -m bench notifications`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

NOTICES = int(os.environ.get("CITA_BENCH_NOTICES", "1000000"))
OFFERS = max(1, round(NOTICES * 1450 / 1_000_000))
FLOOR_MESSAGES = min(NOTICES, int(os.environ.get("CITA_BENCH_NOTIFY_FLOOR", "10000")))
SECONDS = float(os.environ.get("CITA_BENCH_NOTIFY_SECONDS", "90"))
OFFER_GOAL_SECONDS = 120.0
RATIO_GOAL = 0.8
LANGUAGES = ("es", "ht", "en", "fr", "pt")
ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    """Run the benchmark in a fresh interpreter (it sets Django up on a database of its own)."""
    return subprocess.call(
        [sys.executable, "-c", "import bench.notifications as b; raise SystemExit(b.run())"], cwd=ROOT
    )


def load() -> str:
    """The machine's load average (1, 5, 15 min), as /proc/loadavg has it."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _database() -> tuple[str, str]:
    """(URL of a fresh database for this run, admin URL to drop it with)."""
    import psycopg
    from psycopg import sql

    from cita.db import embedded_url

    name = f"cita_bench_notifications_{os.getpid()}"
    base = os.environ.get("DATABASE_URL") or embedded_url()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    head, _, tail = base.partition("?")
    prefix = head.rsplit("/", 1)[0]
    return f"{prefix}/{name}" + (f"?{tail}" if tail else ""), base


def _drop(admin_url: str, url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.partition("?")[0].rsplit("/", 1)[1]
    if os.environ.get("CITA_BENCH_KEEP"):
        print(f"kept database {name} (CITA_BENCH_KEEP)")
        return
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _sink(port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "cita.notifications.sinks", "mail", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the SMTP sink did not start")


def _stop(process: subprocess.Popen[str]) -> int:
    process.terminate()
    out, _ = process.communicate(timeout=60)
    return int(out.strip().split()[1]) if out.strip().startswith("received") else -1


def _environment() -> None:
    from cita.core.crypto import new_key_ring_entry

    for name, value in (
        ("CITA_SECRET_KEY", "bench-secret-key-" + "b" * 40),
        ("CITA_DATA_KEY", new_key_ring_entry("b1")),
        ("CITA_INDEX_KEY", new_key_ring_entry("bi1")),
        ("CITA_SIGNING_KEY", new_key_ring_entry("bs1")),
        ("CITA_BASE_URL", "https://cita.example"),
        ("CITA_BEACON_URL", "https://beacon.invalid"),  # settings want one; no draw runs here
    ):
        os.environ.setdefault(name, value)
    os.environ["CITA_LOG_LEVEL"] = "ERROR"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cita.settings"


def run() -> int:
    """Set up, fill the outbox, measure the floor and the worker, print the figures; non-zero if a goal is
    missed or a message is lost."""
    _environment()
    url, admin_url = _database()
    os.environ["DATABASE_URL"] = url
    try:
        return _measure()
    finally:
        from django.db import connections

        connections.close_all()
        _drop(admin_url, url)


def _applicants(now: Any) -> None:
    """One applicant per request, each with an email address (sealed, with its keyed hash), by COPY."""
    from django.db import connection

    from cita.core import crypto
    from cita.core.fields import EncryptedTextField
    from cita.registrations.models import Applicant

    field = Applicant._meta.get_field("email")
    assert isinstance(field, EncryptedTextField)
    context = field.context()
    ring = crypto.data_keys()
    with connection.cursor() as cursor:
        copy_sql = (
            "COPY registrations_applicant (language, email, email_index, session_epoch, created_at) "
            "FROM STDIN"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            for n in range(NOTICES):
                address = f"person{n}@bench.example"
                copy.write_row(
                    (
                        LANGUAGES[n % 5],
                        crypto.seal(address, context=context, ring=ring),
                        crypto.blind_index(address, purpose="email"),
                        0,
                        now,
                    )
                )
        cursor.execute("ANALYZE registrations_applicant")


def _publish() -> tuple[list[int], float]:
    """Owe the draw's result notices as `draws.notify` does (the bulk first here); commit = publication.
    Returns the offers' notice ids and the time.time() of the commit."""
    import datetime as dt

    from django.conf import settings
    from django.db import connection, transaction

    from cita.draws.services.notices import selected_dedup_key
    from cita.notifications.models import Notice, NoticeKind
    from cita.notifications.services import notice_enqueue_many

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM registrations_applicant ORDER BY id")
        applicants = [row[0] for row in cursor.fetchall()]
    tickets = [f"{n:010d}".translate(str.maketrans("0123456789", "ABCDEFGHJK")) for n in range(NOTICES)]
    draw_id = "2026-12-15-1"
    batch = int(settings.CITA_DRAW_NOTICE_BATCH)
    bulk = NOTICES - OFFERS
    with transaction.atomic():
        for first in range(0, bulk, batch):
            last = min(bulk, first + batch)
            notice_enqueue_many(
                kind=NoticeKind.NOT_SELECTED,
                applicant_ids=applicants[first:last],
                dedup_keys=[f"draw:{draw_id}:request:{n + 1}:not_selected" for n in range(first, last)],
                context={"draw_id": draw_id, "appointment_date": "2026-12-15"},
                columns={"ticket": tickets[first:last]},
            )
        offers = range(bulk, NOTICES)
        deadline = dt.datetime(2026, 12, 3, 23, 0, tzinfo=dt.UTC)
        notice_enqueue_many(
            kind=NoticeKind.SELECTED,
            applicant_ids=applicants[bulk:],
            dedup_keys=[selected_dedup_key(draw_id=draw_id, request_id=n + 1) for n in offers],
            context={
                "port_code": "SYS",
                "port_name": "San Ysidro",
                "date": "2026-12-15",
                "deadline": deadline,
                "time_zone": "America/Los_Angeles",
            },
            columns={
                "ticket": tickets[bulk:],
                "offer_id": [n - bulk + 1 for n in offers],
                "slot": [f"{8 + (n % 8):02d}:{30 * (n % 2):02d}" for n in offers],
            },
        )
    published = time.time()
    ids = list(Notice.objects.filter(kind=NoticeKind.SELECTED).values_list("id", flat=True))
    return ids, published


def _floor_payloads(count: int) -> list[tuple[str, bytes]]:
    """`count` bulk messages as the worker would send them, rendered and built beforehand."""
    from django.conf import settings
    from django.core.mail import EmailMessage

    from cita.notifications.channels import message_id
    from cita.notifications.models import Notice, NoticeKind
    from cita.notifications.rendering import render

    payloads: list[tuple[str, bytes]] = []
    rows = Notice.objects.filter(kind=NoticeKind.NOT_SELECTED).select_related("applicant").order_by("-id")
    for notice in rows[:count]:
        text = render(kind=notice.kind, context=notice.context, language=notice.language)
        assert notice.applicant is not None
        email = EmailMessage(
            text.subject,
            text.body,
            settings.DEFAULT_FROM_EMAIL,
            [str(notice.applicant.email)],
            headers={
                "Message-ID": message_id(f"floor-n{notice.pk}"),
                "Content-Language": notice.language,
                "Auto-Submitted": "auto-generated",
            },
        )
        payloads.append((str(notice.applicant.email), email.message().as_bytes()))
    return payloads


def _floor(port: int, payloads: list[tuple[str, bytes]]) -> float:
    import smtplib

    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for to, payload in payloads:
            smtp.sendmail("no-reply@cita.example", [to], payload)
    return len(payloads) / (time.perf_counter() - started)


def _explain() -> list[str]:
    """The claim query's plan on the full outbox (run, then rolled back)."""
    from django.db import connection, transaction

    from cita.notifications.delivery import explain_claim

    with transaction.atomic():
        lines = explain_claim(int(os.environ.get("CITA_NOTIFY_BATCH", "0") or 0) or None)
        transaction.set_rollback(True)
    connection.close()
    return lines


def _worker(port: int) -> subprocess.Popen[str]:
    """The delivery worker in a process of its own, set up and waiting for the word to start."""
    env = {**os.environ, "CITA_EMAIL_HOST": "127.0.0.1", "CITA_EMAIL_PORT": str(port)}
    code = "import bench.notifications as b; b.worker()"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise RuntimeError(f"the worker did not start: {line!r}")
    return process


def worker() -> None:
    """The worker process: Django up, wait for "go", then deliver as `notifications.deliver` does (runs of
    `RUN_SECONDS`, one after the other) for `SECONDS`; print its counts as JSON."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from cita.notifications.delivery import deliveries_send_due_threads
    from cita.notifications.tasks import RUN_SECONDS

    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.monotonic()
    sent = runs = 0
    while (left := SECONDS - (time.monotonic() - started)) > 0:
        stats = deliveries_send_due_threads(
            threads=int(settings.CITA_NOTIFY_THREADS), max_seconds=min(RUN_SECONDS, left)
        )
        sent, runs = sent + stats.sent, runs + 1
        if not stats.more and not stats.sent:
            break
    print(json.dumps({"sent": sent, "runs": runs, "seconds": time.monotonic() - started}), flush=True)


def _measure() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from cita.core import clock
    from cita.notifications.sinks import free_port

    call_command("migrate", verbosity=0)
    print(f"load average at the start: {load()}")
    started = time.perf_counter()
    _applicants(clock.now())
    print(f"{NOTICES:,} applicants (one email each) by COPY in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    offer_ids, published = _publish()
    print(
        f"queued {NOTICES:,} result notices ({len(offer_ids):,} offers, {NOTICES - len(offer_ids):,} not "
        f"selected) with notice_enqueue_many in {time.perf_counter() - started:.1f} s (not measured)"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT priority, count(*) FROM notifications_delivery GROUP BY 1 ORDER BY 1")
        lanes = cursor.fetchall()
    print("deliveries by lane: " + ", ".join(f"lane {lane}: {count:,}" for lane, count in lanes))
    print("the claim query on the full outbox (EXPLAIN ANALYZE, rolled back):")
    for line in _explain():
        print(f"    {line}")

    payloads = _floor_payloads(FLOOR_MESSAGES)
    port = free_port()
    sink = _sink(port)
    ok = True
    try:
        print(f"load average before the floor: {load()}")
        floor_before = _floor(port, payloads)
        print(f"floor: smtplib, one connection, no database: {floor_before:,.0f} messages/s")
        connection.close()
        process = _worker(port)
        # The worker is up and idle; the outbox was published `published`: the clock runs from the commit
        # (the time spent on the floor and the plan above is taken off).
        print(f"load average before the worker: {load()}")
        woken = time.time()
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write("go\n")
        process.stdin.flush()
        result = json.loads(process.stdout.readline())
        process.wait(timeout=60)
        print(f"load average after the worker: {load()}")
        floor_after = _floor(port, payloads)
        print(f"floor again, after: {floor_after:,.0f} messages/s")
    finally:
        received = _stop(sink)
    floor = max(floor_before, floor_after)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FILTER (WHERE status = 'sent'), extract(epoch FROM max(sent_at))
               FROM notifications_delivery WHERE notice_id = ANY(%s)""",
            [offer_ids],
        )
        offers_sent, last_offer = cursor.fetchone()
        cursor.execute(
            """SELECT count(*), extract(epoch FROM min(d.sent_at)), extract(epoch FROM max(d.sent_at))
               FROM notifications_delivery d JOIN notifications_notice n ON n.id = d.notice_id
               WHERE d.status = 'sent' AND n.kind = 'not_selected'"""
        )
        bulk_sent, first_bulk, last_bulk = cursor.fetchone()
        cursor.execute(
            """SELECT count(*) FROM notifications_delivery d JOIN notifications_notice n ON n.id = d.notice_id
               WHERE d.status = 'sent' AND n.kind = 'not_selected' AND d.sent_at <= to_timestamp(%s)""",
            [float(last_offer or 0)],
        )
        bulk_before_last_offer = cursor.fetchone()[0]
        cursor.execute(
            """SELECT count(*) FROM notifications_delivery d JOIN notifications_notice n ON n.id = d.notice_id
               WHERE d.status = 'sent' AND n.kind = 'not_selected' AND d.sent_at > to_timestamp(%s)""",
            [float(last_offer or 0)],
        )
        bulk_after = cursor.fetchone()[0]
    sent = int(result["sent"])
    # The idle wait between the commit and the wake-up (the floor ran then) is not the worker's time.
    idle = woken - published
    print(
        f"cita: one worker, {settings.CITA_NOTIFY_THREADS} threads (SMTP connections), batches of "
        f"{settings.CITA_NOTIFY_BATCH}, {result['runs']} run(s) in {result['seconds']:.1f} s: {sent:,} sent"
    )
    ok = offers_sent == len(offer_ids)
    if ok:
        to_last_offer = float(last_offer) - published - idle
        print(
            f"(a) publication → last offer delivered: {to_last_offer:.2f} s for {offers_sent:,} offers "
            f"(goal ≤ {OFFER_GOAL_SECONDS:.0f} s); {bulk_before_last_offer:,} 'not selected' went out "
            "before it"
        )
        ok = to_last_offer <= OFFER_GOAL_SECONDS
    else:
        print(f"(a) GOAL MISSED: {offers_sent:,} of {len(offer_ids):,} offers delivered in {SECONDS:.0f} s")
    if bulk_after and last_bulk and last_offer and float(last_bulk) > float(last_offer):
        rate = bulk_after / (float(last_bulk) - float(last_offer))
        print(
            f"(b) bulk after the offers: {bulk_after:,} in {float(last_bulk) - float(last_offer):.1f} s = "
            f"{rate:,.0f} messages/s; floor {floor:,.0f}/s (higher of before and after); ratio "
            f"{rate / floor:.2f} (goal ≥ {RATIO_GOAL}); to the floor before {rate / floor_before:.2f}, "
            f"after {rate / floor_after:.2f}"
        )
        ok = ok and rate / floor >= RATIO_GOAL
    else:
        print("(b) no bulk message went out after the offers")
        ok = False
    expected = 2 * len(payloads) + sent
    print(f"sink received {received:,}: floor 2 × {len(payloads):,} + cita {sent:,} = {expected:,}")
    lost = received != expected or bulk_sent + offers_sent != sent
    if lost:
        print("FAILED: messages lost or not recorded")
    elif not ok:
        print("GOAL MISSED")
    else:
        print("goals met")
    del first_bulk
    return 0 if ok and not lost else 1
