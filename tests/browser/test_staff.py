"""Staff consoles in Debian Chromium: authenticator enrolment and sign-in, an NGO registering a resident,
a planner changing a day's seats, an auditor reading the log. Screenshots go to test-artifacts/."""

import base64
import datetime as dt
import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.ports.services import capacity_take
from cita.registrations.models import Applicant, Consent
from tests.factories.ports import PortFactory, SlotCapacityFactory
from tests.factories.registrations import ShelterFactory
from tests.factories.staff import PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(device: TOTPDevice) -> str:
    """What the phone app shows: the TOTP of the device key, one step past the last code used."""
    device.refresh_from_db()
    # The real time, as the phone app and django-otp's check both read it (not cita's clock).
    now = int((time.time() - device.t0) // device.step)
    drift = max(0, device.last_t + 1 - now)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def password_step(page, user) -> None:
    page.goto("/staff/signin")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def sign_in(page, user) -> None:
    """Both steps, as a person does them (the code typed, then Enter)."""
    password_step(page, user)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        app_code(TOTPDevice.objects.get(user=user, confirmed=True))
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/")


def test_a_new_staff_member_sets_up_the_app_then_signs_in_with_it_and_with_a_recovery_code(page, artifacts):
    user = StaffFactory.create(role="planner", username="nadia", first_name="Nadia", totp=False)
    password_step(page, user)
    page.wait_for_url("**/staff/mfa/enrol*")
    assert page.locator("h1").inner_text() == "Set up your authenticator app"
    assert page.locator(".qr svg").is_visible()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.locator("#secret").inner_text().replace(" ", "") == base64.b32encode(device.bin_key).decode()
    page.screenshot(path=str(artifacts / "staff-enrol-360x640.png"), full_page=True)

    page.get_by_label("6-digit code from your authenticator app").fill(app_code(device))
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("h1").inner_text() == "Your recovery codes"
    codes = page.locator(".codes li").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=str(artifacts / "staff-recovery-codes-360x640.png"), full_page=True)
    page.get_by_role("link", name="I have saved them, continue").click()
    assert page.locator("h1").inner_text() == "Welcome, Nadia"

    page.get_by_role("button", name="Sign out").click()
    assert page.locator("h1").inner_text() == "You are signed out"
    sign_in(page, user)
    assert page.locator("h1").inner_text() == "Welcome, Nadia"

    page.get_by_role("button", name="Sign out").click()
    password_step(page, user)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[3])
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("h1").inner_text() == "Welcome, Nadia"
    page.goto("/staff/me")
    assert page.locator("dl.facts").inner_text().endswith("9")


def test_a_wrong_code_shows_an_error_summary_linked_to_the_field(page, artifacts):
    user = StaffFactory.create(role="auditor")
    password_step(page, user)
    right = app_code(TOTPDevice.objects.get(user=user))
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        "000000" if right != "000000" else "111111"
    )
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_code"
    assert page.locator("#id_code").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(artifacts / "staff-mfa-error-360x640.png"), full_page=True)


