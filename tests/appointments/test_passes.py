"""Passes: signed, compact, checked offline; tampering, other keys, other ports and days refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import segno

from cita.appointments.passes import (
    PREFIX,
    PassRefused,
    keys_document,
    keys_from_document,
    pass_check,
    pass_decode,
    pass_sign,
    public_key_of,
)
from cita.cli import main

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = os.urandom(32), os.urandom(32)
DAY = dt.date(2026, 12, 15)
ISSUED = dt.datetime(2026, 12, 2, 20, 5, 7, tzinfo=dt.UTC)


def signed(kid: str = "s1", key: bytes = OLD, **overrides: object) -> str:
    values: dict[str, object] = {
        "appointment_id": 123456,
        "port": "SYS",
        "day": DAY,
        "slot": dt.time(9, 30),
        "group_size": 4,
        "issued_at": ISSUED,
    }
    values.update(overrides)
    return pass_sign(kid=kid, private_key=key, **values)  # type: ignore[arg-type]


KEYS = {"s1": public_key_of(OLD)}


def test_a_pass_says_what_it_was_signed_with():
    fields = pass_check(signed(), keys=KEYS, port="SYS", day=DAY)
    assert (fields.appointment_id, fields.port, fields.day, fields.slot) == (
        123456,
        "SYS",
        DAY,
        dt.time(9, 30),
    )
    assert (fields.group_size, fields.issued_at, fields.kid) == (4, ISSUED, "s1")


def test_a_pass_is_short_and_fits_a_small_qr_code_in_alphanumeric_mode():
    payload = signed()
    assert payload.startswith(PREFIX)
    assert len(payload) <= 150
    code = segno.make(payload, error="m", micro=False)
    assert code.mode == "alphanumeric"
    assert isinstance(code.version, int)
    assert code.version <= 7


def test_a_pass_read_in_lower_case_still_checks():
    assert pass_check(signed().lower(), keys=KEYS).appointment_id == 123456


@pytest.mark.parametrize("position", [5, 20, 60, 100, -3])
def test_any_changed_character_is_refused(position):
    payload = signed()
    index = position % len(payload)
    replacement = "A" if payload[index] != "A" else "B"
    tampered = payload[:index] + replacement + payload[index + 1 :]
    with pytest.raises(PassRefused) as refused:
        pass_check(tampered, keys=KEYS)
    assert refused.value.code in {"bad_signature", "malformed", "unknown_key"}


def test_fields_changed_and_resigned_with_another_key_are_refused():
    forged = signed(appointment_id=999, key=os.urandom(32))
    with pytest.raises(PassRefused) as refused:
        pass_check(forged, keys=KEYS)
    assert refused.value.code == "bad_signature"


def test_an_unknown_key_id_is_refused():
    with pytest.raises(PassRefused) as refused:
        pass_check(signed(kid="zz9"), keys=KEYS)
    assert refused.value.code == "unknown_key"
    assert "zz9" in refused.value.message


def test_after_rotation_old_passes_still_check_and_new_ones_use_the_new_key():
    ring = {"s2": public_key_of(NEW), "s1": public_key_of(OLD)}
    assert pass_check(signed(), keys=ring).kid == "s1"
    assert pass_check(signed(kid="s2", key=NEW), keys=ring).kid == "s2"
    # Dropping a key from the ring is what retires its passes.
    with pytest.raises(PassRefused):
        pass_check(signed(), keys={"s2": public_key_of(NEW)})


def test_a_pass_for_another_port_or_day_is_refused():
    with pytest.raises(PassRefused, match="for port SYS, not ELP") as refused:
        pass_check(signed(), keys=KEYS, port="ELP")
    assert refused.value.code == "other_port"
    with pytest.raises(PassRefused, match="2026-12-15, not 2026-12-16") as refused:
        pass_check(signed(), keys=KEYS, day=DAY + dt.timedelta(days=1))
    assert refused.value.code == "other_date"


@pytest.mark.parametrize(
    "payload", ["", "hello", "CP1:", "CP1:!!!!", "CP1:" + "A" * 40, "CP2:" + signed()[4:]]
)
def test_garbage_is_refused_as_malformed(payload):
    with pytest.raises(PassRefused) as refused:
        pass_decode(payload)
    assert refused.value.code == "malformed"


def test_the_key_document_round_trips_and_holds_no_private_key():
    document = keys_document(private_keys={"s2": NEW, "s1": OLD}, current="s2")
    text = json.dumps(document)
    for private in (NEW, OLD):
        assert base64.urlsafe_b64encode(private).decode().rstrip("=") not in text
    keys = document["keys"]
    assert isinstance(keys, list)
    assert [k["signing"] for k in keys] == [True, False]
    assert keys_from_document(text.encode()) == {"s2": public_key_of(NEW), "s1": public_key_of(OLD)}


@pytest.mark.parametrize(
    "bad", [b"", b"[]", b'{"format": "x"}', b'{"format": "cita-pass-keys-v1", "keys": []}']
)
def test_a_bad_key_document_is_refused(bad):
    with pytest.raises(ValueError, match=r"JSON|document|keys"):
        keys_from_document(bad)


@pytest.fixture
def keyfile(tmp_path) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(keys_document(private_keys={"s1": OLD}, current="s1")))
    return path


def test_cita_verify_pass_accepts_a_genuine_pass(keyfile, capsys):
    assert (
        main(["verify-pass", signed(), "--keys", str(keyfile), "--port", "SYS", "--date", "2026-12-15"]) == 0
    )
    assert capsys.readouterr().out.startswith("valid: appointment 123456, port SYS, 2026-12-15 09:30")


@pytest.mark.parametrize(
    ("extra", "reason"),
    [(["--port", "ELP"], "refused (other_port)"), (["--date", "2026-12-16"], "refused (other_date)")],
)
def test_cita_verify_pass_refuses_with_a_reason(keyfile, capsys, extra, reason):
    assert main(["verify-pass", signed(), "--keys", str(keyfile), *extra]) == 1
    assert reason in capsys.readouterr().err


def test_cita_verify_pass_says_what_is_wrong_with_its_input(keyfile, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CITA_SIGNING_KEY", raising=False)
    assert main(["verify-pass", signed()]) == 2
    assert "no keys" in capsys.readouterr().err
    assert main(["verify-pass", signed(), "--keys", str(tmp_path / "missing.json")]) == 2
    assert main(["verify-pass", signed(), "--keys", str(keyfile), "--date", "15/12/2026"]) == 2
    assert main(["verify-pass", "CP1:AAAA", "--keys", str(keyfile)]) == 1


def test_cita_verify_pass_runs_without_django_or_a_database(keyfile):
    code = (
        "import sys; from cita.cli import main; status = main(sys.argv[1:]); "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'; "
        "sys.exit(status)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-c", code, "verify-pass", signed(), "--keys", str(keyfile)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid:")


def test_the_short_code_is_ten_crockford_characters_fixed_by_the_pass_and_different_for_another():
    from cita.appointments.passes import pass_short_code, short_code_normalise

    payload = signed()
    code = pass_short_code(payload)
    assert len(code) == 10
    assert set(code) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert pass_short_code(payload) == code
    assert pass_short_code(signed(appointment_id=123457)) != code
    # Typed by hand: any case, spaces and dashes, and the look-alikes O, I, L read as 0, 1, 1.
    typed = f"{code[:5]}-{code[5:]}".lower().replace("0", "o").replace("1", "l")
    assert short_code_normalise(typed) == code
    assert short_code_normalise("CP1:" + "A" * 100) is None
    assert short_code_normalise("ABC") is None
    assert short_code_normalise("ABCDEFGHU1") is None  # U is not in the alphabet
