"""`cita rebooking verify`: a closure's rebooking replayed offline from its published snapshot, with no
database and no Django; and the plan's module stays pure so that this keeps working."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cita.appointments.rebook_plan import (
    Group,
    Seats,
    Snapshot,
    plan_compute,
    plan_to_json,
    sha256_of,
    snapshot_to_json,
)
from cita.cli import main

ROOT = Path(__file__).resolve().parents[2]


def document() -> dict[str, object]:
    groups = tuple(
        Group(
            f"appointment:{n}",
            n,
            size,
            ports,
            ("2026-12-02T19:00:00.000000Z", n, ""),
            "SYS",
            "2026-12-15",
            "08:00",
        )
        for n, (size, ports) in enumerate(
            [(2, ("SYS", "TIJ")), (3, ("SYS",)), (1, ("SYS", "NOG", "TIJ"))], start=1
        )
    )
    snapshot = Snapshot(
        closure=7,
        port="SYS",
        start="2026-12-15",
        end="2026-12-15",
        first_day="2026-12-03",
        last_day="2026-12-20",
        any_port=True,
        open_ports=("SYS", "TIJ", "NOG"),
        groups=groups,
        seats=(Seats("TIJ", "2026-12-16", "08:00", 2), Seats("NOG", "2026-12-17", "09:00", 3)),
    )
    snap, plan = snapshot_to_json(snapshot), plan_to_json(plan_compute(snapshot))
    return {
        "snapshot": snap,
        "plan": plan,
        "snapshot_sha256": sha256_of(snap),
        "plan_sha256": sha256_of(plan),
    }


def test_a_published_rebooking_verifies_offline(tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document()))
    assert main(["rebooking", "verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "verified: the same plan" in out
    assert "closure 7 (SYS 2026-12-15 to 2026-12-15): 3 groups, 2 placed, 1 escalated" in out


def test_a_changed_plan_or_snapshot_is_caught(tmp_path, capsys):
    changed = document()
    changed["plan"]["placements"][0]["day"] = "2026-12-17"  # type: ignore[index]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(changed))
    assert main(["rebooking", "verify", str(path)]) == 1
    assert "FAIL stored plan matches its SHA-256" in capsys.readouterr().out

    # A snapshot changed and its hash recomputed still gives another plan than the one recorded.
    other = document()
    other["snapshot"]["seats"][0]["left"] = 0  # type: ignore[index]
    other["snapshot_sha256"] = sha256_of(other["snapshot"])  # type: ignore[arg-type]
    path.write_text(json.dumps(other))
    assert main(["rebooking", "verify", str(path)]) == 1
    assert "FAIL plan computed again is the stored plan" in capsys.readouterr().out


def test_it_runs_without_django_or_a_database(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document()))
    code = (
        "import sys\n"
        "from cita.cli import main\n"
        f"status = main(['rebooking', 'verify', {str(path)!r}])\n"
        "assert not [n for n in sys.modules if n.split('.')[0] == 'django'], 'django was imported'\n"
        "sys.exit(status)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    finished = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert finished.returncode == 0, finished.stderr + finished.stdout
    assert "verified" in finished.stdout


def test_an_unreadable_file_exits_with_one_line(tmp_path, capsys):
    assert main(["rebooking", "verify", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err.startswith("cita: cannot read")
