"""docs/simulator.md documents every scenario field the simulator reads and every column of days.csv."""

from __future__ import annotations

import re
from pathlib import Path

from cita.sim import METRIC_FIELDS
from tests.factories.sim import scenario_make

DOC = (Path(__file__).resolve().parents[2] / "docs" / "simulator.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end > 0 else None]


def test_every_scenario_field_is_in_the_table_and_every_row_is_a_field():
    table = section("## Scenario files")
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", table, flags=re.M))
    mapping = scenario_make({"closures": [{"port": "AAA", "from": 1, "days": 1}]}).to_mapping()
    fields = set()
    for key, value in mapping.items():
        if isinstance(value, dict):
            fields |= {f"{key}.{inner}" for inner in value}
        else:
            fields.add(key)
    assert documented == fields


def test_every_column_of_days_csv_is_explained():
    text = section("### days.csv")
    explained = set(re.findall(r"`([a-z_0-9]+)`", text))
    assert set(METRIC_FIELDS) <= explained
