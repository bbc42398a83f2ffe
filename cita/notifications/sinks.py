"""Local stand-ins for the providers, for the demo, the tests and the benchmark: a real SMTP server
(aiosmtpd) that keeps every message, and a real HTTP server speaking cita's SMS provider protocol.

    python -m cita.notifications.sinks mail --port 8025 --dir .cita/mail   # one .eml file per message
    python -m cita.notifications.sinks sms --port 8026 --log .cita/sms.log  # one JSON line per SMS

No Django here: the demo starts these as child processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import itertools
import json
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Mail:
    """One message the SMTP sink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        """The parsed message."""
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        """The Message-ID header."""
        return str(self.message["Message-ID"] or "")


@dataclass
class MailHandler:
    """Keeps accepted messages (and writes each to `folder` as an .eml file when given).

    `on_rcpt(address)` may return an SMTP reply to refuse a recipient; `on_data(mail)` may return one to
    refuse a message; `on_accept(count)` runs after each accepted message (tests hook kills there).
    """

    folder: Path | None = None
    messages: list[Mail] = field(default_factory=list)
    on_rcpt: Callable[[str], str | None] | None = None
    on_data: Callable[[Mail], str | None] | None = None
    on_accept: Callable[[int], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.on_rcpt(address) if self.on_rcpt else None
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        mail = Mail(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(content))
        refusal = self.on_data(mail) if self.on_data else None
        if refusal:
            return refusal
        with self.lock:
            self.messages.append(mail)
            count = len(self.messages)
        if self.folder is not None:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            (self.folder / f"{stamp}-{count:06d}.eml").write_bytes(mail.content)
        if self.on_accept:
            self.on_accept(count)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on a local port, started and stopped by the caller."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int | None = None, folder: Path | None = None
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self.handler = MailHandler(folder=folder)
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Mail]:
        """Every message accepted so far."""
        with self.handler.lock:
            return list(self.handler.messages)

    def start(self) -> MailSink:
        """Start listening."""
        self._controller = Controller(self.handler, hostname=self.host, port=self.port, ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening (further connections are refused)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class Sms:
    """One SMS the HTTP sink accepted."""

    to: str
    sender: str
    text: str
    reference: str
    id: str
    channel: str = "sms"


class SmsSink:
    """An HTTP server speaking cita's SMS provider protocol: `POST` JSON `{"to","from","text","reference"}`
    with `Authorization: Bearer <token>`, answering `201 {"id": ...}`. A repeated `Idempotency-Key` gets the
    first answer again and sends nothing. Every SMS is appended to `log` as a JSON line when given.

    `respond(payload)` may return `(status, body)` to answer instead (tests script failures with it).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        token: str = "",
        log: Path | None = None,
        respond: Callable[[dict[str, Any]], tuple[int, dict[str, Any]] | None] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.token = token
        self.log = log
        self.respond = respond
        self.messages: list[Sms] = []
        self.requests: list[dict[str, Any]] = []
        self._ids: dict[str, str] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The URL to put in `CITA_SMS_URL`."""
        return f"http://{self.host}:{self.port}/sms"

    def start(self) -> SmsSink:
        """Start serving in a thread."""
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in one segment at the end of each request: written apart, Nagle's
            # algorithm and the client's delayed ACK hold every answer back some 40 ms.
            wbufsize = 1 << 16

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, body = sink.handle(self.path, dict(self.headers.items()), raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-sink", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        """Answer one request (the HTTP handler calls this)."""
        route = path.split("?")[0]
        if route not in ("/sms", "/whatsapp"):
            return 404, {"error": "not_found"}
        if self.token and headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": "unauthorized"}
        try:
            payload = json.loads(raw)
        except ValueError:
            return 400, {"error": "invalid_json"}
        with self._lock:
            self.requests.append(payload)
        scripted = self.respond(payload) if self.respond else None
        if scripted is not None:
            return scripted
        if route == "/whatsapp":
            return self._whatsapp(headers, payload)
        if not isinstance(payload, dict) or not all(payload.get(k) for k in ("to", "text", "reference")):
            return 422, {"error": "missing_fields"}
        to = str(payload["to"])
        if not to.startswith("+") or not to[1:].isdigit() or not 8 <= len(to) - 1 <= 15:
            return 400, {"error": "invalid_number"}
        key = headers.get("Idempotency-Key") or str(payload["reference"])
        with self._lock:
            if key in self._ids:
                return 200, {"id": self._ids[key], "duplicate": True}
            sms_id = f"sms-{next(self._counter)}"
            self._ids[key] = sms_id
            self._keep(
                Sms(to, str(payload.get("from", "")), str(payload["text"]), str(payload["reference"]), sms_id)
            )
        return 201, {"id": sms_id}

    def _whatsapp(self, headers: dict[str, str], payload: Any) -> tuple[int, dict[str, Any]]:
        """The WhatsApp Cloud API's messages call (`{"messaging_product", "to", "type": "text", "text":
        {"body"}}`), answered as it answers: `200 {"messages": [{"id": "wamid…"}]}`."""
        text = payload.get("text") if isinstance(payload, dict) else None
        body = text.get("body") if isinstance(text, dict) else None
        if not body or payload.get("messaging_product") != "whatsapp" or payload.get("type") != "text":
            return 400, {"error": {"message": "invalid_parameter", "code": 100}}
        to = str(payload.get("to", ""))
        if not to.isdigit() or not 8 <= len(to) <= 15:
            return 400, {"error": {"message": "invalid_number", "code": 131026}}
        key = headers.get("Idempotency-Key") or str(payload.get("biz_opaque_callback_data", ""))
        with self._lock:
            if key and key in self._ids:
                return 200, {"messages": [{"id": self._ids[key]}]}
            wa_id = f"wamid.{next(self._counter)}"
            if key:
                self._ids[key] = wa_id
            self._keep(Sms(f"+{to}", "", str(body), key, wa_id, channel="whatsapp"))
        return 200, {"messaging_product": "whatsapp", "messages": [{"id": wa_id}]}

    def _keep(self, sms: Sms) -> None:
        """Remember a message and append it to the log (the caller holds the lock)."""
        self.messages.append(sms)
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as handle:
                at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
                line = {"at": at, "direction": "out", **sms.__dict__}
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run one sink in the foreground until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m cita.notifications.sinks")
    sub = parser.add_subparsers(dest="kind", required=True)
    mail = sub.add_parser("mail", help="an SMTP server writing each message to a folder as .eml")
    mail.add_argument("--host", default="127.0.0.1")
    mail.add_argument("--port", type=int, default=8025)
    mail.add_argument("--dir", type=Path, help="write each message here as .eml (else keep them in memory)")
    sms = sub.add_parser("sms", help="an HTTP SMS provider appending each SMS to a log file")
    sms.add_argument("--host", default="127.0.0.1")
    sms.add_argument("--port", type=int, default=8026)
    sms.add_argument("--token", default="")
    sms.add_argument("--log", type=Path, required=True)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.kind == "mail":
        sink: MailSink | SmsSink = MailSink(host=args.host, port=args.port, folder=args.dir).start()
    else:
        args.log.parent.mkdir(parents=True, exist_ok=True)
        sink = SmsSink(host=args.host, port=args.port, token=args.token, log=args.log).start()
    stop.wait()
    sink.stop()
    sys.stdout.write(f"received {len(sink.messages)} messages\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
