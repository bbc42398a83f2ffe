"""docs/simulator.md documents every scenario field the simulator reads and every column of days.csv."""

from __future__ import annotations

import re
from pathlib import Path

from cita.sim import METRIC_FIELDS
from tests.factories.sim import pipeline_make

DOC = (Path(__file__).resolve().parents[2] / "docs" / "simulator.md").read_text(encoding="utf-8")


DATA_TABLES = {
    "arrivals.group_sizes",
    "arrivals.ports_ranked",
    "ports[].slots",
    "detention.stay_days",
    "caravans[].group_sizes",
    "caravans[].popularity",
}


def section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end > 0 else None]


def test_every_scenario_field_is_in_the_table_and_every_row_is_a_field():
    table = section("## Scenario files")
    documented = set(re.findall(r"^\| `([a-z_.\[\]]+)` \|", table, flags=re.M))
    mapping = pipeline_make({"closures": [{"port": "AAA", "from": 1, "days": 1}]}).to_mapping()
    fields: set[str] = set()

    def add(prefix: str, value: object) -> None:
        """Each field under `prefix`; lists of tables as `name[].field`. A table of data (a value → weight
        table, a port's slots) is one field."""
        if isinstance(value, dict) and prefix not in DATA_TABLES:
            for inner, item in value.items():
                add(f"{prefix}.{inner}" if prefix else inner, item)
            return
        fields.add(prefix)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                for inner, nested in item.items():
                    add(f"{prefix}[].{inner}", nested)

    add("", mapping)
    # Read but never written back: the overall shares (written as one group) and a port's seats and slot
    # count (written as its slots).
    spellings = {"outcomes.released", "outcomes.detained", "outcomes.removed", "ports[].seats"}
    spellings |= {"ports[].slot_count"}
    assert documented == fields | spellings


def test_every_column_of_days_csv_is_explained():
    text = section("### days.csv")
    explained = set(re.findall(r"`([a-z_0-9]+)`", text))
    assert set(METRIC_FIELDS) <= explained


def test_every_documented_command_on_the_example_files_reads_its_scenarios():
    import argparse
    import shlex

    from cita.cli import simulate as command
    from cita.sim import scenario_load

    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers())
    blocks = re.findall(r"```\n(.*?)```", DOC, flags=re.S)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    commands = [line for line in lines if line.startswith("cita simulate") and "docs/simulator/" in line]
    assert len(commands) >= 6
    for line in commands:
        args = parser.parse_args(shlex.split(line)[1:])
        root = Path(__file__).resolve().parents[2]
        a = scenario_load(root / args.scenario, overrides=args.overrides)
        assert a.days >= 1
        if args.compare_overrides:
            b = scenario_load(root / args.scenario, overrides=[*args.overrides, *args.compare_overrides])
            assert b != a, line
