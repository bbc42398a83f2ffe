"""Signed appointment passes: a compact payload, signed with Ed25519, small enough for a small QR code.

This module imports no Django, so that `cita verify-pass` checks a pass offline with nothing but the
published public keys (`/.well-known/cita-pass-keys.json`).

Payload: `CP1:` followed by the base32 text (RFC 4648, no padding) of `body || signature`, where body is,
big-endian:

    appointment id   6 bytes
    port code        3 bytes ASCII
    day              2 bytes, days since 1970-01-01
    slot             2 bytes, minutes after local midnight at the port
    group size       1 byte
    issued at        4 bytes, seconds since 1970-01-01 UTC
    key id length    1 byte, then the key id in ASCII (1–16 characters)

and signature is Ed25519 over `b"cita-pass-v1\\0" || body`. Base32 uses only capital letters, digits and
`:`, which QR codes store in their compact alphanumeric mode: a pass of ~140 characters fits a version 7
code at error correction level M.

Short code: 10 characters of Crockford's base-32 alphabet (no I, L, O, U), the first 50 bits of
SHA-256 over `b"cita-pass-code-v1\\0" || payload`, printed as `XXXXX-XXXXX` for an officer to type when the
QR code cannot be read. It is fixed by the pass and changes with it; it cannot be guessed without the pass
(the payload holds the Ed25519 signature); it is looked up only among one port's appointments of one day.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cita.core import crockford

PREFIX = "CP1:"
DOMAIN = b"cita-pass-v1\x00"
KEYS_FORMAT = "cita-pass-keys-v1"
EPOCH = dt.date(1970, 1, 1)
_FIXED = struct.Struct(">6s3sHHBIB")
_SIGNATURE = 64
SHORT_CODE_LENGTH = 10
_SHORT_DOMAIN = b"cita-pass-code-v1\x00"


class PassRefused(Exception):
    """A pass that does not check out; `code` says why (stable), the message says it for people."""

    def __init__(self, code: str, message: str, *, fields: PassFields | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields


@dataclass(frozen=True)
class PassFields:
    """What a pass says."""

    appointment_id: int
    port: str
    day: dt.date
    slot: dt.time
    group_size: int
    issued_at: dt.datetime
    kid: str

    def describe(self) -> str:
        """One line for people: which appointment, where and when."""
        return (
            f"appointment {self.appointment_id}, port {self.port}, {self.day.isoformat()} "
            f"{self.slot:%H:%M}, group of {self.group_size}, issued {self.issued_at:%Y-%m-%d %H:%M} UTC, "
            f"key {self.kid}"
        )


def pass_sign(
    *,
    appointment_id: int,
    port: str,
    day: dt.date,
    slot: dt.time,
    group_size: int,
    issued_at: dt.datetime,
    kid: str,
    private_key: bytes,
) -> str:
    """The payload of a pass, signed with the 32-byte Ed25519 private key (seed) named `kid`."""
    if not 0 < appointment_id < 1 << 48:
        raise ValueError("appointment id out of range")
    if len(port) != 3 or not port.isascii() or not port.isupper():
        raise ValueError("port code must be three capital letters")
    if not 1 <= group_size <= 255:
        raise ValueError("group size out of range")
    if not 1 <= len(kid) <= 16 or not kid.isascii() or not kid.isalnum():
        raise ValueError("key id must be 1 to 16 ASCII letters or digits")
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    body = _FIXED.pack(
        appointment_id.to_bytes(6, "big"),
        port.encode("ascii"),
        (day - EPOCH).days,
        slot.hour * 60 + slot.minute,
        group_size,
        int(issued_at.timestamp()),
        len(kid),
    ) + kid.encode("ascii")
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(DOMAIN + body)
    return PREFIX + base64.b32encode(body + signature).decode("ascii").rstrip("=")


def pass_decode(payload: str) -> tuple[PassFields, bytes, bytes]:
    """The fields of a pass, the signed message and the signature; checks the form, not the signature."""
    text = payload.strip().upper()
    if not text.startswith(PREFIX):
        raise PassRefused("malformed", "not a cita pass (it does not start with CP1:)")
    data = text[len(PREFIX) :]
    try:
        raw = base64.b32decode(data + "=" * (-len(data) % 8))
    except (binascii.Error, ValueError):
        raise PassRefused("malformed", "the pass is damaged (not valid base32)") from None
    if len(raw) < _FIXED.size + 1 + _SIGNATURE:
        raise PassRefused("malformed", "the pass is damaged (too short)")
    body, signature = raw[:-_SIGNATURE], raw[-_SIGNATURE:]
    ident, port, days, minutes, size, issued, kid_length = _FIXED.unpack_from(body)
    kid_bytes = body[_FIXED.size :]
    if len(kid_bytes) != kid_length or minutes >= 24 * 60 or size < 1:
        raise PassRefused("malformed", "the pass is damaged (fields out of range)")
    try:
        fields = PassFields(
            appointment_id=int.from_bytes(ident, "big"),
            port=port.decode("ascii"),
            day=EPOCH + dt.timedelta(days=days),
            slot=dt.time(minutes // 60, minutes % 60),
            group_size=size,
            issued_at=dt.datetime.fromtimestamp(issued, dt.UTC),
            kid=kid_bytes.decode("ascii"),
        )
    except (UnicodeDecodeError, ValueError, OverflowError):
        raise PassRefused("malformed", "the pass is damaged (fields out of range)") from None
    return fields, DOMAIN + body, signature


def pass_short_code(payload: str) -> str:
    """The pass's short code (see the module): 10 Crockford base-32 characters."""
    digest = hashlib.sha256(_SHORT_DOMAIN + payload.strip().upper().encode("ascii")).digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - 5 * SHORT_CODE_LENGTH)
    return "".join(
        crockford.ALPHABET[(number >> (5 * (SHORT_CODE_LENGTH - 1 - i))) & 31]
        for i in range(SHORT_CODE_LENGTH)
    )


