"""The outside world behind small protocols: email, SMS and WhatsApp text. Settings name the classes used
(`CITA_NOTIFY_EMAIL_CHANNEL`, `CITA_NOTIFY_SMS_CHANNEL`, `CITA_NOTIFY_WHATSAPP_CHANNEL`); tests plug in
real local servers.

A channel either returns the provider's message id, or raises `TemporaryFailure` (try again later:
connection refused, timeout, 4xx SMTP replies, 5xx/429 HTTP answers) or `PermanentFailure` (do not try
again: the address is refused or invalid). `ChannelDown` is a temporary failure of the connection itself,
after which the rest of a batch waits instead of each message failing in turn.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import re
import smtplib
import time
from dataclasses import dataclass
from email.utils import formatdate
from functools import cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, sanitize_address
from django.utils.module_loading import import_string


class TemporaryFailure(Exception):
    """The message may go through later. `retry_after` (seconds) when the provider said when."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChannelDown(TemporaryFailure):
    """The provider cannot be reached at all: no point trying the rest of the batch now."""


class PermanentFailure(Exception):
    """The message will never go through as it is (invalid or refused address)."""


@dataclass(frozen=True)
class EmailOut:
    reference: str
    to: str
    subject: str
    body: str
    language: str


@dataclass(frozen=True)
class SmsOut:
    reference: str
    to: str
    text: str


class EmailChannel(Protocol):
    def send(self, message: EmailOut) -> str:
        """Hand the message to the provider; return its message id."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class SmsChannel(Protocol):
    def send(self, message: SmsOut) -> str:
        """Hand the message to the provider; return its message id."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def message_id(reference: str) -> str:
    """The Message-ID of a delivery: stable, so a message sent twice can be recognised downstream."""
    host = urlsplit(settings.CITA_BASE_URL).hostname or "cita.invalid"
    return f"<{reference}@{host}>"


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


# An address written into the To header and the envelope as it is: plain ASCII, no display name, short
# enough never to be folded. Any other goes through Django's own message building.
_PLAIN_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")


@functools.lru_cache(maxsize=512)
def _message_head(subject: str, from_email: str, eight_bit: bool) -> bytes:
    """The first headers of a message (Content-Type, MIME-Version, Content-Transfer-Encoding, Subject,
    From) exactly as Django writes them: built once by Django per subject and sender, then reused."""
    sample = EmailMessage(subject=subject, body="é" if eight_bit else "x", from_email=from_email, to=["a@b"])
    raw = sample.message().as_bytes(linesep="\r\n")
    return raw[: raw.index(b"\r\nTo: ") + 2]


_DATE: list[tuple[int, str]] = [(0, "")]


def _date() -> str:
    """The Date header as Django writes it, worked out once a second."""
    now = int(time.time())
    if _DATE[0][0] != now:
        _DATE[0] = (now, formatdate(now, localtime=bool(settings.EMAIL_USE_LOCALTIME)))
    return _DATE[0][1]


def message_bytes(message: EmailOut, mid: str) -> bytes | None:
    """The message as Django's SMTP backend would send it (byte for byte, tests/notifications/
    test_delivery.py checks it for every kind and language), built without the email package: a draw's
    million notices differ only in the address, the ids and a few words. None when Django must build it
    (an address or a line out of the ordinary)."""
    body = message.body
    if not _PLAIN_ADDRESS.match(message.to) or len(message.to) > 64 + 1 + 63:
        return None
    encoded = body.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    if any(len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in encoded.split(b"\n")):
        return None  # Django sends it quoted-printable
    if any(ch in message.subject for ch in "\r\n"):
        return None  # Django refuses it
    head = _message_head(message.subject, settings.DEFAULT_FROM_EMAIL, not body.isascii())
    tail = (
        f"To: {message.to}\r\nDate: {_date()}\r\nMessage-ID: {mid}\r\n"
        f"Content-Language: {message.language}\r\nAuto-Submitted: auto-generated\r\n"
        f"X-Cita-Reference: {message.reference}\r\n\r\n"
    )
    return head + tail.encode("ascii") + encoded.replace(b"\n", b"\r\n")


