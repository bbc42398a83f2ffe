"""A local stand-in for a drand-style randomness beacon, for the demo (start-up refuses to run without a
beacon unless CITA_DEBUG is on: issue 14, item 7).

    python -m cita.demo.beacon --port 8027 --key-file .cita/beacon.key

It speaks the protocol `cita.draws.beacon.DrandBeacon` reads: `GET /info` gives `genesis_time` and `period`;
`GET /public/{round}` gives `{"round": r, "randomness": "<hex>"}` once the round's time has come (404
before). The randomness is HMAC-SHA256(key, round): unknown before its time only to those without the
key file, so it is a stand-in for development, never a public beacon. No Django here: the demo starts it as
a child process.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import secrets
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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


def randomness(key: bytes, round_number: int) -> str:
    """The value of a round: HMAC-SHA256(key, round as 8 big-endian bytes), lowercase hex."""
    return hmac.new(key, round_number.to_bytes(8, "big"), hashlib.sha256).hexdigest()


def server(host: str, port: int, key: bytes) -> ThreadingHTTPServer:
    """A beacon stand-in bound to (host, port); call `serve_forever()`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/info":
                self._json({"genesis_time": GENESIS, "period": PERIOD, "scheme": "cita-demo-hmac"})
                return
            match = _ROUND.match(self.path)
            if match is None:
                self._json({"error": "not found"}, status=404)
                return
            number = int(match.group(1))
            if number < 1 or GENESIS + (number - 1) * PERIOD > time.time():
                self._json({"error": "round not published yet"}, status=404)
                return
            self._json({"round": number, "randomness": randomness(key, number)})

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
