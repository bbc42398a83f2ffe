"""`cita demo-sms PHONE TEXT`: text the running demo as a phone would, and print its reply.

The message goes to the demo's webhook signed as the provider signs it (Twilio's X-Twilio-Signature, or with
`--whatsapp` the Cloud API's X-Hub-Signature-256), with the secrets `cita demo` wrote to
`.cita/secrets.env`. Both sides of the conversation are in `.cita/sms.log`: the message in (written here,
`"direction": "in"`) and cita's reply out (written by the SMS stand-in when the worker sends it). No
Django here: only HTTP to the running server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from cita.cli.base import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `demo-sms` command."""
    parser = sub.add_parser(
        "demo-sms",
        help="text the running demo as a phone would (SMS or WhatsApp) and print the reply",
        description="Send one text message to the running demo's webhook, signed like the provider signs "
        "it, and print cita's reply when the worker has sent it.",
    )
    parser.add_argument("phone", metavar="PHONE", help="the sender's number, +E.164 (e.g. +5266412345678)")
    parser.add_argument("text", metavar="TEXT", help='what the person writes, e.g. "ESTADO" or "SI 4821"')
    parser.add_argument("--whatsapp", action="store_true", help="send it as a WhatsApp message")
    parser.add_argument("--url", help="the demo's address (default CITA_BASE_URL from .cita/secrets.env)")
    parser.add_argument("--log", type=Path, help="the conversation log (default .cita/sms.log)")
    parser.add_argument("--wait", type=float, default=15, help="seconds to wait for the reply (default 15)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Send the message; print the reply (exit 0), or say that none came in time (exit 1)."""
    from cita.cli.django_setup import load_dev_env
    from cita.db import cita_home

    load_dev_env()
    base = (args.url or os.environ.get("CITA_BASE_URL", "")).rstrip("/")
    if not base:
        raise CommandError("no demo address: run `cita demo` first, or give --url")
    log = args.log or cita_home() / "sms.log"
    channel = "whatsapp" if args.whatsapp else "sms"
    # Logged before it is sent: the reply may reach the log before the webhook has answered.
    _log_inbound(log, args.phone, args.text, channel)
    start = log.stat().st_size
    print(f"> {args.phone} ({channel}): {args.text}")
    status = _send_whatsapp(base, args.phone, args.text) if args.whatsapp else _send_sms(base, args)
    if status != 200:
        raise CommandError(f"the webhook answered {status}")
    deadline = time.monotonic() + args.wait
    while True:
        reply = _reply_after(log, start, args.phone)
        if reply is not None:
            print(f"< cita: {reply}" if not reply.startswith("cita") else f"< {reply}")
            return 0
        if time.monotonic() >= deadline:
            print("(no reply yet: is `cita demo` running with its worker? Replies land in the SMS log.)")
            return 1
        time.sleep(0.3)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - the demo's own URL
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError as exc:
        raise CommandError(f"cannot reach {url}: {exc}") from None


def _send_sms(base: str, args: argparse.Namespace) -> int:
    from cita.conversations.signatures import twilio_signature

    token = os.environ.get("CITA_SMS_WEBHOOK_TOKEN", "")
    if not token:
        raise CommandError("CITA_SMS_WEBHOOK_TOKEN is not set (run `cita demo` once to write it)")
    url = f"{base}/hooks/sms"
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "From": args.phone,
        "To": "+15550000000",
        "Body": args.text,
        "NumMedia": "0",
    }
    signature = twilio_signature(token=token, url=url, params=form.items())
    body = urllib.parse.urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return _post(url, body, headers)


def _send_whatsapp(base: str, phone: str, text: str) -> int:
    from cita.conversations.signatures import hub_signature

    secret = os.environ.get("CITA_WHATSAPP_APP_SECRET", "")
    if not secret:
        raise CommandError("CITA_WHATSAPP_APP_SECRET is not set (run `cita demo` once to write it)")
    message = {
        "from": phone.lstrip("+"),
        "id": "wamid.demo" + uuid.uuid4().hex,
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    value = {"messaging_product": "whatsapp", "messages": [message]}
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": hub_signature(secret=secret, body=body),
    }
    return _post(f"{base}/hooks/whatsapp", body, headers)


def _log_inbound(log: Path, phone: str, text: str, channel: str) -> None:
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    line = {"at": at, "direction": "in", "from": phone, "text": text, "channel": channel}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def _reply_after(log: Path, offset: int, phone: str) -> str | None:
    """The first message to `phone` written to the log after `offset` bytes, if any."""
    if not log.exists():
        return None
    with log.open("rb") as handle:
        handle.seek(offset)
        for raw in handle.read().splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if isinstance(line, dict) and line.get("to") == phone and line.get("direction") != "in":
                return str(line.get("text", ""))
    return None
