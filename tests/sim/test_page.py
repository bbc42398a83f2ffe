"""The planners' simulator page (/staff/simulator): a form, a bounded run with its charts and tables,
field errors for bad input, and a clear refusal of runs too large for a request."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client

from cita.staff.views import simulator as page
from tests.conftest import sign_in_staff
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db
URL = "/staff/simulator"


@pytest.fixture
def planner() -> Client:
    client = Client()
    sign_in_staff(client, StaffFactory.create(role="planner"))
    return client


def params(**changes: Any) -> dict[str, Any]:
    """A small, quick run; `changes` replace fields."""
    values: dict[str, Any] = {
        "run": "1",
        "ports": "AAA 30 2\nBBB 20",
        "total_seats": "",
        "slots": 2,
        "reserve_percent": 10,
        "compare_reserve": "",
        "horizon_days": 3,
        "arrivals": 25,
        "backlog": 100,
        "urgent_share": 2,
        "ask_rate": 80,
        "confirm_rate": 85,
        "no_show_rate": 5,
        "leave_rate": 2,
        "closure_port": "",
        "closure_from": "",
        "closure_days": "",
        "days": 20,
        "seed": 1,
    }
    values.update(changes)
    return values


def scenario_shown(html: str) -> dict[str, Any]:
    found = re.search(r"<pre>(.*?)</pre>", html, re.S)
    assert found is not None
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_the_page_shows_the_form_with_defaults_and_runs_nothing(planner):
    response = planner.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Capacity simulator</h1>" in html
    for legend in ("Capacity", "Demand", "Behaviour", "Closure", "Run"):
        assert f"<legend>{legend}</legend>" in html
    assert 'name="reserve_percent"' in html
    assert "SYS 300 30" in html
    assert "<svg" not in html
    assert 'id="results"' not in html


def test_a_run_shows_its_summary_and_each_chart_with_its_table(planner):
    response = planner.get(URL, params())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="results">Results</h2>' in html
    assert "<li><strong>Days from first request to the draw of the offer confirmed (" in html
    assert "<li><strong>Capacity:</strong> 50 seats a day over 2 ports, reserve 10 %" in html
    assert html.count('<svg xmlns:xlink="http://www.w3.org/1999/xlink"') == 4
    assert html.count('role="img"') == 4
    assert html.count("<details><summary>Table of this chart") == 4
    assert '<caption class="visually-hidden">Backlog: groups waiting at the end of each day</caption>' in html
    # 20 days in the backlog table.
    backlog = html[html.index("Backlog: groups waiting at the end of each day</caption>") :]
    assert backlog[: backlog.index("</tbody>")].count('<tr><th scope="row">') == 20
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert "<style" not in html
    shown = scenario_shown(html)
    assert shown["days"] == 20
    assert [port["code"] for port in shown["ports"]] == ["AAA", "BBB"]
    assert shown["ask_rate"] == 0.8


def test_a_comparison_of_two_reserves_shows_both_runs_and_the_difference(planner):
    response = planner.get(URL, params(compare_reserve=50))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Run A: planner page" in html
    assert "Run B: reserve 50 %" in html
    assert '<h3 id="difference">Difference between the runs</h3>' in html
    assert '<tr><th scope="row">persons selected by the reserve</th>' in html
    assert html.count('role="img"') == 9  # four charts a run, and both backlogs together
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_total_seats_scale_the_ports_keeping_their_shares(planner):
    html = planner.get(URL, params(ports="AAA 30\nBBB 10", total_seats=101)).content.decode()
    assert [port["slots"] for port in scenario_shown(html)["ports"]] == [
        {"08:00": 38, "09:00": 38},  # 76
        {"08:00": 13, "09:00": 12},  # 25
    ]


def test_a_closure_shows_on_the_charts(planner):
    html = planner.get(URL, params(closure_port="bbb", closure_from=8, closure_days=3)).content.decode()
    assert " BBB closed</text>" in html
    assert scenario_shown(html)["closures"] == [{"port": "BBB", "from": 8, "days": 3, "announced": 8}]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reserve_percent": 150}, "reserve_percent", "Ensure this value is less than or equal to 100."),
        (
            {"ports": "AAA lots"},
            "ports",
            "Line 1 (&#x27;AAA lots&#x27;): expected a port code, its seats a day",
        ),
        ({"ports": "AAA 3\naaa 4"}, "ports", "Line 2: port AAA is listed twice."),
        ({"ports": ""}, "ports", "This field is required."),
        ({"days": 500}, "days", "Ensure this value is less than or equal to 365."),
        ({"ask_rate": -1}, "ask_rate", "Ensure this value is greater than or equal to 0."),
        (
            {"closure_port": "AAA"},
            "closure_port",
            "To close a port, give its code, the first day and the number",
        ),
        (
            {"closure_port": "ZZZ", "closure_from": 1, "closure_days": 2},
            "closure_port",
            "closures[0].port: unknown port &#x27;ZZZ&#x27;; the scenario&#x27;s ports are AAA, BBB",
        ),
    ],
)
def test_bad_input_is_refused_with_the_error_on_its_field(planner, changes, field, message):
    response = planner.get(URL, params(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'<span class="field-error" id="id_{field}_error">(.*?)</span>', html, re.S)
    assert error is not None, html[:3000]
    assert message in error.group(1)
    assert "There is a problem" in html
    assert 'id="results"' not in html


def test_a_run_too_large_for_the_page_is_refused_and_its_scenario_offered_for_the_command_line(planner):
    response = planner.get(URL, params(arrivals=50_000, backlog=500_000, days=120))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This run is too large for the page: its draws would read about " in html
    assert "cita simulate scenario.json --out results" in html
    assert scenario_shown(html)["arrivals"]["per_day"] == 50_000
    assert 'id="results"' not in html


def test_a_run_past_its_time_budget_is_stopped(planner, monkeypatch):
    monkeypatch.setattr(page, "PAGE_BUDGET_SECONDS", 0.0)
    response = planner.get(URL, params())
    assert response.status_code == 400
    html = response.content.decode()
    assert "The run stopped after " in html
    assert "too large for this budget. Make it smaller, or run it with the command line" in html


def test_the_whole_chain_runs_from_the_page_and_each_part_is_reported(planner):
    response = planner.get(
        URL,
        params(
            size_priority="on",
            persons_per_shift=10,
            officers="AAA 2",
            move_from="AAA",
            move_to="bbb",
            move_officers=1,
            move_day=8,
            move_days=3,
            released=60,
            detained=30,
            removed=10,
            beds=40,
            stay_days="3=1, 10=1",
            when_full="back_pressure",
            flights_per_week=2,
            seats_per_flight=12,
            caravan_people=120,
            caravan_leaves=2,
            caravan_travel_days=3,
            caravan_spread_days=4,
            caravan_never_arrive=25,
            shelters="AAA Tijuana: 100\nBBB Mexicali: 40",
        ),
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    html = response.content.decode()
    for label in (
        "People seen:",
        "Detention (detained and awaiting removal):",
        "Removal flights:",
        "Caravan caravan 1:",
        "Waiting in Tijuana:",
        "Waiting in Mexicali:",
        "Served by group size (groups that first asked before day 10: ",
    ):
        assert f"<li><strong>{label}" in html, label
    assert "size priority on (" in html
    assert html.count('role="img"') == 7  # backlog, waits, seats, sizes, seats per port, beds, cities
    shown = scenario_shown(html)
    assert shown["size_priority"] is True
    assert [(p["code"], p.get("officers"), p.get("city")) for p in shown["ports"]] == [
        ("AAA", 2, "Tijuana"),
        ("BBB", None, "Mexicali"),
    ]
    assert shown["staffing"]["moves"] == [
        {"officers": 1, "from_port": "AAA", "to_port": "BBB", "from": 8, "days": 3, "announced": 8}
    ]
    assert shown["outcomes"]["groups"][0]["detained"] == 0.3
    assert shown["detention"] == {
        "beds": 40,
        "stay_days": {"3": 1.0, "10": 1.0},
        "when_full": "back_pressure",
    }
    assert shown["removals"] == {"flights_per_week": 2, "seats_per_flight": 12}
    assert shown["caravans"][0]["never_arrive"] == 0.25
    assert shown["shelters"] == [{"city": "Tijuana", "capacity": 100}, {"city": "Mexicali", "capacity": 40}]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"move_from": "AAA"}, "move_from", "To move officers, give both ports"),
        ({"released": 50, "detained": 20}, "released", "must add up to 1, got 0.7"),
        ({"officers": "AAA 2"}, "officers", "ports[0].officers: needs staffing.persons_per_shift"),
        ({"officers": "AAA two"}, "officers", "Line 1: expected a port code and its officers"),
        ({"shelters": "Tijuana 300"}, "shelters", "Line 1: expected the city&#x27;s ports"),
        ({"released": 100, "stay_days": "long"}, "stay_days", "expected days=weight"),
        ({"caravan_people": 50}, "caravan_people", "A caravan needs its persons and the day they leave."),
    ],
)
def test_bad_input_about_the_chain_is_refused_on_its_field(planner, changes, field, message):
    response = planner.get(URL, params(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'<span class="field-error" id="id_{field}_error">(.*?)</span>', html, re.S)
    assert error is not None, html[:3000]
    assert message in error.group(1)


@pytest.mark.django_db
def test_the_form_starts_from_the_ports_configured_here_not_a_fixed_example(planner):
    # Issue 15, item 10: the page offered OTM and DCL, which this system may not have.
    from cita.ports.services import capacity_template_set
    from tests.factories.draws import port_with_slots, staff_actor

    admin = staff_actor(StaffFactory.create(role="admin"))
    sys_ = port_with_slots("SYS", slots=[], position=1)
    elp = port_with_slots("ELP", slots=[], position=2)
    for weekday in range(7):
        capacity_template_set(port=sys_, weekday=weekday, slots={dt.time(8): 40, dt.time(9): 30}, actor=admin)
        capacity_template_set(port=elp, weekday=weekday, slots={dt.time(8): 25}, actor=admin)
    html = planner.get(URL).content.decode()
    ports = html.split('name="ports"', 1)[1].split("</textarea>", 1)[0].split(">", 1)[1]
    assert ports.split() == ["SYS", "70", "ELP", "25"]
    assert "OTM" not in ports
    assert "DCL" not in ports
