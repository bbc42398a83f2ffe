"""Seeds, the draw key K and each entry's draw key (draw-v1 §Algorithm 1–3)."""

from __future__ import annotations

import hashlib
import hmac
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cita.lottery import Beacon, commitment_compute, draw_keys_compute, key_derive, seed_new


def test_a_new_seed_is_32_random_bytes_with_its_commitment() -> None:
    seed, commitment = seed_new()
    assert re.fullmatch(r"[0-9a-f]{64}", seed)
    assert commitment == hashlib.sha256(bytes.fromhex(seed)).hexdigest()
    assert seed_new()[0] != seed


def test_without_a_beacon_the_key_is_the_seed_itself() -> None:
    assert key_derive(server_seed="ab" * 32, beacon=None) == bytes.fromhex("ab" * 32)


def test_with_a_beacon_the_key_hashes_seed_and_beacon_value_bytes() -> None:
    beacon = Beacon(source="drand", round=7, value="0102ff")
    expected = hashlib.sha256(bytes.fromhex("ab" * 32) + b"\x01\x02\xff").digest()
    assert key_derive(server_seed="ab" * 32, beacon=beacon) == expected


def test_a_key_longer_than_a_block_is_hashed_first_as_hmac_does() -> None:
    key = bytes(range(100))
    expected = hmac.new(key, b"cita-draw-v1|d|ABCD", hashlib.sha256).digest()
    assert draw_keys_compute(key=key, draw_id="d", tickets=[b"ABCD"]) == [expected]


def test_the_commitment_hashes_the_raw_seed_bytes_not_its_hex_text() -> None:
    assert commitment_compute("00" * 32) == hashlib.sha256(bytes(32)).hexdigest()


@settings(max_examples=200)
@given(
    key=st.binary(min_size=0, max_size=100),  # longer than a block (64 bytes) too: RFC 2104 hashes it first
    draw_id=st.text(min_size=1, max_size=20),  # any text, non-ASCII included
    tickets=st.lists(st.text(alphabet="AZ09", min_size=4, max_size=32), max_size=5),
)
def test_draw_keys_are_hmac_sha256_of_the_spec_message(key: bytes, draw_id: str, tickets: list[str]) -> None:
    expected = [
        hmac.new(key, f"cita-draw-v1|{draw_id}|{ticket}".encode(), hashlib.sha256).digest()
        for ticket in tickets
    ]
    computed = draw_keys_compute(key=key, draw_id=draw_id, tickets=[ticket.encode() for ticket in tickets])
    assert computed == expected
