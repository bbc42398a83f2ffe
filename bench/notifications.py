"""Notifications: 10,000 queued messages delivered to a local SMTP server by one worker.

cita's rate is the time `deliveries_send_due_threads` (what the `notifications.deliver` job runs) takes to
claim, render, send and record every delivery: once with the default `CITA_NOTIFY_THREADS` connections of
one worker, once with a single connection like the floor. The floor, measured in the same run, is
the same 10,000 messages, rendered beforehand, sent straight through one SMTP connection with smtplib: no
database, no rendering. The SMTP server (aiosmtpd, keeping messages in memory) runs in its own process.

The database is a fresh one made for the run (on DATABASE_URL's server, else the embedded one) and dropped
at the end. Run with `make bench` or `python -m bench notifications`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

MESSAGES = int(os.environ.get("CITA_BENCH_NOTIFY_MESSAGES", "10000"))
ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    """Run the benchmark in a fresh interpreter (it sets Django up on a database of its own)."""
    return subprocess.call(
        [sys.executable, "-c", "import bench.notifications as b; raise SystemExit(b.run())"], cwd=ROOT
    )


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
    out, _ = process.communicate(timeout=30)
    return int(out.strip().split()[1]) if out.strip().startswith("received") else -1


def run() -> int:
    """Set up, measure the floor and cita, print both rates and the ratio; non-zero if a message is lost."""
    from cita.core.crypto import new_key_ring_entry

    for name, value in (
        ("CITA_SECRET_KEY", "bench-secret-key-" + "b" * 40),
        ("CITA_DATA_KEY", new_key_ring_entry("b1")),
        ("CITA_INDEX_KEY", new_key_ring_entry("bi1")),
        ("CITA_SIGNING_KEY", new_key_ring_entry("bs1")),
        ("CITA_BASE_URL", "https://cita.example"),
    ):
        os.environ[name] = value
    os.environ["CITA_LOG_LEVEL"] = "ERROR"
    os.environ["CITA_NOTIFY_RATE_PER_HOUR"] = "1000"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cita.settings"
    url, admin_url = _database()
    os.environ["DATABASE_URL"] = url
    try:
        return _measure()
    finally:
        from django.db import connections

        connections.close_all()
        _drop(admin_url, url)


def _measure() -> int:
    import django

    django.setup()
    import smtplib

    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from cita.core import clock
    from cita.core.crypto import blind_index
    from cita.notifications.channels import EmailOut, message_id
    from cita.notifications.delivery import deliveries_send_due_threads
    from cita.notifications.models import Delivery, DeliveryStatus, NoticeKind
    from cita.notifications.rendering import render
    from cita.notifications.services import notice_enqueue
    from cita.notifications.sinks import free_port
    from cita.registrations.models import Applicant

    call_command("migrate", verbosity=0)
    languages = ["es", "ht", "en", "fr", "pt"]
    now = clock.now()
    Applicant.objects.bulk_create(
        Applicant(
            language=languages[n % 5],
            email=f"person{n}@bench.example",
            email_index=blind_index(f"person{n}@bench.example", purpose="email"),
            created_at=now,
        )
        for n in range(MESSAGES)
    )
    context = {
        "appointment_id": 1,
        "port_name": "San Ysidro",
        "date": "2026-12-15",
        "slot": "09:30",
        "time_zone": "America/Los_Angeles",
        "pass_url": "https://cita.example/appointments/1/pass",
    }
    started = time.perf_counter()
    applicants = list(Applicant.objects.order_by("pk"))
    for first in range(0, MESSAGES, 1000):
        with transaction.atomic():
            for person in applicants[first : first + 1000]:
                notice_enqueue(
                    kind=NoticeKind.CONFIRMED,
                    dedup_key=f"bench:{person.pk}",
                    applicant=person,
                    context={**context, "appointment_id": person.pk},
                )
    print(f"queued {MESSAGES} notices in {time.perf_counter() - started:.1f} s (not measured)")

    # The floor: the same messages, rendered beforehand, through one smtplib connection.
    from django.core.mail import EmailMessage

    payloads: list[tuple[str, bytes]] = []
    for person in applicants:
        text = render(
            kind=NoticeKind.CONFIRMED,
            context={**context, "appointment_id": person.pk},
            language=person.language,
        )
        out = EmailOut(f"floor-{person.pk}", str(person.email), text.subject, text.body, person.language)
        email = EmailMessage(
            out.subject,
            out.body,
            settings.DEFAULT_FROM_EMAIL,
            [out.to],
            headers={"Message-ID": message_id(out.reference)},
        )
        payloads.append((out.to, email.message().as_bytes()))
    port = free_port()
    sink = _sink(port)
    try:
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            for to, payload in payloads:
                smtp.sendmail("no-reply@cita.example", [to], payload)
        floor_seconds = time.perf_counter() - started
    finally:
        floor_received = _stop(sink)

    floor_rate = MESSAGES / floor_seconds
    print(
        f"floor: smtplib, one connection, no database: {floor_rate:,.0f} messages/s ({floor_seconds:.2f} s)"
    )
    ok = floor_received == MESSAGES
    # One worker as it runs by default (CITA_NOTIFY_THREADS connections), then with a single connection
    # like the floor. Between the two, every delivery is put back to pending (not timed).
    default_threads = int(settings.CITA_NOTIFY_THREADS)
    for threads in dict.fromkeys((default_threads, 1)):
        Delivery.objects.update(
            status=DeliveryStatus.PENDING, sent_at=None, attempts=0, next_attempt_at=clock.now()
        )
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
        sink = _sink(int(settings.EMAIL_PORT))
        try:
            started = time.perf_counter()
            stats = deliveries_send_due_threads(threads=threads)
            seconds = time.perf_counter() - started
        finally:
            received = _stop(sink)
        sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
        rate = MESSAGES / seconds
        print(
            f"cita:  one worker, {threads} SMTP connection(s), claim + render + send + record each:",
            f"{rate:,.0f} messages/s ({seconds:.2f} s); ratio to the floor {rate / floor_rate:.2f}",
        )
        print(f"       server received {received}, marked sent {sent} (this run: {stats.sent})")
        ok = ok and sent == MESSAGES and received == MESSAGES
    if not ok:
        print("FAILED: messages lost or not recorded")
    return 0 if ok else 1
