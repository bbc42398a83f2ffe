"""The public randomness beacon mixed into each draw (draw-v1 §Algorithm 2), behind a small protocol.

With `CITA_BEACON_URL` unset there is no beacon (the manifest says `"beacon": null`). With it set, the
class named by `CITA_BEACON_CLASS` (default `DrandBeacon`) is used. The round is fixed when a draw opens: the
first round published at or after the moment the draw's entries freeze, computed from the chain's genesis
time and period, so nobody (the operator included) can know its value while entries can still change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from cita.core.beacon_signature import CHAINED, round_signature_valid
from cita.draws.errors import BeaconUnavailable

log = logging.getLogger(__name__)
_HEX = re.compile(r"^(?:[0-9a-f]{2})+$")


@dataclass(frozen=True)
class ChainInfo:
    """When a beacon's round 1 was published (Unix seconds) and the seconds between rounds."""

    genesis_time: int
    period: int

    def round_at(self, at: dt.datetime) -> int:
        """The first round published at or after `at` (round r is published at genesis + (r - 1) × period)."""
        elapsed = at.timestamp() - self.genesis_time
        return 1 if elapsed <= 0 else math.ceil(elapsed / self.period) + 1

    def time_of(self, round_number: int) -> dt.datetime:
        """When `round_number` is published."""
        return dt.datetime.fromtimestamp(self.genesis_time + (round_number - 1) * self.period, dt.UTC)


class Beacon(Protocol):
    """A source of public randomness published in numbered rounds."""

    source: str

    def info(self) -> ChainInfo:
        """The chain's genesis time and period; raises `BeaconUnavailable` when it cannot be had."""
        ...

    def value(self, round_number: int) -> str:
        """The randomness of a round, lowercase hex; raises `BeaconUnavailable` when it cannot be had."""
        ...


class DrandBeacon:
    """A drand-style HTTP endpoint: `GET {url}/info` gives `genesis_time` and `period` (seconds);
    `GET {url}/public/{round}` gives `{"round": …, "randomness": "<hex>"}`. Round 1 is published at
    `genesis_time`, round r at `genesis_time + (r - 1) × period`."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff: float = 0.5,
        public_key: str = "",
        scheme: str = CHAINED,
    ) -> None:
        self.source = url.rstrip("/")
        # With the chain's published public key, every round's BLS signature is checked, and its randomness
        # must be SHA-256 of the signature (drand's rule): a forged answer is refused, not drawn with.
        self.public_key = public_key.strip().lower()
        self.scheme = scheme
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff

    def info(self) -> ChainInfo:
        """The chain's genesis time and period from `{url}/info`."""
        info = self._get("info")
        try:
            genesis, period = int(info["genesis_time"]), int(info["period"])
        except (KeyError, TypeError, ValueError):
            raise BeaconUnavailable(f"{self.source}/info lacks genesis_time or period") from None
        if period <= 0:
            raise BeaconUnavailable(f"{self.source}/info gives a period of {period}")
        return ChainInfo(genesis_time=genesis, period=period)

    def value(self, round_number: int) -> str:
        """The randomness of `round_number`, checked to be that round's and to be hex."""
        data = self._get(f"public/{round_number}")
        randomness = data.get("randomness")
        if data.get("round") != round_number or not isinstance(randomness, str):
            raise BeaconUnavailable(
                f"{self.source} answered for round {data.get('round')!r}, not {round_number}"
            )
        randomness = randomness.lower()
        if not _HEX.match(randomness):
            raise BeaconUnavailable(f"{self.source} round {round_number}: randomness is not hex")
        if self.public_key:
            signature = str(data.get("signature") or "")
            signed = round_signature_valid(
                public_key=self.public_key,
                scheme=self.scheme,
                round_number=round_number,
                signature=signature,
                previous_signature=str(data.get("previous_signature") or ""),
            )
            if not signed or hashlib.sha256(bytes.fromhex(signature)).hexdigest() != randomness:
                log.error("beacon round fails its signature check", extra={"round": round_number})
                raise BeaconUnavailable(
                    f"{self.source} round {round_number}: the signature does not verify against the chain's "
                    "public key, or the randomness is not its hash"
                )
        return randomness

    def _get(self, path: str) -> dict[str, Any]:
        """GET a JSON object, with `attempts` tries and a growing pause between them."""
        url = f"{self.source}/{path}"
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    data = json.loads(response.read())
                if isinstance(data, dict):
                    return data
                problem = "the answer is not a JSON object"
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:
                problem = type(exc).__name__ + (f": {exc}" if str(exc) else "")
            log.warning(
                "beacon request failed", extra={"url": url, "attempt": attempt + 1, "problem": problem}
            )
        raise BeaconUnavailable(f"{url}: {problem[:200]} (after {self.attempts} attempts)")


def beacon_from_settings() -> Beacon | None:
    """The configured beacon, or None when `CITA_BEACON_URL` is empty."""
    url = getattr(settings, "CITA_BEACON_URL", "")
    if not url:
        return None
    cls = import_string(getattr(settings, "CITA_BEACON_CLASS", "cita.draws.beacon.DrandBeacon"))
    beacon: Beacon = cls(
        url,
        timeout=float(getattr(settings, "CITA_BEACON_TIMEOUT", 5)),
        attempts=int(getattr(settings, "CITA_BEACON_ATTEMPTS", 3)),
        **(
            {
                "public_key": settings.CITA_BEACON_PUBLIC_KEY,
                "scheme": getattr(settings, "CITA_BEACON_SCHEME", CHAINED),
            }
            if getattr(settings, "CITA_BEACON_PUBLIC_KEY", "")
            else {}
        ),
    )
    return beacon
