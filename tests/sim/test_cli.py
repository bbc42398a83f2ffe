"""`cita simulate`: files a planner can open, the same run for the same seed, one readable line on a bad
scenario, draw bundles that `cita draw verify` accepts, and never Django."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cita.cli import main
from cita.lottery import bundle_verify
from cita.sim import METRIC_FIELDS, scenario_load, simulate
from tests.factories.sim import pipeline_make, scenario_mapping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(scenario_mapping({"closures": [{"port": "AAA", "from": 8, "days": 2}]})))
    return path


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    """`python -m cita …` as a planner would run it."""
    return subprocess.run(
        [sys.executable, "-m", "cita", *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_a_run_prints_its_summary_and_writes_metrics_summaries_and_charts(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["simulate", str(scenario_file), "--days", "20", "--seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Scenario: small (seed 3), 20 days from 2026-12-01 to 2026-12-20\n")
    assert printed.endswith(f"wrote 17 files to {out}\n")
    names = sorted(path.name for path in out.iterdir())
    charts = ("backlog", "waits", "seats", "sizes")
    assert names == sorted(
        ["days.csv", "ports.csv", "summary.txt", "summary.json", "scenario.json"]
        + [f"{chart}.{kind}" for chart in charts for kind in ("svg", "png", "csv")]
    )
    rows = list(csv.reader((out / "days.csv").open()))
    assert tuple(rows[0]) == METRIC_FIELDS
    expected = simulate(scenario_load(scenario_file, overrides=["days=20", "seed=3"]))
    assert [int(value) for value in rows[-1][2:]] == [
        getattr(expected.days[-1], f) for f in METRIC_FIELDS[2:]
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["days"] == 20
    assert summary["seed"] == 3
    assert summary["backlog_end"] == expected.days[-1].waiting
    assert (out / "summary.txt").read_text() in printed
    # The scenario as run (overrides included) reads back into the same run.
    again = scenario_load(out / "scenario.json")
    assert again.days == 20
    assert again.seed == 3
    assert again.closures == expected.scenario.closures
    assert (out / "backlog.svg").read_text().startswith("<?xml")
    assert (out / "seats.png").read_bytes().startswith(b"\x89PNG")


def test_the_same_seed_writes_the_same_files(scenario_file, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        assert main(["simulate", str(scenario_file), "--out", str(out)]) == 0
    for name in ("days.csv", "scenario.json", "backlog.svg", "waits.svg", "seats.svg", "waits.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name

    def figures(path: Path) -> dict:
        value = json.loads(path.read_text())
        del value["seconds"], value["lottery_seconds"]
        return value

    assert figures(first / "summary.json") == figures(second / "summary.json")


def test_a_bad_scenario_ends_with_one_line_naming_the_field_and_status_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[arrivals]\nper_day = 10\n[[ports]]\ncode = "SYS"\nseats = -4\n')
    finished = run("simulate", str(bad))
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert finished.stderr == (
        "cita: bad.toml: ports[0].seats: expected an integer from 0 to 1,000,000, got -4\n"
    )
    finished = run("simulate", str(tmp_path / "nowhere.toml"))
    assert finished.returncode == 2
    assert finished.stderr == f"cita: {tmp_path / 'nowhere.toml'}: no such file\n"


def test_a_bad_override_or_option_is_refused(scenario_file, capsys):
    assert main(["simulate", str(scenario_file), "--set", "reserve_percent=101"]) == 2
    assert capsys.readouterr().err == (
        "cita: small.json: reserve_percent: expected an integer from 0 to 100, got 101\n"
    )
    assert main(["simulate", str(scenario_file), "--bundles"]) == 2
    assert capsys.readouterr().err == "cita: --bundles needs --out DIR\n"


def test_an_output_that_cannot_be_written_is_one_line(scenario_file, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert (
        main(["simulate", str(scenario_file), "--days", "5", "--no-plots", "--out", str(blocker / "out")])
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(f"cita: {blocker / 'out'}: cannot make the directory: ")
    assert err.count("\n") == 1


def test_a_comparison_runs_both_and_reports_the_difference(scenario_file, tmp_path, capsys):
    out = tmp_path / "compare"
    code = main(
        [
            "simulate",
            str(scenario_file),
            "--days",
            "25",
            "--compare-set",
            "reserve_percent=60",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("A: Scenario: small (seed 7), 25 days")
    assert "\nB: Scenario: small (reserve_percent=60) (seed 7), 25 days" in printed
    assert "persons selected by the reserve" in printed
    comparison = json.loads((out / "comparison.json").read_text())
    a = json.loads((out / "a" / "summary.json").read_text())
    b = json.loads((out / "b" / "summary.json").read_text())
    assert a["reserve_percent"] == 20
    assert b["reserve_percent"] == 60
    reserve = next(f for f in comparison["figures"] if f["key"] == "reserve_persons")
    assert (reserve["a"], reserve["b"]) == (a["reserve_persons"], b["reserve_persons"])
    assert reserve["change"] == b["reserve_persons"] - a["reserve_persons"] > 0
    assert (out / "comparison.txt").read_text() in printed
    assert (out / "backlog-comparison.svg").exists()


def test_a_comparison_with_a_second_file(scenario_file, tmp_path, capsys):
    other = tmp_path / "other.json"
    other.write_text(json.dumps(scenario_mapping({"name": "no closure"})))
    assert main(["simulate", str(scenario_file), "--compare", str(other), "--days", "15", "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "\nB: Scenario: no closure (seed 7), 15 days" in printed


def test_every_round_written_as_a_bundle_verifies(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        main(["simulate", str(scenario_file), "--days", "12", "--no-plots", "--bundles", "--out", str(out)])
        == 0
    )
    bundles = sorted((out / "bundles").iterdir())
    assert len(bundles) > 12  # every first round and the second chances
    for bundle in bundles:
        report = bundle_verify(bundle)
        assert report.draw_id == bundle.name
    capsys.readouterr()
    assert main(["draw", "verify", str(bundles[0])]) == 0
    assert capsys.readouterr().out.startswith(f"verified {bundles[0].name}: ")


def test_the_command_never_imports_django(scenario_file, tmp_path):
    code = (
        "import sys\n"
        "from cita.cli import main\n"
        f"argv = ['simulate', {str(scenario_file)!r}, '--days', '8', '--out', {str(tmp_path / 'o')!r}]\n"
        "status = main(argv)\n"
        "loaded = sorted(n for n in sys.modules if n == 'django' or n.startswith('django.'))\n"
        "assert not loaded, loaded[:5]\n"
        "assert 'cita.sim.charts' in sys.modules and 'matplotlib' in sys.modules\n"
        "sys.exit(status)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert "Scenario: small" in finished.stdout


def test_a_run_of_the_whole_chain_writes_the_ports_and_shelters_per_day_and_their_charts(tmp_path, capsys):
    scenario = tmp_path / "chain.json"
    scenario.write_text(json.dumps(pipeline_make().to_mapping()))
    out = tmp_path / "out"
    assert main(["simulate", str(scenario), "--out", str(out), "--check"]) == 0
    printed = capsys.readouterr().out
    assert "Detention (detained and awaiting removal): 40 beds: " in printed
    names = {path.name for path in out.iterdir()}
    assert {"ports.csv", "shelters.csv", "beds.svg", "cities.svg", "port-seats.svg", "sizes.svg"} <= names
    expected = simulate(scenario_load(scenario))
    ports = list(csv.DictReader((out / "ports.csv").open()))
    assert len(ports) == len(expected.port_days) == 2 * (30 - 4)
    assert {row["officers"] for row in ports if row["port"] == "AAA"} == {"2", "1"}
    shelters = list(csv.DictReader((out / "shelters.csv").open()))
    assert [int(row["waiting"]) for row in shelters if row["city"] == "Alpha"] == [
        persons[0] for persons in expected.city_persons
    ]
