"""The signatures providers put on their webhook calls, checked in constant time.

- Twilio (SMS): `X-Twilio-Signature` is base64(HMAC-SHA1(auth token, URL + each POST parameter's name and
  value, sorted by name)). https://www.twilio.com/docs/usage/webhooks/webhooks-security
- WhatsApp Cloud API: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def twilio_signature(*, token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The signature Twilio computes for a POST to `url` with form `params`."""
    # Sorted by name; a name given twice keeps its values in sorted order too (Twilio's own helpers).
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_valid(
    *, token: str, url: str, params: Iterable[tuple[str, str]], signature: str
) -> bool:
    """True when `signature` is Twilio's for this call; always False without a token."""
    if not token or not signature:
        return False
    expected = twilio_signature(token=token, url=url, params=params)
    return hmac.compare_digest(expected.encode(), signature.encode())


def hub_signature(*, secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hub_signature_valid(*, secret: str, body: bytes, signature: str) -> bool:
    """True when `signature` is the app's for this body; always False without a secret."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(hub_signature(secret=secret, body=body).encode(), signature.encode())


def token_matches(*, expected: str, given: str) -> bool:
    """A shared token compared in constant time; always False when none is set."""
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())
