"""`cita verify-pass PAYLOAD`: check an appointment pass offline, with no database and no Django.

Keys come from `--keys FILE` (the published `/.well-known/cita-pass-keys.json`), or else from
`CITA_SIGNING_KEY` in the environment (a server's own key ring). Exit status: 0 the pass is genuine (and for
the port and date given); 1 it is refused, with the reason on one line; 2 the command line or key file is
wrong. A cancelled appointment still has a genuine pass: only the officer console's online check knows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from cita.cli.base import CommandError

STATUS_REFUSED = 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `verify-pass` command."""
    parser = sub.add_parser(
        "verify-pass",
        help="check an appointment pass offline (signature, port, date)",
        description="Check an appointment pass offline: its Ed25519 signature against the published keys, "
        "and that it is for this port and date. Cancellations need the online check.",
    )
    parser.add_argument("payload", metavar="PAYLOAD", help="the text of the QR code (CP1:…)")
    parser.add_argument("--keys", metavar="FILE", help="the public key document (cita-pass-keys.json)")
    parser.add_argument("--port", metavar="CODE", help="refuse passes for any other port")
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="refuse passes for any other day")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Verify the pass and print one line: `valid: …` or `refused (<code>): …`."""
    from cita.appointments.passes import PassRefused, pass_check

    keys = _keys(args.keys)
    day = None
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {args.date!r}") from None
    if args.port is not None and (len(args.port) != 3 or not args.port.isalpha()):
        raise CommandError(f"--port must be a three-letter port code, not {args.port!r}")
    try:
        fields = pass_check(args.payload, keys=keys, port=args.port, day=day)
    except PassRefused as exc:
        raise CommandError(f"refused ({exc.code}): {exc.message}", status=STATUS_REFUSED) from None
    print(f"valid: {fields.describe()}")
    return 0


def _keys(path: str | None) -> dict[str, bytes]:
    from cita.appointments.passes import keys_from_document, public_key_of
    from cita.core.crypto import CryptoKeyError, KeyRing

    if path:
        try:
            return keys_from_document(Path(path).read_bytes())
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read: {exc.strerror}") from None
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}") from None
    text = os.environ.get("CITA_SIGNING_KEY", "")
    if not text:
        raise CommandError(
            "no keys: give --keys FILE (download <site>/.well-known/cita-pass-keys.json) "
            "or set CITA_SIGNING_KEY"
        )
    try:
        ring = KeyRing.parse(text, name="CITA_SIGNING_KEY")
    except CryptoKeyError as exc:
        raise CommandError(str(exc)) from None
    return {kid: public_key_of(seed) for kid, seed in ring.keys.items()}
