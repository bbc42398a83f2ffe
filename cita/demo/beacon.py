"""A local stand-in for a drand-style randomness beacon, for the demo (start-up refuses to run without a
beacon unless CITA_DEBUG is on: issue 14, item 7).

    python -m cita.demo.beacon --port 8027 --key-file .cita/beacon.key

It speaks the protocol `cita.draws.beacon.DrandBeacon` reads, as drand's quicknet does: `GET /info` gives
`genesis_time`, `period`, `public_key` and `schemeID` (`bls-unchained-g1-rfc9380`); `GET /public/{round}`
gives `{"round": r, "randomness": "<hex>", "signature": "<hex>"}` once the round's time has come (404
before). The signature is a real BLS signature of the round (on G1, RFC 9380) by a key derived from the key
file, and the randomness its SHA-256, so the demo runs the same signature check as production
(`CITA_BEACON_PUBLIC_KEY`, written to the demo's secrets). Unknown before its time only to those without the
key file: a stand-in for development, never a public beacon. No Django here: the demo starts it as a child
process.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import re
import secrets
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cita.core.beacon_signature import G1_DOMAIN, QUICKNET, round_message

GENESIS = 1_577_836_800  # 2020-01-01 00:00 UTC
PERIOD = 30
_ROUND = re.compile(r"^/public/(\d{1,12})$")


def key_load(path: Path) -> bytes:
    """The stand-in's key, made once (mode 0600) and kept, so a round's value stays the same across runs."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


def _secret(key: bytes) -> int:
    """The BLS secret key derived from the key file's bytes (KeyGen of the BLS signature draft)."""
    from py_ecc.bls import G2Basic

    return int(G2Basic.KeyGen(key))


def public_key(key: bytes) -> str:
    """The stand-in's BLS public key (on G2, 96 bytes compressed), lowercase hex: the demo's
    `CITA_BEACON_PUBLIC_KEY`."""
    from py_ecc.bls.point_compression import compress_G2
    from py_ecc.optimized_bls12_381 import G2, multiply

    high, low = compress_G2(multiply(G2, _secret(key)))
    return (high.to_bytes(48, "big") + low.to_bytes(48, "big")).hex()


@functools.lru_cache(maxsize=256)
def signature(key: bytes, round_number: int) -> str:
    """The BLS signature of a round as quicknet makes it: SHA-256(round) hashed to G1 (RFC 9380), times
    the secret key; 48 bytes compressed, lowercase hex."""
    from py_ecc.bls.hash_to_curve import hash_to_G1
    from py_ecc.bls.point_compression import compress_G1
    from py_ecc.optimized_bls12_381 import multiply

    message = round_message(scheme=QUICKNET, round_number=round_number)
    hashed = hash_to_G1(message, G1_DOMAIN, hashlib.sha256)  # type: ignore[arg-type]  # py_ecc's annotation
    point = multiply(hashed, _secret(key))
    return int(compress_G1(point)).to_bytes(48, "big").hex()


def randomness(key: bytes, round_number: int) -> str:
    """The value of a round: the SHA-256 of its signature (drand's rule), lowercase hex."""
    return hashlib.sha256(bytes.fromhex(signature(key, round_number))).hexdigest()


def server(host: str, port: int, key: bytes) -> ThreadingHTTPServer:
    """A beacon stand-in bound to (host, port); call `serve_forever()`."""

    info = {"genesis_time": GENESIS, "period": PERIOD, "public_key": public_key(key), "schemeID": QUICKNET}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/info":
                self._json(info)
                return
            match = _ROUND.match(self.path)
            if match is None:
                self._json({"error": "not found"}, status=404)
                return
            number = int(match.group(1))
            if number < 1 or GENESIS + (number - 1) * PERIOD > time.time():
                self._json({"error": "round not published yet"}, status=404)
                return
            self._json(
                {"round": number, "randomness": randomness(key, number), "signature": signature(key, number)}
            )

        def _json(self, data: dict[str, object], status: int = 200) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m cita.demo.beacon")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8027)
    parser.add_argument("--key-file", type=Path, required=True)
    args = parser.parse_args(argv)
    httpd = server(args.host, args.port, key_load(args.key_file))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        httpd.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
