"""The second half of the staff consoles in Debian Chromium: an officer checking a group in by typing the
pass into the focused field as a hardware scanner does (JavaScript off), a planner closing a port
(preview, confirm, the real worker runs the rebooking job, the result page), the dashboard, and the
public statistics. Screenshots go to test-artifacts/staff-consoles/."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from cita.appointments.models import Appointment, AppointmentState
from cita.core import clock
from cita.ports.models import Port, PortClosure
from cita.transparency.services import backlog_refresh, figures_refresh
from tests.browser.a11y import assert_accessible
from tests.browser.budget import PAGE_BUDGET, measure
from tests.conftest import subprocess_env
from tests.factories.closures import Ask, appointment_today, booked, slots
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import port_with_slots
from tests.factories.registrations import registered_group
from tests.factories.staff import StaffFactory
from tests.notifications.test_worker import test_database_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(artifacts: Path) -> Path:
    path = artifacts / "staff-consoles"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def no_jobs(django_db_blocker) -> Iterator[None]:
    """No procrastinate job left over from other tests for the worker to pick up."""

    def clear() -> None:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_periodic_defers")
            cursor.execute("DELETE FROM procrastinate_jobs")

    clear()
    yield
    clear()


def test_an_officer_checks_a_group_in_by_scanning_with_javascript_off(phone, folder):
    port = port_with_slots("SYS", slots=[], name="San Ysidro", time_zone="America/Tijuana")
    group = registered_group(size=3, given_names="Marisol", family_names="Quintero Ruiz")
    # The slot starts now: a group long before its slot would be asked about first (test_officer_console.py).
    slot = f"{clock.now().astimezone(port.tz):%H:%M}"
    appointment = appointment_today(applicant=group, port=port, slot=slot)
    officer = StaffFactory.create(role="officer", port=port, first_name="Rosa", last_name="Marín")
    page = phone(language="en", javascript=False, ngo=officer).new_page()

    page.goto("/staff/officer/")
    assert page.evaluate("document.activeElement && document.activeElement.name") == "payload"
    expect(page.get_by_role("link", name="Marisol Quintero Ruiz")).to_be_visible()
    page.screenshot(path=str(folder / "officer-manifest-360.png"), full_page=True)

    # A keyboard-wedge scanner: the characters of the pass, then Enter. Nothing is clicked.
    page.keyboard.type(appointment.pass_payload, delay=0)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/staff/officer/appointments/{appointment.pk}/")
    expect(page.locator(".notice")).to_contain_text(f"Checked in: group of 3, slot {slot}.")
    expect(page.locator("main")).to_contain_text("Marisol Quintero Ruiz")
    expect(page.locator("#checked-in")).to_contain_text("Rosa Marín")
    page.screenshot(path=str(folder / "officer-checked-in-360.png"), full_page=True)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CHECKED_IN

    # The next scan field has the focus again; the same pass scanned twice says who and when.
    assert page.evaluate("document.activeElement && document.activeElement.name") == "payload"
    page.keyboard.type(appointment.pass_payload, delay=0)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("This pass was already used: checked in by Rosa Marín")
    page.screenshot(path=str(folder / "officer-second-scan-360.png"), full_page=True)

    # Outcomes, one per person, with plain selects.
    for n, member in enumerate(appointment.members):
        page.select_option(f"#id_member_{member}", "processed_released" if n else "referred")
    page.get_by_role("button", name="Save outcomes").click()
    expect(page.locator(".notice")).to_contain_text("The group's appointment is complete.")
    page.screenshot(path=str(folder / "officer-outcomes-360.png"), full_page=True)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.COMPLETED

    checker = phone(language="en", javascript=True, ngo=officer).new_page()
    for path in ("/staff/officer/", f"/staff/officer/appointments/{appointment.pk}/"):
        checker.goto(path)
        assert_accessible(checker)


def start_worker(log: Path) -> subprocess.Popen[bytes]:
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="cita.settings", DATABASE_URL=test_database_url(), CITA_LOG_LEVEL="WARNING"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "cita", "worker", "--concurrency", "1"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def test_a_planner_closes_a_port_and_the_worker_rebooks_its_groups(
    phone, folder, frozen_clock, tmp_path, no_jobs
):
    sys_ = port_with_slots("SYS", slots=[("08:00", 30)], position=1, name="San Ysidro")
    tij = port_with_slots("TIJ", slots=[], position=2, name="Tijuana")
    slots(tij, day=D + dt.timedelta(days=1), seats=[("08:00", 6)])
    booked(
        frozen_clock, [Ask(size=2, ports=["SYS", "TIJ"], language=lang) for lang in ("es", "ht", "fr", "pt")]
    )
    planner = StaffFactory.create(role="planner", first_name="Iris")
    page = phone(language="en", javascript=False, ngo=planner).new_page()

    page.goto("/staff/")
    page.get_by_role("link", name="Port closures: close a port, rebook its groups, reopen").click()
    page.get_by_role("link", name="Close a port").click()
    page.select_option("#id_port", str(sys_.pk))
    page.fill("#id_start", D.isoformat())
    page.fill("#id_end", D.isoformat())
    page.fill("#id_reason", "Bridge closed for repairs")
    page.fill("#id_horizon_days", "5")
    page.get_by_role("button", name="Preview the groups affected").click()
    expect(page.locator("#affected")).to_have_text("4")
    page.screenshot(path=str(folder / "closure-preview-360.png"), full_page=True)
    assert not PortClosure.objects.exists()

    worker = start_worker(tmp_path / "worker.log")
    try:
        page.get_by_role("button", name="Close the port and rebook 4 groups").click()
        expect(page.locator("h1")).to_contain_text("San Ysidro (SYS) closed 2026-12-15")
        page.screenshot(path=str(folder / "closure-waiting-360.png"), full_page=True)
        # The page refreshes itself (meta refresh, no JavaScript) until the job has run.
        expect(page.locator("#state")).to_have_text("Closed; groups rebooked", timeout=90_000)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    expect(page.locator("#groups")).to_have_text("4")
    expect(page.locator("#placed")).to_have_text("3")
    expect(page.locator("#escalated")).to_have_text("1")
    expect(page.locator("#replay")).to_contain_text(
        "The plan computed again from its snapshot is the stored plan."
    )
    page.screenshot(path=str(folder / "closure-done-360.png"), full_page=True)
    assert Appointment.objects.filter(port=tij, state="scheduled").count() == 3
    assert not Appointment.objects.filter(port=sys_, state="scheduled").exists()

    wide = phone(language="en", javascript=True, ngo=planner)
    checker = wide.new_page()
    checker.set_viewport_size({"width": 1280, "height": 900})
    closure = PortClosure.objects.get()
    checker.goto(f"/staff/closures/{closure.pk}/")
    checker.screenshot(path=str(folder / "closure-done-1280.png"), full_page=True)
    assert_accessible(checker)


def test_the_dashboard_and_the_public_statistics(phone, folder, frozen_clock):
    sys_ = port_with_slots("SYS", slots=[("08:00", 30)], position=1, name="San Ysidro")
    port_with_slots("TIJ", slots=[("08:00", 10)], position=2, name="Tijuana")
    booked(frozen_clock, [Ask(size=n % 3 + 1, ports=["SYS", "TIJ"]) for n in range(12)])
    frozen_clock.set(dt.datetime(2026, 12, 16, 12, 0, tzinfo=dt.UTC))
    figures_refresh(start=D - dt.timedelta(days=13), end=D + dt.timedelta(days=7))
    backlog_refresh()
    assert Port.objects.count() == 2
    planner = StaffFactory.create(role="planner")
    page = phone(language="en", javascript=True, ngo=planner).new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/staff/dashboard/?start=2026-12-03&days=21")
    assert page.locator("svg[role=img]").count() == 3
    page.screenshot(path=str(folder / "dashboard-1280.png"), full_page=True)
    assert_accessible(page)
    assert sys_.code in page.content()

    public = phone(language="es", javascript=False, enforce_csp=True).new_page()
    console: list[str] = []
    public.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    transfer = measure(public, lambda: public.goto("/transparency/"))
    assert transfer.total <= PAGE_BUDGET, transfer.report()
    assert public.evaluate("document.documentElement.scrollWidth") <= 360
    expect(public.locator("#numbers")).to_have_text("Las citas en números")
    public.screenshot(path=str(folder / "transparency-statistics-es-360.png"), full_page=True)
    assert not console, console
    checker = phone(language="es").new_page()
    checker.goto("/transparency/")
    assert_accessible(checker)
