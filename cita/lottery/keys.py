"""Seeds, the draw key K (draw-v1 §Algorithm 2) and each entry's draw key (§Algorithm 3)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from cita.lottery.model import FORMAT, Beacon

_BLOCK = 64  # SHA-256 block size in bytes, the HMAC pad length (RFC 2104)


def seed_new() -> tuple[str, str]:
    """A fresh 32-byte server seed from `secrets` and its commitment, both in lowercase hex."""
    server_seed = secrets.token_bytes(32).hex()
    return server_seed, commitment_compute(server_seed)


def commitment_compute(server_seed: str) -> str:
    """The commitment to a seed: SHA-256 of its 32 raw bytes in lowercase hex (draw-v1 §Algorithm 1)."""
    return hashlib.sha256(bytes.fromhex(server_seed)).hexdigest()


def key_derive(*, server_seed: str, beacon: Beacon | None) -> bytes:
    """K: the seed's bytes, or SHA-256(seed bytes || beacon value bytes) with a beacon (§Algorithm 2)."""
    seed_bytes = bytes.fromhex(server_seed)
    if beacon is None:
        return seed_bytes
    return hashlib.sha256(seed_bytes + bytes.fromhex(beacon.value)).digest()


def draw_keys_compute(*, key: bytes, draw_id: str, tickets: Iterable[bytes]) -> list[bytes]:
    """HMAC-SHA256(K, "cita-draw-v1|<draw_id>|<ticket>") of each ASCII ticket, in order (§Algorithm 3)."""
    # HMAC written out over hashlib (RFC 2104) so the pads and the message prefix are hashed once, not once
    # per ticket: copying two SHA-256 states is the cheapest per-ticket work the stdlib offers (about 40 %
    # faster than copying an `hmac.HMAC`, which goes through Python code on every copy).
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    inner.update(f"{FORMAT}|{draw_id}|".encode())
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))
    inner_copy = inner.copy
    outer_copy = outer.copy
    keys: list[bytes] = []
    append = keys.append
    for ticket in tickets:
        inner_hash = inner_copy()
        inner_hash.update(ticket)
        outer_hash = outer_copy()
        outer_hash.update(inner_hash.digest())
        append(outer_hash.digest())
    return keys
