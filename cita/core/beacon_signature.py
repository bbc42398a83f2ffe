"""drand beacon rounds: is this the chain's BLS signature of this round? (issue 14, item 7). No Django:
`cita draw verify --chain-info --round` uses it, and so does the application's beacon client. Not in
cita.lottery, which imports the standard library only (py_ecc does the pairing)."""

from __future__ import annotations

import hashlib

# drand's schemes (https://drand.love/docs/specification/): the default chained and the unchained chains
# sign on G2 (public key on G1, 48 bytes; signature on G2, 96 bytes), the ones py_ecc's `G2Basic` (domain
# BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_) verifies; quicknet signs on G1 (public key on G2, 96 bytes;
# signature on G1, 48 bytes) with the RFC 9380 domain of G1.
CHAINED = "pedersen-bls-chained"
UNCHAINED = "pedersen-bls-unchained"
QUICKNET = "bls-unchained-g1-rfc9380"
SCHEMES = (CHAINED, UNCHAINED, QUICKNET)
# Bytes of a scheme's public key (the settings check it at start-up).
PUBLIC_KEY_BYTES = {CHAINED: 48, UNCHAINED: 48, QUICKNET: 96}
G1_DOMAIN = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"


def beacon_settings_problem(*, url: str, public_key: str, scheme: str, debug: bool) -> str:
    """What is wrong with the beacon settings, in one line ('' when nothing): outside development a beacon
    and its chain's public key are required, and a key given must be hex of its scheme's length."""
    if not url and not debug:
        return (
            "CITA_BEACON_URL is unset; a draw needs a public randomness beacon (e.g. https://api.drand.sh, "
            "README, 'Configuration'); only CITA_DEBUG=1 runs without one"
        )
    if not public_key and not debug:
        return (
            "CITA_BEACON_PUBLIC_KEY is unset; without the chain's public key a forged beacon answer would be "
            "drawn with (drand quicknet: see docs/operations.md, 'Randomness beacon'); only CITA_DEBUG=1 "
            "runs without one"
        )
    if public_key and scheme not in SCHEMES:
        return f"CITA_BEACON_SCHEME {scheme!r} is not one cita verifies ({', '.join(SCHEMES)})"
    if public_key:
        try:
            size = len(bytes.fromhex(public_key))
        except ValueError:
            size = -1
        if size != PUBLIC_KEY_BYTES[scheme]:
            expected = PUBLIC_KEY_BYTES[scheme]
            return f"CITA_BEACON_PUBLIC_KEY is not a {scheme} public key ({expected} bytes in hex)"
    return ""


def round_message(*, scheme: str, round_number: int, previous_signature: str = "") -> bytes:
    """What drand signs for a round: SHA-256(previous signature ‖ round as 8 big-endian bytes) for the
    chained scheme, SHA-256(round as 8 big-endian bytes) for the unchained ones."""
    previous = bytes.fromhex(previous_signature) if scheme == CHAINED else b""
    return hashlib.sha256(previous + round_number.to_bytes(8, "big")).digest()


def round_signature_valid(
    *, public_key: str, scheme: str, round_number: int, signature: str, previous_signature: str = ""
) -> bool:
    """Whether `signature` is the chain's BLS signature of `round_number` (about 0.4–0.6 s: pure Python)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown beacon scheme {scheme!r}; cita verifies {', '.join(SCHEMES)}")
    try:
        message = round_message(
            scheme=scheme, round_number=round_number, previous_signature=previous_signature
        )
        key, signed = bytes.fromhex(public_key), bytes.fromhex(signature)
        if scheme == QUICKNET:
            return _g1_signature_valid(key, message, signed)
        from eth_typing import BLSPubkey, BLSSignature
        from py_ecc.bls import G2Basic

        return bool(G2Basic.Verify(BLSPubkey(key), message, BLSSignature(signed)))
    except (ValueError, TypeError):
        return False


def _g1_signature_valid(key: bytes, message: bytes, signature: bytes) -> bool:
    """A signature on G1 under a public key on G2 (RFC 9380 hash to G1): e(signature, g2) = e(H(m), key),
    with both points checked to lie in their prime-order subgroups and not to be the point at infinity."""
    from py_ecc.bls.g2_primitives import subgroup_check
    from py_ecc.bls.hash_to_curve import hash_to_G1
    from py_ecc.bls.point_compression import decompress_G1, decompress_G2
    from py_ecc.bls.typing import G1Compressed, G2Compressed
    from py_ecc.optimized_bls12_381 import FQ12, G2, final_exponentiate, is_inf, neg, pairing

    if len(key) != 96 or len(signature) != 48:
        return False
    try:
        key_point = decompress_G2(
            G2Compressed((int.from_bytes(key[:48], "big"), int.from_bytes(key[48:], "big")))
        )
        signature_point = decompress_G1(G1Compressed(int.from_bytes(signature, "big")))
    except (ValueError, AssertionError):
        return False
    if is_inf(key_point) or is_inf(signature_point):
        return False
    if not (subgroup_check(key_point) and subgroup_check(signature_point)):
        return False
    # py_ecc annotates the hash argument as a hash object; it takes (and its own ciphersuites pass) sha256.
    hashed = hash_to_G1(message, G1_DOMAIN, hashlib.sha256)  # type: ignore[arg-type]
    product = pairing(G2, signature_point, final_exponentiate=False) * pairing(
        neg(key_point), hashed, final_exponentiate=False
    )
    return bool(final_exponentiate(product) == FQ12.one())


def round_check(
    *, chain_info: dict[str, object], answer: dict[str, object], round_number: int, value: str
) -> str:
    """'' when `answer` (a drand `/public/{round}` JSON object) is round `round_number`, signed by the chain
    of `chain_info` (its `/info` JSON object: `public_key`, `schemeID`), with randomness `value`, the
    SHA-256 of its signature; else what is wrong."""
    scheme = str(chain_info.get("schemeID") or CHAINED)
    signature = str(answer.get("signature") or "")
    if answer.get("round") != round_number:
        return (
            f"the round file is round {answer.get('round')!r}, the manifest's beacon round is {round_number}"
        )
    if str(answer.get("randomness") or "").lower() != value:
        return "the round file's randomness is not the manifest's beacon value"
    try:
        hashed = hashlib.sha256(bytes.fromhex(signature)).hexdigest()
    except ValueError:
        return "the round file's signature is not hex"
    if hashed != value:
        return "the beacon value is not the SHA-256 of the round's signature"
    if scheme not in SCHEMES:
        return f"the chain's scheme {scheme!r} is not one cita verifies ({', '.join(SCHEMES)})"
    if not round_signature_valid(
        public_key=str(chain_info.get("public_key") or ""),
        scheme=scheme,
        round_number=round_number,
        signature=signature,
        previous_signature=str(answer.get("previous_signature") or ""),
    ):
        return "the round's BLS signature does not verify against the chain's public key"
    return ""
