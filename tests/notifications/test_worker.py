"""The real worker (`cita worker`, procrastinate) killed with SIGKILL in the middle of a batch, then
restarted: no message is lost, and duplicates are counted and printed (goal 0).

The worker runs in a subprocess against the test database and a real SMTP server in this process. It is
killed at three points: between two messages (after the server received k messages and the worker has
started the next one), at a random moment, and while the server is accepting a message before the worker
has its reply. That last one is the one moment SMTP cannot make safe: the message is in doubt, so it is
sent again (at-least-once); its Message-ID stays the same, so a receiver can recognise it. Outcomes are
written a few at a time (`CITA_NOTIFY_RECORD_EVERY`), so a kill leaves in doubt the messages of each
thread not yet recorded: at most that many per thread. All of it with one sending thread, and with four
(the default).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from cita.notifications.models import Delivery, DeliveryStatus, Notice, NoticeKind
from cita.notifications.services import notice_enqueue
from cita.notifications.sinks import MailSink
from tests.conftest import subprocess_env
from tests.factories.notifications import context_for
from tests.factories.registrations import applicant

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 240


def test_database_url() -> str:
    """A URL for the test database pytest-django made, for a subprocess."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgresql://{auth}@{port}/{quote(s['NAME'])}?host={quote(s['HOST'] or 'localhost')}"


test_database_url.__test__ = False  # type: ignore[attr-defined]


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "cita", "worker", "--concurrency", "1"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def wake_sweep() -> None:
    """What the minutely cron does (deferred here so the test need not wait for the next minute)."""
    from procrastinate.exceptions import AlreadyEnqueued

    from cita.notifications.tasks import sweep

    with contextlib.suppress(AlreadyEnqueued):  # the worker's own periodic deferrer queued one already
        # The real time: the worker's periodic deferrer stamps its own runs with it (the job ignores it).
        sweep.defer(timestamp=int(time.time()))  # type: ignore[call-arg]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_jobs")
@pytest.mark.parametrize("threads", [1, 4])
def test_a_worker_killed_mid_batch_loses_nothing(tmp_path, threads):
    people = [applicant(email=f"kill{n}@example.org") for n in range(MESSAGES)]
    with transaction.atomic():  # one change owing many notices; the worker is woken when it commits
        for n, person in enumerate(people):
            notice_enqueue(
                kind=NoticeKind.CONFIRMED,
                dedup_key=f"kill-test:{n}",
                applicant=person,
                context=context_for(NoticeKind.CONFIRMED),
            )
    sink = MailSink()
    kills: list[str] = []
    worker: dict[str, subprocess.Popen[bytes]] = {}
    killed = threading.Event()

    def kill(why: str) -> None:
        if killed.is_set():
            return
        os.kill(worker["p"].pid, signal.SIGKILL)
        kills.append(why)
        killed.set()

    between_at, in_flight_at = 60, 180

    def on_rcpt(address: str) -> None:
        # The server has `between_at` messages and the worker has begun the next one.
        if len(sink.handler.messages) >= between_at and not kills:
            kill(f"after {len(sink.handler.messages)} messages, as the next one began")
        return None

    def on_accept(count: int) -> None:
        # The server took the message; the worker has not yet read the server's reply.
        if count >= in_flight_at and len(kills) == 2:
            kill(f"while the server accepted message {count}")

    sink.handler.on_rcpt = on_rcpt
    sink.handler.on_accept = on_accept
    sink.start()
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="cita.settings",
        DATABASE_URL=test_database_url(),
        CITA_EMAIL_HOST=sink.host,
        CITA_EMAIL_PORT=str(sink.port),
        CITA_EMAIL_STARTTLS="",
        CITA_EMAIL_SSL="",
        CITA_NOTIFY_BATCH="20",
        CITA_NOTIFY_THREADS=str(threads),
        CITA_LOG_LEVEL="WARNING",
    )
    log = tmp_path / "worker.log"
    try:
        worker["p"] = start_worker(env, log)
        for round_ in range(3):
            if round_ == 1:
                # A kill at a random moment, somewhere in the middle of the run.
                target = random.randint(100, 140)
                wait_for(lambda t=target: len(sink.handler.messages) >= t, 60, "the worker to go on")
                time.sleep(random.uniform(0, 0.004))
                kill(f"at a random moment after about {target} messages")
            else:
                wait_for(killed.is_set, 60, f"kill {round_ + 1}")
            worker["p"].wait(timeout=10)
            assert worker["p"].returncode == -signal.SIGKILL
            killed.clear()
            worker["p"] = start_worker(env, log)
            wake_sweep()
        wait_for(
            lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == MESSAGES,
            90,
            "every delivery to be sent",
        )
    finally:
        if "p" in worker and worker["p"].poll() is None:
            worker["p"].send_signal(signal.SIGTERM)
            try:
                worker["p"].wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker["p"].kill()
        sink.stop()

    ids = {n.pk: n.dedup_key for n in Notice.objects.all()}
    per_key: Counter[str] = Counter()
    for mail in sink.messages:
        match = re.match(r"<cita-n(\d+)-email@", mail.message_id)
        assert match, mail.message_id
        per_key[ids[int(match.group(1))]] += 1
    duplicates = sum(n - 1 for n in per_key.values())
    lost = set(ids.values()) - set(per_key)
    print(
        f"\nworker ({threads} sending thread(s)) killed {len(kills)} times ({'; '.join(kills)}): "
        f"{len(sink.messages)} messages received for {len(per_key)} of {MESSAGES} dedup keys; "
        f"lost {len(lost)}; duplicates {duplicates} "
        f"({', '.join(k for k, n in per_key.items() if n > 1) or 'none'})"
    )
    assert not lost
    assert len(kills) == 3
    # Each kill leaves in doubt at most the messages not yet recorded: CITA_NOTIFY_RECORD_EVERY per thread.
    assert duplicates <= len(kills) * threads * settings.CITA_NOTIFY_RECORD_EVERY
    assert Delivery.objects.exclude(status=DeliveryStatus.SENT).count() == 0