class SmtpEmail:
    """Email through Django's SMTP backend (settings `CITA_EMAIL_*`), one connection kept for a run. The
    message of a notice is built by `message_bytes` (the same bytes Django would build, some 20 times
    faster) and handed to the kept connection; anything out of the ordinary goes through Django."""

    def __init__(self) -> None:
        # Always SMTP, whatever EMAIL_BACKEND says (tests set it to memory): this class is the SMTP channel.
        self._connection = get_connection(SMTP_BACKEND, fail_silently=False)

    def send(self, message: EmailOut) -> str:
        """Send over SMTP; classify refusals by their reply code (5xx permanent, 4xx temporary)."""
        mid = message_id(message.reference)
        raw = message_bytes(message, mid)
        email = (
            None
            if raw is not None
            else EmailMessage(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.to],
                headers={
                    "Message-ID": mid,
                    "Content-Language": message.language,
                    "Auto-Submitted": "auto-generated",
                    "X-Cita-Reference": message.reference,
                },
                connection=self._connection,
            )
        )
        try:
            if self._connection.connection is None:
                # Opened here and kept: send_messages() on a closed backend opens and closes it per message.
                self._connection.open()
            if email is not None:
                email.send()
            else:
                self._connection.connection.sendmail(_envelope_from(), [message.to], raw)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            detail = "; ".join(f"{code} {msg!r}" for code, msg in exc.recipients.values())
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipient refused: {detail}") from exc
            raise TemporaryFailure(f"recipient deferred: {detail}") from exc
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            self.close()
            reply = f"{exc.smtp_code} {exc.smtp_error!r}"
            if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
                raise PermanentFailure(f"message refused: {reply}") from exc
            raise TemporaryFailure(f"SMTP refused: {reply}") from exc
        except (
            smtplib.SMTPServerDisconnected,
            smtplib.SMTPConnectError,
            smtplib.SMTPAuthenticationError,
        ) as exc:
            self.close()
            raise ChannelDown(f"SMTP server unusable: {type(exc).__name__}: {exc}") from exc
        except smtplib.SMTPException as exc:
            self.close()
            raise TemporaryFailure(f"SMTP error: {type(exc).__name__}: {exc}") from exc
        except OSError as exc:
            # Connection refused, reset or timed out (smtplib's own errors are OSErrors too: caught above).
            self.close()
            raise ChannelDown(f"SMTP server unreachable: {type(exc).__name__}: {exc}") from exc
        except (ValueError, UnicodeError) as exc:
            # Django refuses addresses it cannot encode or that hold line breaks.
            raise PermanentFailure(f"invalid address: {exc}") from exc
        return mid

    def close(self) -> None:
        """Quit the SMTP session (a new one opens on the next send)."""
        with contextlib.suppress(Exception):  # a broken connection is being thrown away anyway
            self._connection.close()


@functools.lru_cache(maxsize=8)
def _envelope_sender(from_email: str) -> str:
    return sanitize_address(from_email, settings.DEFAULT_CHARSET)


def _envelope_from() -> str:
    """The envelope sender, as Django's backend gives it to smtplib."""
    return _envelope_sender(settings.DEFAULT_FROM_EMAIL)