def short_code_normalise(text: str) -> str | None:
    """A short code as typed (any case, spaces and dashes, O/I/L for 0/1) in its canonical form; None when
    the text is not a short code (a whole pass, or the wrong length or letters)."""
    code = crockford.typed(text).translate(crockford.LOOK_ALIKES)
    if len(code) != SHORT_CODE_LENGTH or not set(code) <= set(crockford.ALPHABET):
        return None
    return code


def short_code_display(code: str) -> str:
    """`XXXXX-XXXXX`: easier to read aloud and to type."""
    return f"{code[:5]}-{code[5:]}"


def pass_check(
    payload: str,
    *,
    keys: Mapping[str, bytes],
    port: str | None = None,
    day: dt.date | None = None,
) -> PassFields:
    """The fields of a genuine pass for `port` on `day` (when given); raises `PassRefused` saying why not.

    `keys` maps key ids to raw 32-byte Ed25519 public keys. Whether the appointment was cancelled since is
    not in the pass: only the online check (`cita.appointments.services.pass_verify`) knows that.
    """
    fields, message, signature = pass_decode(payload)
    public = keys.get(fields.kid)
    if public is None:
        raise PassRefused(
            "unknown_key", f"signed with key {fields.kid!r}, which is not a cita pass key", fields=fields
        )
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except InvalidSignature:
        raise PassRefused(
            "bad_signature", "the signature does not match: the pass is forged or altered"
        ) from None
    if port is not None and fields.port != port.upper():
        raise PassRefused(
            "other_port", f"this pass is for port {fields.port}, not {port.upper()}", fields=fields
        )
    if day is not None and fields.day != day:
        raise PassRefused(
            "other_date", f"this pass is for {fields.day.isoformat()}, not {day.isoformat()}", fields=fields
        )
    return fields


def public_key_of(private_key: bytes) -> bytes:
    """The raw 32-byte public key of a 32-byte Ed25519 private key."""
    return (
        Ed25519PrivateKey.from_private_bytes(private_key)
        .public_key()
        .public_bytes(encoding=Encoding.Raw, format=PublicFormat.Raw)
    )


def keys_document(*, private_keys: Mapping[str, bytes], current: str) -> dict[str, object]:
    """The public key document (`/.well-known/cita-pass-keys.json`) for a key ring."""
    return {
        "format": KEYS_FORMAT,
        "algorithm": "Ed25519",
        "payload": "CP1: base32(body || signature), docs/daily-cycle.md 'Passes'",
        "keys": [
            {
                "kid": kid,
                "public_key": base64.urlsafe_b64encode(public_key_of(seed)).decode("ascii").rstrip("="),
                "signing": kid == current,
            }
            for kid, seed in private_keys.items()
        ],
    }


def keys_from_document(data: bytes) -> dict[str, bytes]:
    """Key id → raw public key from the bytes of a public key document; ValueError when malformed."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != KEYS_FORMAT:
        raise ValueError(f"not a {KEYS_FORMAT} document")
    keys: dict[str, bytes] = {}
    for item in document.get("keys") or []:
        if not isinstance(item, dict) or not isinstance(item.get("kid"), str):
            raise ValueError("each key needs a kid")
        text = item.get("public_key")
        if not isinstance(text, str):
            raise ValueError(f"key {item['kid']!r} has no public_key")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise ValueError(f"key {item['kid']!r} is not base64") from None
        if len(raw) != 32:
            raise ValueError(f"key {item['kid']!r} is not 32 bytes")
        keys[item["kid"]] = raw
    if not keys:
        raise ValueError("the document lists no keys")
    return keys
