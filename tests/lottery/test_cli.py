"""`cita draw compute | verify | new-seed`: one summary line, or one readable error line and a status."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cita.cli import main
from cita.lottery import entries_to_bytes
from tests.lottery.builders import bundle_published, bundle_write, entries_make, manifest_make

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def revealed(tmp_path: Path) -> Path:
    """A revealed bundle not computed yet: 30 entries of one person for 11 seats."""
    entries = entries_to_bytes(entries_make(30, ports=("ELP", "SYS")))
    return bundle_write(
        tmp_path / "day", manifest=manifest_make(entries=entries, reserve_percent=50), entries=entries
    )


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    """`python -m cita …` as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "cita", *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_compute_prints_one_summary_line(revealed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "compute", str(revealed)]) == 0
    out, err = capsys.readouterr()
    digest = hashlib.sha256((revealed / "results.csv").read_bytes()).hexdigest()
    assert out == (
        "computed 2026-12-01: 30 entries, 11 selected; seats used: reserve 5/5, lottery 6/6, total 11/11; "
        f"results_sha256 {digest}\n"
    )
    assert err == ""


def test_verify_prints_verified(revealed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["draw", "compute", str(revealed)])
    capsys.readouterr()
    assert main(["draw", "verify", str(revealed)]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("verified 2026-12-01: 30 entries, 11 selected; ")
    assert out.count("\n") == 1


def test_new_seed_prints_a_seed_and_its_commitment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "new-seed"]) == 0
    out, _ = capsys.readouterr()
    found = re.fullmatch(r"server_seed ([0-9a-f]{64})\ncommitment ([0-9a-f]{64})\n", out)
    assert found
    assert hashlib.sha256(bytes.fromhex(found[1])).hexdigest() == found[2]


def test_compute_of_an_invalid_bundle_exits_2_with_one_line_and_writes_nothing(revealed: Path) -> None:
    entries = revealed / "entries.csv"
    entries.write_bytes(entries.read_bytes() + b"T0001,1,0,2026-10-01,SYS\n")
    before = {path.name: path.read_bytes() for path in revealed.iterdir()}
    finished = run("draw", "compute", str(revealed))
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert finished.stderr == "cita: entries.csv line 32, ticket: T0001 already appears on line 3\n"
    assert {path.name: path.read_bytes() for path in revealed.iterdir()} == before


def test_verify_of_changed_results_exits_1_naming_the_line(tmp_path: Path) -> None:
    bundle = bundle_published(tmp_path / "day", entries=entries_make(30, ports=("ELP", "SYS")))
    results = bundle / "results.csv"
    results.write_bytes(results.read_bytes().replace(b"T", b"X", 1))
    finished = run("draw", "verify", str(bundle))
    assert finished.returncode == 1
    assert finished.stdout == ""
    assert re.fullmatch(
        r"cita: NOT verified: results\.csv line 2: expected 'T\d{4},.*', found 'X\d{4},.*'\n", finished.stderr
    )


def test_verify_of_an_invalid_bundle_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "verify", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err == f"cita: {tmp_path / 'missing'}: is not a bundle directory\n"


def test_a_missing_subcommand_is_a_usage_error() -> None:
    finished = run("draw")
    assert finished.returncode == 2
    assert "usage: cita draw" in finished.stderr


def test_the_draw_commands_never_import_django() -> None:
    code = (
        "import sys, cita.cli\n"
        "status = cita.cli.main(['draw', 'new-seed'])\n"
        "loaded = sorted(name for name in sys.modules if name == 'django' or name.startswith('django.'))\n"
        "assert status == 0 and not loaded, loaded\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr


def test_verify_checks_the_beacon_rounds_signature_given_the_chain_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14, item 7: with the chain's info and the round's JSON (as drand publishes them), `verify`
    also checks that the manifest's beacon value is the chain's signed round."""
    import json

    from cita.lottery.model import Beacon
    from tests.draws.test_beacon import MAINNET_KEY, ROUND_72785

    value = hashlib.sha256(bytes.fromhex(str(ROUND_72785["signature"]))).hexdigest()
    entries = entries_to_bytes(entries_make(30, ports=("ELP", "SYS")))
    beacon = Beacon(source="https://api.drand.sh", round=72785, value=value)
    day = bundle_write(
        tmp_path / "day", manifest=manifest_make(entries=entries, beacon=beacon), entries=entries
    )
    main(["draw", "compute", str(day)])
    info, answer = tmp_path / "info.json", tmp_path / "round.json"
    info.write_text(json.dumps({"public_key": MAINNET_KEY, "schemeID": "pedersen-bls-chained"}))
    answer.write_text(json.dumps({**ROUND_72785, "randomness": value}))
    capsys.readouterr()
    assert main(["draw", "verify", str(day), "--chain-info", str(info), "--round", str(answer)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; beacon round 72785 signed by the chain")
    # Another chain's key (here: a valid G1 point that did not sign it) is named, exit status 1.
    other = "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    info.write_text(json.dumps({"public_key": other, "schemeID": "pedersen-bls-chained"}))
    finished = run("draw", "verify", str(day), "--chain-info", str(info), "--round", str(answer))
    assert finished.returncode == 1
    assert "BLS signature does not verify" in finished.stderr


def test_verify_checks_a_quicknet_rounds_signature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14, item 7: a draw mixed with a real quicknet round (signature on G1) verifies against the
    chain's /info; read as a chain signing on G2, the same files do not."""
    import json

    from cita.lottery.model import Beacon
    from tests.draws.test_beacon import QUICKNET_KEY, ROUND_657413

    value = str(ROUND_657413["randomness"])
    entries = entries_to_bytes(entries_make(30, ports=("ELP", "SYS")))
    beacon = Beacon(source="https://api.drand.sh/v2/beacons/quicknet", round=657413, value=value)
    day = bundle_write(
        tmp_path / "day", manifest=manifest_make(entries=entries, beacon=beacon), entries=entries
    )
    main(["draw", "compute", str(day)])
    info, answer = tmp_path / "info.json", tmp_path / "round.json"
    info.write_text(json.dumps({"public_key": QUICKNET_KEY, "schemeID": "bls-unchained-g1-rfc9380"}))
    answer.write_text(json.dumps(ROUND_657413))
    capsys.readouterr()
    assert main(["draw", "verify", str(day), "--chain-info", str(info), "--round", str(answer)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; beacon round 657413 signed by the chain")
    # Read as a chain signing on G2 (pedersen-bls-unchained), the same round is refused, exit status 1.
    info.write_text(json.dumps({"public_key": QUICKNET_KEY, "schemeID": "pedersen-bls-unchained"}))
    finished = run("draw", "verify", str(day), "--chain-info", str(info), "--round", str(answer))
    assert finished.returncode == 1
    assert "BLS signature does not verify" in finished.stderr