class _JsonOverHttp:
    """A provider that takes one JSON POST a message on a kept-alive connection: 2xx sent, 408/429/5xx and
    network errors temporary, other 4xx permanent. Subclasses say where, with what token, and the shape."""

    name = ""  # in error texts: "SMS", "WhatsApp"
    setting = ""  # the URL's setting, named when it is missing

    def __init__(self, *, url: str, timeout: float, token: str) -> None:
        self._url = urlsplit(url)
        self._timeout = timeout
        self._token = token
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._url.scheme not in ("http", "https") or not self._url.hostname:
                raise ChannelDown(f"{self.name} provider not configured ({self.setting})")
            kind = http.client.HTTPSConnection if self._url.scheme == "https" else http.client.HTTPConnection
            self._conn = kind(self._url.hostname, self._url.port, timeout=self._timeout)
        return self._conn

    def _post(self, payload: dict[str, Any], *, reference: str) -> Any:
        """POST `payload`; the decoded JSON answer of a 2xx ({} when it is not JSON), else the failure."""
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {self._token}",
            "Idempotency-Key": reference,
        }
        path = self._url.path or "/"
        if self._url.query:
            path += f"?{self._url.query}"
        try:
            conn = self._connection()
            conn.request("POST", path, body=json.dumps(payload).encode(), headers=headers)
            response = conn.getresponse()
            body = response.read()
        except TimeoutError as exc:
            self.close()
            raise TemporaryFailure(f"{self.name} provider timed out after {self._timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise ChannelDown(f"{self.name} provider unreachable: {type(exc).__name__}: {exc}") from exc
        status = response.status
        if 200 <= status < 300:
            try:
                return json.loads(body or b"{}")
            except ValueError:
                return {}
        detail = f"HTTP {status}: {_error_text(body)}"
        if status in (408, 429) or status >= 500:
            raise TemporaryFailure(detail, retry_after=_retry_after(response.getheader("Retry-After")))
        raise PermanentFailure(detail)

    def close(self) -> None:
        """Close the kept-alive HTTP connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class HttpSms(_JsonOverHttp):
    """An SMS provider over HTTP: `POST CITA_SMS_URL` with a bearer token and JSON
    `{"to", "from", "text", "reference"}`; answers `{"id": "..."}`. The reference goes in an
    `Idempotency-Key` header too, so a provider that honours it never sends a retried message twice."""

    name, setting = "SMS", "CITA_SMS_URL"

    def __init__(self) -> None:
        super().__init__(
            url=settings.CITA_SMS_URL, timeout=float(settings.CITA_SMS_TIMEOUT), token=settings.CITA_SMS_TOKEN
        )

    def send(self, message: SmsOut) -> str:
        """POST the message; its provider id."""
        answer = self._post(
            {
                "to": message.to,
                "from": settings.CITA_SMS_SENDER,
                "text": message.text,
                "reference": message.reference,
            },
            reference=message.reference,
        )
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""


class HttpWhatsApp(_JsonOverHttp):
    """WhatsApp text through the Cloud API's shape: `POST CITA_WHATSAPP_URL` (the Graph API's
    `/<phone-number-id>/messages`, or any stand-in) with `Authorization: Bearer CITA_WHATSAPP_TOKEN` and JSON
    `{"messaging_product": "whatsapp", "to": "<digits>", "type": "text", "text": {"body": "…"}}`; answers
    `{"messages": [{"id": "wamid…"}]}`. The reference goes in an `Idempotency-Key` header, as for SMS."""

    name, setting = "WhatsApp", "CITA_WHATSAPP_URL"

    def __init__(self) -> None:
        super().__init__(
            url=settings.CITA_WHATSAPP_URL,
            timeout=float(settings.CITA_WHATSAPP_TIMEOUT),
            token=settings.CITA_WHATSAPP_TOKEN,
        )

    def send(self, message: SmsOut) -> str:
        """POST the message; its provider id."""
        answer = self._post(
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                # The Cloud API writes numbers as digits only (no "+").
                "to": message.to.lstrip("+"),
                "type": "text",
                "text": {"preview_url": False, "body": message.text},
                "biz_opaque_callback_data": message.reference,
            },
            reference=message.reference,
        )
        messages = answer.get("messages") if isinstance(answer, dict) else None
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            return str(messages[0].get("id", ""))
        return ""


def _error_text(body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    if isinstance(answer, dict):
        error = answer.get("error")
        if isinstance(error, dict):  # the Cloud API: {"error": {"message": …, "code": …}}
            error = error.get("message") or error.get("code")
        return str(error or answer.get("message") or answer)[:200]
    return str(answer)[:200]


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


@cache
def _channel_class(path: str) -> type:
    return import_string(path)


def email_channel() -> EmailChannel:
    """A new email channel of the class named in settings."""
    return _channel_class(settings.CITA_NOTIFY_EMAIL_CHANNEL)()


def sms_channel() -> SmsChannel:
    """A new SMS channel of the class named in settings."""
    return _channel_class(settings.CITA_NOTIFY_SMS_CHANNEL)()


def whatsapp_channel() -> SmsChannel:
    """A new WhatsApp text channel of the class named in settings (it takes the same `SmsOut`)."""
    return _channel_class(settings.CITA_NOTIFY_WHATSAPP_CHANNEL)()
