"""The demo's beacon stand-in and its public key (issue 14, item 7): `cita demo` writes the stand-in's
public key to the demo's secrets, so the demo verifies every round's BLS signature as production does."""

from __future__ import annotations

import pytest

from cita.cli.base import CommandError
from cita.cli.demo import _beacon_start, secrets_complete, secrets_write
from cita.demo import beacon as standin


def _values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))


def test_the_demo_secrets_name_the_stand_ins_public_key_and_quicknets_scheme(tmp_path):
    path = tmp_path / "secrets.env"
    assert secrets_write(path, base_url="http://127.0.0.1:8000")
    values = _values(path.read_text())
    key = standin.key_load(tmp_path / "beacon.key")
    assert values["CITA_BEACON_PUBLIC_KEY"] == standin.public_key(key)
    assert values["CITA_BEACON_SCHEME"] == "bls-unchained-g1-rfc9380"
    # A secrets file of an older demo (beacon, no key) gets the key of the stand-in's existing key file.
    older = tmp_path / "older" / "secrets.env"
    older.parent.mkdir()
    older.write_text("CITA_SECRET_KEY=x\nCITA_BEACON_URL=http://127.0.0.1:8027\n")
    kept = standin.key_load(older.parent / "beacon.key")
    assert set(secrets_complete(older)) >= {"CITA_BEACON_PUBLIC_KEY", "CITA_BEACON_SCHEME"}
    assert _values(older.read_text())["CITA_BEACON_PUBLIC_KEY"] == standin.public_key(kept)


def test_the_demo_refuses_to_start_its_beacon_with_a_key_that_is_not_the_stand_ins(tmp_path, monkeypatch):
    standin.key_load(tmp_path / "beacon.key")
    other = standin.public_key(standin.key_load(tmp_path / "other.key"))
    monkeypatch.setenv("CITA_BEACON_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("CITA_BEACON_PUBLIC_KEY", other)
    with pytest.raises(CommandError, match="CITA_BEACON_PUBLIC_KEY is not the public key"):
        _beacon_start(tmp_path)
