"""Encryption of personal data at rest, and keyed hashes for finding duplicates without decrypting.

Values are sealed with AES-256-GCM. A sealed value is text: `v1$<key id>$<nonce b64>$<ciphertext b64>`,
so the key that sealed it is known and keys can rotate (`cita manage rotate_data_key`). The column it
belongs to is bound in as associated data: a ciphertext copied into another column does not open.

Keys come from the environment as a key ring, `kid:base64,kid:base64`; the first seals, all open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cita.core.errors import CitaError

PREFIX = "v1"


class CryptoKeyError(CitaError):
    """A key ring is malformed, or a value was sealed with a key that is no longer in it."""

    code = "key_error"


@dataclass(frozen=True)
class KeyRing:
    """Named 32-byte keys; `current` seals new values."""

    keys: dict[str, bytes]
    current: str

    @classmethod
    def parse(cls, text: str, *, name: str) -> KeyRing:
        """Parse `kid:base64[,kid:base64…]` (32-byte keys); `name` is the setting, for error messages."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            kid, sep, b64 = item.partition(":")
            if not sep or not kid.isalnum() or len(kid) > 16:
                raise CryptoKeyError(f"{name}: each key must be 'id:base64' with a short alphanumeric id")
            try:
                raw = base64.b64decode(b64 + "=" * (-len(b64) % 4), altchars=b"-_", validate=True)
            except (binascii.Error, ValueError) as exc:
                raise CryptoKeyError(f"{name}: key {kid!r} is not valid base64") from exc
            if len(raw) != 32:
                raise CryptoKeyError(f"{name}: key {kid!r} must be 32 bytes, not {len(raw)}")
            if kid in keys:
                raise CryptoKeyError(f"{name}: key id {kid!r} appears twice")
            keys[kid] = raw
            order.append(kid)
        if not order:
            raise CryptoKeyError(f"{name} holds no key")
        return cls(keys=keys, current=order[0])


def new_key_ring_entry(kid: str) -> str:
    """A fresh `kid:base64` entry for a key ring setting."""
    return f"{kid}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}"


@cache
def _ring(setting: str) -> KeyRing:
    from django.conf import settings

    text = getattr(settings, setting, "") or os.environ.get(setting, "")
    if not text and settings.DEBUG:
        # Development without generated secrets: a stable key derived from SECRET_KEY, never used in
        # production because settings refuse to start there without the real one.
        derived = hashlib.sha256(f"{setting}:{settings.SECRET_KEY}".encode()).digest()
        text = f"dev:{base64.urlsafe_b64encode(derived).decode()}"
    return KeyRing.parse(text, name=setting)


def key_ring(setting: str) -> KeyRing:
    """The key ring a setting holds (with DEBUG and no value: a stable development key)."""
    return _ring(setting)


def data_keys() -> KeyRing:
    """The key ring for personal data (`CITA_DATA_KEY`)."""
    return _ring("CITA_DATA_KEY")


def reset_key_cache() -> None:
    """Forget the parsed key rings (after the settings changed: tests, key rotation)."""
    _ring.cache_clear()


def seal(plaintext: str, *, context: str, ring: KeyRing | None = None) -> str:
    """Encrypt `plaintext` for the column named by `context` with the current data key."""
    ring = ring or data_keys()
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext.encode(), context.encode())
    return "$".join((PREFIX, ring.current, _b64(nonce), _b64(ciphertext)))


def unseal(token: str, *, context: str, ring: KeyRing | None = None) -> str:
    """Decrypt a value sealed by `seal` for the same `context`."""
    ring = ring or data_keys()
    try:
        prefix, kid, nonce, ciphertext = token.split("$")
    except ValueError as exc:
        raise CryptoKeyError("not a sealed value") from exc
    if prefix != PREFIX:
        raise CryptoKeyError(f"unknown sealed value format {prefix!r}")
    key = ring.keys.get(kid)
    if key is None:
        raise CryptoKeyError(f"value sealed with key {kid!r}, which is not in CITA_DATA_KEY")
    try:
        return AESGCM(key).decrypt(_unb64(nonce), _unb64(ciphertext), context.encode()).decode()
    except InvalidTag as exc:
        raise CryptoKeyError(f"sealed value does not open with key {kid!r} for {context}") from exc


def key_id_of(token: str) -> str:
    """The id of the key a sealed value was sealed with."""
    return token.split("$", 2)[1]


def blind_index(value: str, *, purpose: str, kid: str | None = None) -> str:
    """A keyed hash (HMAC-SHA256 with `CITA_INDEX_KEY`) of an already normalised value, as hex.

    `kid` picks a key of the ring (default: the current one, which every write uses). The index key is
    separate from the data keys so that rotating data keys keeps duplicates findable.
    """
    ring = _ring("CITA_INDEX_KEY")
    key = ring.keys[kid or ring.current]
    return hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def blind_indexes(value: str, *, purpose: str) -> list[str]:
    """The keyed hash of `value` under every key of `CITA_INDEX_KEY`, newest first: what a lookup matches,
    so that rows still indexed with an older key are found while `cita manage reindex` runs."""
    return [blind_index(value, purpose=purpose, kid=kid) for kid in _ring("CITA_INDEX_KEY").keys]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
