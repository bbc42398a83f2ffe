"""The officer console's issue-15 additions in Debian Chromium at 360 px with JavaScript off: finding a group
in the manifest, typing a pass's short code, and confirming a check-in long before the slot. Screenshots go
to test-artifacts/officer-console/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cita.appointments.models import AppointmentState
from cita.core import clock
from tests.browser.a11y import assert_accessible
from tests.factories.closures import appointment_today
from tests.factories.draws import port_with_slots
from tests.factories.registrations import registered_group
from tests.factories.staff import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def folder(artifacts: Path) -> Path:
    path = artifacts / "officer-console"
    path.mkdir(exist_ok=True)
    return path


def test_an_officer_finds_a_group_types_its_code_and_confirms_an_early_check_in(phone, folder, frozen_clock):
    # 06:00 at San Ysidro; the group's slot is 14:00, eight hours later.
    frozen_clock.set(dt.datetime(2026, 12, 15, 14, 0, tzinfo=dt.UTC))
    port = port_with_slots("SYS", slots=[], name="San Ysidro", time_zone="America/Tijuana")
    group = registered_group(size=3, given_names="Marisol", family_names="Quintero Ruiz")
    other = registered_group(size=1, given_names="Jean", family_names="Pierre")
    appointment = appointment_today(applicant=group, port=port, slot="14:00")
    appointment_today(applicant=other, port=port, slot="15:00")
    assert clock.now().astimezone(port.tz).hour == 6
    officer = StaffFactory.create(role="officer", port=port)
    page = phone(language="en", javascript=False, ngo=officer).new_page()

    page.goto("/staff/officer/")
    page.fill("#id_q", "quintero")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Marisol Quintero Ruiz")).to_be_visible()
    expect(page.get_by_role("link", name="Jean Pierre")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(folder / "manifest-search-360.png"), full_page=True)

    code = appointment.pass_code.lower().replace("-", " ")
    page.fill("#id_payload", code)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_contain_text("This group is early (slot 14:00). Check in anyway?")
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(folder / "early-360.png"), full_page=True)

    page.get_by_role("button", name="Check in anyway").click()
    assert page.url.endswith(f"/staff/officer/appointments/{appointment.pk}/")
    expect(page.locator(".notice")).to_contain_text("Checked in: group of 3, slot 14:00.")
    page.screenshot(path=str(folder / "checked-in-360.png"), full_page=True)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CHECKED_IN

    checker = phone(language="en", javascript=True, ngo=officer).new_page()  # axe-core needs JavaScript
    checker.goto("/staff/officer/?q=quintero")
    assert_accessible(checker)
