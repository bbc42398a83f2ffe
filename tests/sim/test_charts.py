"""Charts: SVG that stands inline in a page (unique ids, a title and description, no page-wide style), the
same bytes for the same run, and a table holding exactly the numbers drawn."""

from __future__ import annotations

import itertools
import re

import pytest

from cita.sim import simulate
from cita.sim.charts import backlog_comparison_chart, charts_make, wait_bins
from tests.factories.sim import pipeline_make, scenario_make


@pytest.fixture(scope="module")
def outcome():
    return simulate(scenario_make({"closures": [{"port": "AAA", "from": 10, "days": 3}]}))


def ids(svg: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', svg)


def test_a_run_has_four_charts_each_with_a_title_and_a_description(outcome):
    charts = charts_make(outcome, prefix="a")
    assert [chart.name for chart in charts] == ["backlog", "waits", "seats", "sizes"]
    for chart in charts:
        head = chart.svg[: chart.svg.index(">") + 1]
        assert head.startswith("<svg ")
        assert 'role="img"' in head
        assert f'aria-labelledby="a-{chart.name}-title a-{chart.name}-desc"' in head
        assert "viewBox=" in head
        assert not re.search(r'\s(width|height)="', head)  # scales to its container
        assert f'<title id="a-{chart.name}-title">{chart.title}</title>' in chart.svg
        assert f'<desc id="a-{chart.name}-desc">' in chart.svg
        assert "<style" not in chart.svg  # inline, it would style the whole page
        assert "<?xml" not in chart.svg
        assert "<metadata" not in chart.svg


def test_ids_are_unique_across_the_charts_of_two_runs_and_every_reference_resolves(outcome):
    charts = charts_make(outcome, prefix="a") + charts_make(outcome, prefix="b")
    every = [name for chart in charts for name in ids(chart.svg)]
    assert len(every) == len(set(every)) > 30
    for chart in charts:
        own = set(ids(chart.svg))
        references = re.findall(r"url\(#([^)]+)\)", chart.svg) + re.findall(r'href="#([^"]+)"', chart.svg)
        assert references
        assert set(references) <= own


def test_the_same_run_draws_the_same_bytes(outcome):
    first = [chart.svg for chart in charts_make(outcome)]
    again = [chart.svg for chart in charts_make(simulate(outcome.scenario))]
    assert first == again


def test_each_table_holds_the_numbers_its_chart_draws(outcome):
    backlog, waits, seats, sizes = charts_make(outcome)
    assert [row[2] for row in backlog.table.rows] == [str(d.waiting) for d in outcome.days]
    assert sum(int(row[1]) for row in waits.table.rows) == len(outcome.waits)
    held = [d for d in outcome.days if d.appointments_drawn]
    assert [row[0] for row in seats.table.rows] == [str(d.day) for d in held]
    assert [row[3] for row in seats.table.rows] == [str(d.appointment_closed) for d in held]
    assert {row[3] for row in seats.table.rows} == {"0", "20"}  # the closure shows
    assert seats.table.csv().splitlines()[0] == "day,date,open seats,closed,booked,used,no-show,unused"
    assert "AAA closed" in backlog.svg
    assert [tuple(int(cell) for cell in row[:3]) for row in sizes.table.rows] == [
        row for row in outcome.served_by_size if row[1]
    ]


def test_the_whole_chain_adds_charts_of_ports_beds_and_shelters_each_with_its_numbers():
    outcome = simulate(pipeline_make())
    charts = {chart.name: chart for chart in charts_make(outcome, prefix="p")}
    assert list(charts) == ["backlog", "waits", "seats", "sizes", "port-seats", "beds", "cities"]
    every = [name for chart in charts.values() for name in ids(chart.svg)]
    assert len(every) == len(set(every))
    beds = charts["beds"].table
    assert [row[4] for row in beds.rows] == [str(d.beds_occupied) for d in outcome.days]
    ports = charts["port-seats"].table
    assert ports.headers == ("day", "date", "AAA", "BBB")
    moved = {row[0]: row for row in ports.rows}
    assert moved["12"][2:] == ("0", "25")  # AAA closed to traffic, its officer's 10 seats at BBB
    shelters = charts["cities"].table
    assert shelters.headers[2:] == ("Alpha: waiting", "Alpha: outside", "Beta: waiting", "Beta: outside")
    assert [int(row[2]) + int(row[4]) for row in shelters.rows] == [d.city_persons for d in outcome.days]
    assert "AAA closed" in charts["port-seats"].svg


def test_png_files_are_png(outcome):
    assert charts_make(outcome)[0].png().startswith(b"\x89PNG\r\n\x1a\n")


def test_wait_bins_cover_every_wait_in_equal_bins():
    assert wait_bins([]) == []
    assert wait_bins([0, 0, 3]) == [(0, 0, 2), (1, 1, 0), (2, 2, 0), (3, 3, 1)]
    bins = wait_bins(list(range(100)))
    assert len(bins) <= 25
    assert sum(count for _, _, count in bins) == 100
    assert bins[0][0] == 0
    assert all(later[0] == earlier[1] + 1 for earlier, later in itertools.pairwise(bins))


def test_a_comparison_chart_draws_both_backlogs(outcome):
    other = simulate(scenario_make({"reserve_percent": 50, "name": "b"}))
    chart = backlog_comparison_chart(outcome, other)
    assert chart.table.headers == ("day", "date", "A waiting", "B waiting")
    assert [row[3] for row in chart.table.rows] == [str(d.waiting) for d in other.days]
    assert "A: small" in chart.svg
