"""Scenarios: read from TOML or JSON, defaults filled in, and every bad field refused with one clear line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cita.sim import ScenarioError, scenario_from_mapping, scenario_load, scenario_override
from tests.factories.sim import SMALL, scenario_make, scenario_mapping

ROOT = Path(__file__).resolve().parents[2]


def test_a_small_scenario_reads_with_its_defaults():
    scenario = scenario_from_mapping({"arrivals": {"per_day": 10}, "ports": [{"code": "SYS", "seats": 100}]})
    assert scenario.days == 90
    assert scenario.start == dt.date(2026, 12, 1)
    assert scenario.reserve_percent == 10
    assert scenario.horizon_days == 14
    assert scenario.rounds == 13  # second chances while their offers can settle before the appointment day
    assert scenario.seats_per_day == 100
    # 100 seats split over 8 hourly slots from 08:00, the first slots taking the remainder.
    assert [(slot.name, slot.seats) for slot in scenario.ports[0].slots] == [
        ("08:00", 13),
        ("09:00", 13),
        ("10:00", 13),
        ("11:00", 13),
        ("12:00", 12),
        ("13:00", 12),
        ("14:00", 12),
        ("15:00", 12),
    ]


def test_slots_keep_their_order_and_seats():
    scenario = scenario_make()
    assert [(s.name, s.seats) for s in scenario.ports[0].slots] == [("08:00", 10), ("09:00", 10)]
    assert scenario.seats_per_day == 35


def test_closure_days_are_offsets_or_dates_and_are_announced_on_their_first_day_by_default():
    scenario = scenario_make(
        {
            "closures": [
                {"port": "AAA", "from": "2026-12-11", "days": 3},
                {"port": "BBB", "from": 2, "days": 1, "announced": 0},
            ]
        }
    )
    first, second = scenario.closures
    assert (first.first_day, first.last_day, first.announced_day) == (10, 12, 10)
    assert (second.first_day, second.last_day, second.announced_day) == (2, 2, 0)


def test_the_toml_and_json_examples_read_alike(tmp_path: Path):
    toml = scenario_load(ROOT / "docs" / "simulator" / "realistic.toml")
    as_json = tmp_path / "realistic.json"
    as_json.write_text(json.dumps(toml.to_mapping()))
    assert scenario_load(as_json) == scenario_from_mapping(toml.to_mapping(), name="realistic")
    assert toml.seats_per_day == 1450
    assert len(toml.ports) == 8


def test_a_scenario_written_out_reads_back_the_same():
    scenario = scenario_make({"closures": [{"port": "AAA", "from": 5, "days": 2, "announced": 3}]})
    assert scenario_from_mapping(scenario.to_mapping()) == scenario


def test_overrides_set_nested_fields_and_list_items():
    changed = scenario_override(
        SMALL,
        ["reserve_percent=35", "arrivals.per_day=2.5", "ports.1.seats=40", "name=other name"],
        source="x",
    )
    scenario = scenario_from_mapping(changed)
    assert scenario.reserve_percent == 35
    assert scenario.arrivals.per_day == 2.5
    assert scenario.ports[1].seats == 40
    assert scenario.name == "other name"
    assert SMALL["reserve_percent"] == 20  # the original is left alone


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"arrivals.per_day": -3},
            "scenario: arrivals.per_day: expected a number from 0 to 1,000,000, got -3",
        ),
        ({"arrivals": None}, "scenario: arrivals: missing"),
        ({"reserve_percent": 150}, "scenario: reserve_percent: expected an integer from 0 to 100, got 150"),
        ({"reserve_percent": "10"}, 'scenario: reserve_percent: expected an integer from 0 to 100, got "10"'),
        ({"ask_rate": 80}, "scenario: ask_rate: expected a number from 0 to 1, got 80"),
        ({"days": 0}, "scenario: days: expected an integer from 1 to 3,650, got 0"),
        ({"start": "2026-13-01"}, 'scenario: start: expected a date as YYYY-MM-DD, got "2026-13-01"'),
        ({"rebook_any_port": "yes"}, 'scenario: rebook_any_port: expected true or false, got "yes"'),
        ({"arivals": {}}, "scenario: arivals: unknown field; expected one of: arrivals, "),
        ({"arrivals.per_dya": 3}, "scenario: arrivals.per_dya: unknown field; expected one of: "),
        ({"ports": []}, "scenario: ports: expected a list of tables (at least one), got []"),
        ({"ports.1.code": "AAA"}, "scenario: ports[1].code: port 'AAA' is listed twice"),
        (
            {"ports.1.code": "b b"},
            'scenario: ports[1].code: expected 1 to 8 capital letters or digits, got "b b"',
        ),
        ({"ports.1.seats": None}, "scenario: ports[1].seats: missing; give seats = <persons a day> or slots"),
        ({"ports.1.seats": -1}, "scenario: ports[1].seats: expected an integer from 0 to 1,000,000, got -1"),
        ({"ports.0.slots": {"08:00": 1.5}}, "scenario: ports[0].slots.08:00: expected an integer from 0 to"),
        (
            {"ports.0.seats": 30},
            "scenario: ports[0].slots: give either slots, or seats (and slot_count), not both",
        ),
        (
            {"arrivals.group_sizes": {"0": 1}},
            "scenario: arrivals.group_sizes: key '0': expected a number of persons",
        ),
        (
            {"arrivals.group_sizes": {"1": 0}},
            "scenario: arrivals.group_sizes: expected at least one weight above 0",
        ),
        (
            {"closures": [{"port": "ZZZ", "from": 1, "days": 2}]},
            "scenario: closures[0].port: unknown port 'ZZZ'; the scenario's ports are AAA, BBB",
        ),
        (
            {"closures": [{"port": "AAA", "from": 4, "days": 2, "announced": 5}]},
            "scenario: closures[0].announced: expected a day on or before the closure's first day (4), got 5",
        ),
        (
            {"closures": [{"port": "AAA", "from": "2026-11-30", "days": 2}]},
            'scenario: closures[0].from: expected a date on or after start (2026-12-01), got "2026-11-30"',
        ),
    ],
)
def test_a_bad_field_is_refused_naming_the_field_and_what_was_expected(changes, message):
    with pytest.raises(ScenarioError) as caught:
        scenario_make(changes)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_file_error_names_the_file(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[arrivals]\nper_day = -1\n[[ports]]\ncode = "SYS"\nseats = 3\n')
    with pytest.raises(
        ScenarioError, match=r"^bad\.toml: arrivals\.per_day: expected a number from 0 to 1,000,000, got -1$"
    ):
        scenario_load(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(ScenarioError, match=r"^broken\.toml: not valid TOML: "):
        scenario_load(broken)
    with pytest.raises(ScenarioError, match=r"no such file$"):
        scenario_load(tmp_path / "missing.toml")
    other = tmp_path / "scenario.yaml"
    other.write_text("a: 1")
    with pytest.raises(ScenarioError, match=r"unknown file type '\.yaml'; expected \.toml or \.json$"):
        scenario_load(other)


def test_a_bad_override_is_refused():
    with pytest.raises(ScenarioError, match=r"^x: --set: expected KEY=VALUE, got 'reserve'$"):
        scenario_override(SMALL, ["reserve"], source="x")
    with pytest.raises(ScenarioError, match=r"^x: ports\.5: expected an index from 0 to 1$"):
        scenario_override(SMALL, ["ports.5.seats=3"], source="x")
    # The override itself goes through; the check of the whole scenario refuses it.
    changed = scenario_override(SMALL, ["reserv=3"], source="x")
    with pytest.raises(ScenarioError, match=r"^scenario: reserv: unknown field; expected one of: arrivals, "):
        scenario_from_mapping(changed)


def test_the_mapping_builder_removes_and_sets_fields():
    assert "arrivals" not in scenario_mapping({"arrivals": None})
    assert scenario_mapping({"ports.1.seats": 4})["ports"][1]["seats"] == 4


def test_the_pipeline_example_has_every_part_and_runs_with_its_checks():
    from cita.sim import simulate

    scenario = scenario_load(ROOT / "docs" / "simulator" / "pipeline.toml", overrides=["days=20"])
    assert scenario.seats_per_day == 1450
    assert {port.city for port in scenario.ports} >= {"Tijuana", "Nogales", "Ciudad Juárez"}
    assert [group.name for group in scenario.outcomes] == ["Central America", "Mexico", "other"]
    assert scenario.detention is not None
    assert scenario.removals is not None
    assert len(scenario.caravans) == 1
    assert len(scenario.shelters) == 7
    assert scenario_from_mapping(scenario.to_mapping(), name="pipeline") == scenario
    outcome = simulate(scenario, check=True)
    assert outcome.days[-1].beds_occupied > 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"draws": "exact"}, 'draws: expected "fast" or "lottery", got "exact"'),
        (
            {"outcomes": {"released": 0.5, "detained": 0.3}},
            "outcomes.released: released, detained and removed are shares of the people seen and must add "
            "up to 1, got 0.8",
        ),
        (
            {"outcomes": None, "detention": {"beds": 10}},
            "detention: needs [outcomes]: who is detained",
        ),
        (
            {"staffing.persons_per_shift": None},
            "staffing.persons_per_shift: missing; moving officers needs the persons one processes a shift",
        ),
        (
            {"staffing": {}, "ports.0.officers": 3},
            "ports[0].officers: needs staffing.persons_per_shift, the persons one officer processes a shift",
        ),
        (
            {"staffing.moves": [{"officers": 1, "from_port": "AAA", "to_port": "AAA", "from": 3, "days": 1}]},
            "staffing.moves[0].to_port: expected another port than from_port",
        ),
        (
            {"shelters": [{"city": "Gamma", "capacity": 5}]},
            "shelters[0].city: no port is in 'Gamma'; the ports' cities are Alpha, Beta",
        ),
        (
            {"caravans": [{"people": 5, "leaves": 1, "nationality": "east"}]},
            "caravans[0].nationality: unknown group 'east'; the outcome groups are north, south",
        ),
        (
            {"caravans": [{"people": 5, "leaves": 1, "popularity": {"ZZZ": 1}}]},
            "caravans[0].popularity: unknown port 'ZZZ'; the scenario's ports are AAA, BBB",
        ),
        (
            {"detention.when_full": "wait"},
            'detention.when_full: expected "release" or "back_pressure", got "wait"',
        ),
    ],
)
def test_a_bad_part_of_the_chain_is_refused_naming_the_field(changes, message):
    from tests.factories.sim import PIPELINE

    mapping = scenario_mapping({**PIPELINE, **changes})
    with pytest.raises(ScenarioError) as refused:
        scenario_from_mapping(mapping)
    assert str(refused.value) == f"scenario: {message}"
