import pytest

from cita.core import crypto
from cita.core.crypto import CryptoKeyError, KeyRing, new_key_ring_entry


def ring(*kids: str) -> KeyRing:
    return KeyRing.parse(",".join(new_key_ring_entry(k) for k in kids), name="TEST_KEY")


def test_a_sealed_value_opens_to_the_plaintext():
    keys = ring("a")
    token = crypto.seal("Ana María", context="t.name", ring=keys)
    assert "Ana" not in token
    assert crypto.unseal(token, context="t.name", ring=keys) == "Ana María"


def test_sealing_twice_gives_different_ciphertexts():
    keys = ring("a")
    assert crypto.seal("x", context="c", ring=keys) != crypto.seal("x", context="c", ring=keys)


def test_a_value_copied_to_another_column_does_not_open():
    keys = ring("a")
    token = crypto.seal("secret", context="t.given_names", ring=keys)
    with pytest.raises(CryptoKeyError, match="does not open"):
        crypto.unseal(token, context="t.document_number", ring=keys)


def test_old_keys_still_open_after_a_new_key_is_put_first():
    old = new_key_ring_entry("old")
    token = crypto.seal("v", context="c", ring=KeyRing.parse(old, name="K"))
    rotated = KeyRing.parse(f"{new_key_ring_entry('new')},{old}", name="K")
    assert crypto.unseal(token, context="c", ring=rotated) == "v"
    assert crypto.key_id_of(crypto.seal("v", context="c", ring=rotated)) == "new"


def test_a_value_under_a_removed_key_names_the_missing_key():
    token = crypto.seal("v", context="c", ring=ring("gone"))
    with pytest.raises(CryptoKeyError, match="'gone'"):
        crypto.unseal(token, context="c", ring=ring("other"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "holds no key"),
        ("nokey", "'id:base64'"),
        ("a:!!!", "base64"),
        ("a:AAAA", "32 bytes"),
        (f"{new_key_ring_entry('a')},{new_key_ring_entry('a')}", "twice"),
    ],
)
def test_a_malformed_key_ring_is_refused_with_a_clear_message(text, message):
    with pytest.raises(CryptoKeyError, match=message):
        KeyRing.parse(text, name="CITA_DATA_KEY")
