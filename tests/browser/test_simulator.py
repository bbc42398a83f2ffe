"""The planners' capacity simulator in Debian Chromium, without JavaScript: fill the form, run, read the
charts and their tables; accessible by axe-core. Screenshots go to test-artifacts/simulator/."""

from __future__ import annotations

import pytest

from tests.browser.a11y import assert_accessible
from tests.factories.staff import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_planner_runs_a_comparison_of_two_reserves_without_javascript(phone, artifacts):
    folder = artifacts / "simulator"
    folder.mkdir(exist_ok=True)
    planner = StaffFactory.create(role="planner")
    page = phone(language="en", javascript=False, ngo=planner).new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/staff/simulator")
    assert page.locator("h1").inner_text() == "Capacity simulator"
    page.get_by_label("Ports and seats a day").fill("SYS 60 3\nELP 40 2\nBRO 20")
    page.get_by_label("New groups a day").fill("40")
    page.get_by_label("Groups already waiting on day 0").fill("400")
    page.get_by_label("Compare with a reserve of (%)").fill("40")
    page.get_by_label("Close a port (code)").fill("ELP")
    page.get_by_label("Closed from day").fill("20")
    page.get_by_label("Closed for days").fill("4")
    page.get_by_label("Days to simulate").fill("45")
    # (A full-page screenshot here would leave Chromium's viewport so that the click misses the button.)
    page.get_by_role("button", name="Run the simulation").click()
    assert page.locator("#results").inner_text() == "Results"
    charts = page.get_by_role("img")
    assert charts.count() == 9  # four charts a run, and both backlogs together
    assert charts.first.is_visible()
    box = charts.first.bounding_box()
    assert box is not None
    assert box["width"] > 600
    assert page.locator("#difference").is_visible()
    assert "ELP closed" in charts.first.text_content()
    page.get_by_text("Table of this chart (45 rows)").first.click()  # details open without JavaScript
    caption = page.locator("table caption").first
    assert caption.inner_text() == "Backlog: groups waiting at the end of each day"
    page.screenshot(path=str(folder / "results-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 640})
    page.screenshot(path=str(folder / "results-360.png"), full_page=True)

    with_script = phone(language="en", ngo=planner).new_page()
    with_script.goto(page.url)
    assert with_script.get_by_role("img").count() == 9
    assert_accessible(with_script)
    with_script.goto("/staff/simulator")
    with_script.screenshot(path=str(folder / "form-360.png"), full_page=True)
