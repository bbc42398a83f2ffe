"""Text messages in: signed SMS webhook calls per second, against the hello-world floor of the same run
(issue 16). Reuses bench/http.py's setup (a fresh demo served by `cita serve`'s granian line) and its wrk
script.

Each request is a real inbound SMS as Twilio sends it: `POST /hooks/sms`, form fields `MessageSid` (new
for every request), `From` (one of the demo's applicants' phones, in turn), `To`, `Body` = `ESTADO`, signed
with the demo's `CITA_SMS_WEBHOOK_TOKEN` (X-Twilio-Signature). cita verifies the signature, records the
message once, finds the account, reads its status and owes the reply in the outbox, all in one transaction;
only a 200 counts. After the run, the messages recorded are counted: each 200 must be one recorded message.

Environment: as bench/http.py (CITA_BENCH_HTTP_SECONDS, _WARMUP, _THREADS, _CONNECTIONS, _TIMEOUT).
Figures go to the terminal and to `bench/out/conversations/<time>.json`. Run with
`python -m bench conversations`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

from bench._wrk import Harness, served, wrk
from bench.http import CITA, LOAD, OK, ROOT, SECONDS, WARMUP_SECONDS, floor, setup

OUT = ROOT / "bench" / "out" / "conversations"
MESSAGES = int(os.environ.get("CITA_BENCH_SMS_MESSAGES", "60000"))


def main(argv: Sequence[str] = ()) -> int:
    """Run the benchmark in a fresh interpreter (it starts Django on a database of its own)."""
    return subprocess.call([sys.executable, "-m", "bench.conversations", "--here", *argv], cwd=ROOT)


def _phones(limit: int) -> list[str]:
    from cita.registrations.models import Applicant

    # Proven phones only: a phone no code has proven gets one "how to prove it" message a day, not the status.
    rows = Applicant.objects.filter(phone_verified_at__isnull=False).order_by("id")[:limit]
    return [row.phone for row in rows if row.phone]


def _rows(path: Path, *, base: str, token: str, phones: Sequence[str], count: int, warm: bool) -> Path:
    """`count` signed SMS webhook calls, one a line in rotate.lua's format (with the signature header)."""
    from cita.conversations.signatures import twilio_signature

    url = f"{base}/hooks/sms"
    with path.open("w") as out:
        for n in range(count):
            form = {
                "MessageSid": ("SMwarm" if warm else "SM") + uuid.uuid4().hex,
                "From": phones[n % len(phones)],
                "To": "+15550000000",
                "Body": "ESTADO",
            }
            signature = twilio_signature(token=token, url=url, params=form.items())
            fields = ["POST", "/hooks/sms", "", "", "application/x-www-form-urlencoded", urlencode(form)]
            out.write("\t".join([*fields, f"X-Twilio-Signature: {signature}"]) + "\n")
    return path


def _run() -> None:
    if shutil.which("wrk") is None:
        raise Harness("wrk is not installed (Debian: apt-get install wrk)")
    OUT.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    s = setup()
    token = s.env.get("CITA_SMS_WEBHOOK_TOKEN", "")
    base = s.env.get("CITA_BASE_URL", "").rstrip("/")
    if not token or not base:
        raise Harness("the demo wrote no CITA_SMS_WEBHOOK_TOKEN / CITA_BASE_URL")
    first = floor(s, "H (hello-world)")
    h = first.successes_per_second
    print(f"H = {h:,.0f} requests/s (p99 {first.p99_ms:.1f} ms)", flush=True)
    # Enough phones that the per-phone hourly limit is never what is measured.
    phones = _phones(max(1000, MESSAGES // 25))
    if not phones:
        raise Harness("the demo has no applicant with a phone")
    warm = _rows(s.home / "sms-warm.tsv", base=base, token=token, phones=phones, count=2000, warm=True)
    rows = _rows(s.home / "sms.tsv", base=base, token=token, phones=phones, count=MESSAGES, warm=False)
    from cita.conversations.models import InboundMessage

    # The provider's hourly budget is lifted: the bench measures handling, not the refusal past the budget.
    env = {**s.env, "CITA_CONVERSATION_PROVIDER_RATE_PER_HOUR": str(10**9)}
    with served(CITA, s.cita_port, env, s.log, ready="/healthz") as url:
        wrk("warm-up", url, [(1, "once", warm)], success=OK, seconds=WARMUP_SECONDS, load=LOAD)
        before = InboundMessage.objects.exclude(message_id__startswith="SMwarm").count()
        figures = wrk("POST /hooks/sms", url, [(1, "once", rows)], success=OK, seconds=SECONDS, load=LOAD)
    recorded = InboundMessage.objects.exclude(message_id__startswith="SMwarm").count() - before
    again = floor(s, "H again")
    figures.ratio = figures.successes_per_second / h
    print(
        f"\n{'profile':18} {'per s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'timeouts':>8}\n"
        f"{first.name:18} {h:9,.0f} {1:7.3f} {first.p50_ms:8.1f} {first.p99_ms:8.1f} {first.errors:7} "
        f"{first.timeouts:8}\n"
        f"{figures.name:18} {figures.successes_per_second:9,.0f} {figures.ratio:7.3f} {figures.p50_ms:8.1f} "
        f"{figures.p99_ms:8.1f} {figures.errors:7} {figures.timeouts:8}\n"
        f"{again.name:18} {again.successes_per_second:9,.0f} {again.successes_per_second / h:7.3f} "
        f"{again.p50_ms:8.1f} {again.p99_ms:8.1f} {again.errors:7} {again.timeouts:8}\n"
        f"statuses {figures.statuses}; messages recorded {recorded:,} for {figures.successes:,} answers 200"
        f"{'' if figures.exhausted == 0 else ' (the list ran out: the rate is a lower bound)'}",
        flush=True,
    )
    # A request wrk gave up on (a timeout) may still have been handled by the server: recorded once.
    if not figures.successes <= recorded <= figures.successes + figures.timeouts:
        print(f"MISMATCH: {recorded} messages recorded for {figures.successes} answers 200", flush=True)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_after": os.getloadavg(),
        "demo": s.demo,
        "database": s.database,
        "phones": len(phones),
        "H": asdict(first),
        "hooks_sms": asdict(figures),
        "H_again": asdict(again),
        "recorded": recorded,
    }
    path = OUT / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written to {path.relative_to(ROOT)}")


def run() -> int:
    """Measure and print; 1 if the harness failed."""
    try:
        _run()
    except Harness as exc:
        print(f"bench/conversations.py FAILED: {exc}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    if "--here" in sys.argv:
        sys.exit(run())
    sys.exit(main(sys.argv[1:]))
