"""Signed daily chain heads: each head (day, last row id, hash, time) signed with Ed25519 by a key of its own
ring (`CITA_AUDIT_HEAD_KEY`, `kid:base64-seed,…`; the first signs, every key verifies), so that whoever keeps
the published heads can later show what cita published (docs/operations.md, "Audit")."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from cita.core.crypto import KeyRing, key_ring

SETTING = "CITA_AUDIT_HEAD_KEY"
PREFIX = "cita-audit-head-v1"


def head_keys() -> KeyRing | None:
    """The ring signing heads, or None when none is set (production without the key: unsigned heads)."""
    if not settings.CITA_AUDIT_HEAD_KEY and not settings.DEBUG:
        return None
    return key_ring(SETTING)


def head_message(*, day: dt.date, last_id: int, hash_: str, at: str) -> bytes:
    """The exact bytes a head's signature covers."""
    return f"{PREFIX}\n{day.isoformat()}\n{last_id}\n{hash_}\n{at}\n".encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def head_sign(message: bytes, *, ring: KeyRing) -> tuple[str, str]:
    """(key id, base64url signature) of `message` by the ring's current key."""
    key = Ed25519PrivateKey.from_private_bytes(ring.keys[ring.current])
    return ring.current, _b64(key.sign(message))


def public_keys(ring: KeyRing) -> dict[str, str]:
    """Key id → base64url raw Ed25519 public key, for every key of the ring."""
    return {
        kid: _b64(
            Ed25519PrivateKey.from_private_bytes(seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        for kid, seed in ring.keys.items()
    }


def head_signature_valid(message: bytes, *, signature: str, public_key: str) -> bool:
    """Whether `signature` (base64url) is `public_key`'s (base64url raw) signature of `message`."""
    try:
        key = Ed25519PublicKey.from_public_bytes(
            base64.urlsafe_b64decode(public_key + "=" * (-len(public_key) % 4))
        )
        key.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
