"""Fixtures of the draw tests: a local drand-style beacon server."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

GENESIS = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
PERIOD = 30


class Chain:
    """A drand-style chain whose rounds we publish by hand."""

    def __init__(self) -> None:
        self.published: dict[int, str] = {}
        self.answers: dict[int, dict[str, object]] = {}  # whole answers (real signed rounds), served as set
        self.info_up = True
        self.requests: list[str] = []

    def publish(self, round_number: int) -> str:
        value = hashlib.sha256(f"round {round_number}".encode()).hexdigest()
        self.published[round_number] = value
        return value


@pytest.fixture
def chain(settings) -> Iterator[Chain]:
    """A local beacon server; CITA_BEACON_URL points at it for the test."""
    state = Chain()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.path == "/chain/info" and state.info_up:
                self._json({"genesis_time": GENESIS, "period": PERIOD, "hash": "test"})
            elif self.path.startswith("/chain/public/"):
                number = int(self.path.rsplit("/", 1)[1])
                if number in state.answers:
                    self._json(state.answers[number])
                elif number in state.published:
                    self._json({"round": number, "randomness": state.published[number], "signature": "00"})
                else:
                    self.send_error(404)
            else:
                self.send_error(503)

        def _json(self, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CITA_BEACON_URL = f"http://127.0.0.1:{server.server_address[1]}/chain"
    settings.CITA_BEACON_ATTEMPTS = 2
    settings.CITA_BEACON_TIMEOUT = 2
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def chain_url(chain: Chain) -> str:
    """The URL the chain is served at (CITA_BEACON_URL while the fixture is on)."""
    from django.conf import settings

    return str(settings.CITA_BEACON_URL)
