"""drand beacon rounds: is this the chain's BLS signature of this round? (issue 14, item 7). No Django:
`cita draw verify --chain-info --round` uses it, and so does the application's beacon client. Not in
cita.lottery, which imports the standard library only (py_ecc does the pairing)."""

from __future__ import annotations

import hashlib

# drand's G2-signature schemes (public key on G1, 48 bytes; signature on G2, 96 bytes), the ones py_ecc's
# `G2Basic` (domain BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_) verifies. quicknet (G1 signatures) is not.
CHAINED = "pedersen-bls-chained"
UNCHAINED = "pedersen-bls-unchained"
SCHEMES = (CHAINED, UNCHAINED)


def round_signature_valid(
    *, public_key: str, scheme: str, round_number: int, signature: str, previous_signature: str = ""
) -> bool:
    """Whether `signature` is the chain's BLS signature of `round_number` (drand: the message is
    SHA-256(previous signature ‖ round as 8 big-endian bytes) for chained, SHA-256(round) for unchained)."""
    from eth_typing import BLSPubkey, BLSSignature
    from py_ecc.bls import G2Basic  # pure Python; about 0.6 s a verification

    if scheme not in SCHEMES:
        raise ValueError(f"unknown beacon scheme {scheme!r}; cita verifies {', '.join(SCHEMES)}")
    try:
        previous = bytes.fromhex(previous_signature) if scheme == CHAINED else b""
        message = hashlib.sha256(previous + round_number.to_bytes(8, "big")).digest()
        key, signed = BLSPubkey(bytes.fromhex(public_key)), BLSSignature(bytes.fromhex(signature))
        return bool(G2Basic.Verify(key, message, signed))
    except (ValueError, TypeError):
        return False


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
    if not round_signature_valid(
        public_key=str(chain_info.get("public_key") or ""),
        scheme=scheme,
        round_number=round_number,
        signature=signature,
        previous_signature=str(answer.get("previous_signature") or ""),
    ):
        return "the round's BLS signature does not verify against the chain's public key"
    return ""