@pytest.fixture
def nojs_page(browser, live_server):
    """A phone-sized page with JavaScript switched off: the consoles must work without it."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, base_url=live_server.url, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def test_an_ngo_worker_registers_a_resident_and_acts_for_them(nojs_page, artifacts):
    page = nojs_page
    shelter = ShelterFactory.create(name="Casa del Migrante", capacity=120)
    worker = StaffFactory.create(role="ngo", shelter=shelter, first_name="Lucía")
    sign_in(page, worker)
    page.get_by_role("navigation", name="Consoles").get_by_role("link", name="Residents").click()
    page.get_by_role("link", name="Register a resident").click()
    assert page.locator("h1").inner_text() == "Register a resident of Casa del Migrante"

    page.get_by_label("Phone").fill("+52 664 555 0142")
    page.get_by_label("The resident's language").select_option("es")
    page.get_by_label("Given names").fill("Rosa Elena")
    page.get_by_label("Family names").fill("Martínez Cruz")
    page.get_by_label("Date of birth").fill("1988-03-02")
    page.get_by_label("Nationality").select_option("HN")
    page.get_by_label("Document type").select_option("passport")
    page.get_by_label("Document number").fill("H1234567")
    page.get_by_role("button", name="Register").click()
    assert "You must agree before we can save your data." in page.get_by_role("alert").inner_text()
    page.screenshot(path=str(artifacts / "ngo-register-error-360x640.png"), full_page=True)

    page.get_by_label(
        "The resident heard or read the consent text in their language and agreed to it."
    ).check()
    page.get_by_role("button", name="Register").click()
    # The phone is attached once the resident reads out the code sent to it (issue 14, item 5).
    assert page.locator("h1").inner_text() == "Confirm the resident's phone or email"
    page.screenshot(path=str(artifacts / "ngo-resident-contact-360x640.png"), full_page=True)
    notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id")
    page.get_by_label("The code sent by text message to +52 ••• 0142").fill(
        signin_code_of(notice=notice) or ""
    )
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("h1").inner_text() == "Rosa Elena Martínez Cruz"
    assert "+526645550142" in page.locator(".facts").inner_text()
    page.screenshot(path=str(artifacts / "ngo-resident-360x640.png"), full_page=True)

    applicant = Applicant.objects.get(shelter=shelter)
    assert Consent.objects.get(applicant=applicant).recorded_by == f"ngo:{worker.pk}"
    assert applicant.members.get().document_number == "H1234567"

    page.get_by_role("button", name="Act for this resident in the applicant pages").click()
    page.goto("/staff/")
    assert "You are acting for Rosa Elena Martínez Cruz." in page.get_by_role("status").first.inner_text()
    page.screenshot(path=str(artifacts / "ngo-acting-360x640.png"), full_page=True)
    page.get_by_role("button", name="Stop acting").click()
    assert page.locator("h1").inner_text() == "Rosa Elena Martínez Cruz"
    assert page.locator(".acting").count() == 0


def test_a_planner_changes_a_day_and_sees_the_booked_seats_refusal(browser, live_server, artifacts):
    port = PortFactory.create(code="SYS", name="San Ysidro")
    day = dt.date(2026, 12, 15)
    for hour, seats in ((8, 40), (10, 40), (13, 30)):
        SlotCapacityFactory.create(port=port, day=day, slot=dt.time(hour), seats=seats)
    assert capacity_take(port_id=port.pk, day=day, slot=dt.time(8), seats=25)
    planner = StaffFactory.create(role="planner")
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, planner)
        page.goto("/staff/capacity/?start=2026-12-14&days=7")
        page.screenshot(path=str(artifacts / "planner-calendar-1280.png"), full_page=True)
        page.get_by_role("link", name="SYS").click()
        page.get_by_role("link", name="Tue 2026-12-15").click()
        page.get_by_label("Seats at 08:00").fill("20")
        page.get_by_label("Start time of new slot 1").fill("15:00")
        page.get_by_label("Seats in new slot 1").fill("12")
        page.get_by_role("button", name="Save this day").click()
        alert = page.get_by_role("alert").inner_text()
        assert "SYS 2026-12-15 08:00 has 25 seats booked; it cannot go down to 20." in alert
        page.screenshot(path=str(artifacts / "planner-day-error-1280.png"), full_page=True)
        page.get_by_label("Seats at 08:00").fill("45")
        page.get_by_role("button", name="Save this day").click()
        assert "Seats of SYS on 2026-12-15 saved." in page.get_by_role("status").first.inner_text()
        assert page.locator("tfoot").inner_text().split() == ["Day", "total", "127", "25", "102"]
        page.goto("/staff/capacity/SYS/template")
        page.get_by_label("Start time of new slot 1").fill("08:00")
        for weekday in ("Monday", "Tuesday", "Wednesday"):
            page.get_by_label(f"Seats on {weekday} in new slot 1").fill("40")
        page.get_by_role("button", name="Save the weekly template").click()
        assert "changed: Monday, Tuesday, Wednesday" in page.get_by_role("status").first.inner_text()
        page.screenshot(path=str(artifacts / "planner-template-1280.png"), full_page=True)
    finally:
        context.close()


def test_an_auditor_reads_and_verifies_the_log(browser, live_server, artifacts):
    auditor = StaffFactory.create(role="auditor")
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, auditor)
        page.get_by_role("link", name="Audit log").first.click()
        page.get_by_role("button", name="Verify the whole chain now").click()
        assert "intact" in page.get_by_role("region", name="Hash chain").inner_text()
        page.get_by_label("Action").fill("staff.")
        page.get_by_role("button", name="Filter").click()
        assert page.locator("tbody tr").count() >= 1
        page.screenshot(path=str(artifacts / "auditor-log-1280.png"), full_page=True)
    finally:
        context.close()
