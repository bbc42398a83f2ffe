"""The daily cycle in a real browser at 360×640: ask, see the ticket, get selected, confirm, print the pass;
and the public transparency page. Each page is small, accessible, keeps to the Content-Security-Policy,
and is screenshot (test-artifacts/daily-cycle/)."""

from __future__ import annotations

import datetime as dt

import pytest

from cita.appointments.models import Appointment
from cita.draws.models import Draw, Offer
from cita.draws.services import draw_close
from tests.browser.a11y import assert_accessible
from tests.browser.budget import PAGE_BUDGET, measure
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, port_with_slots
from tests.factories.registrations import registered_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["es", "ht"])
def test_ask_get_selected_confirm_and_print_the_pass(phone, artifacts, frozen_clock, language):
    folder = artifacts / "daily-cycle"
    folder.mkdir(exist_ok=True)
    port_with_slots("SYS", slots=[("08:00", 4)], name="San Ysidro", address="720 E San Ysidro Blvd")
    port_with_slots("ELP", slots=[("08:00", 4)], position=1, name="El Paso")
    draw = open_draw(frozen_clock)
    group = registered_group(size=2, language=language)
    page = phone(language=language, javascript=False, applicant=group, enforce_csp=True).new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))

    transfer = measure(page, lambda: page.goto("/draw/"))
    assert transfer.total <= PAGE_BUDGET, transfer.report()
    assert page.locator("html").get_attribute("lang") == language
    page.screenshot(path=str(folder / f"ask-{language}.png"), full_page=True)
    page.select_option("#id_port_1", "ELP")
    page.select_option("#id_port_2", "SYS")
    page.get_by_role("button").last.click()
    ticket = page.locator(".ticket").first.inner_text()
    assert len(ticket) == 10
    page.screenshot(path=str(folder / f"ticket-{language}.png"), full_page=True)

    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get(applicant=group)
    frozen_clock.advance(hours=1)
    page.goto(f"/draw/offers/{offer.pk}")
    page.screenshot(path=str(folder / f"offer-{language}.png"), full_page=True)
    page.locator("button[value=confirm]").click()
    appointment = Appointment.objects.get(applicant=group)
    assert page.url.endswith(f"/appointments/{appointment.pk}/pass")
    assert page.locator("svg").count() == 1
    assert appointment.pass_payload in page.content()
    transfer = measure(page, lambda: page.goto(f"/appointments/{appointment.pk}/pass"))
    assert transfer.total <= PAGE_BUDGET, transfer.report()
    page.screenshot(path=str(folder / f"pass-{language}.png"), full_page=True)
    # Nothing sideways on a small phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not [line for line in console if "error" in line or "Security Policy" in line], console

    # The same pages pass axe-core (which needs the policy bypassed to run).
    checker = phone(language=language, javascript=True, applicant=group).new_page()
    for path in ("/draw/", f"/draw/offers/{offer.pk}", f"/appointments/{appointment.pk}/pass"):
        checker.goto(path)
        assert_accessible(checker)


def test_the_transparency_page_is_small_and_accessible(phone, artifacts, frozen_clock):
    folder = artifacts / "daily-cycle"
    folder.mkdir(exist_ok=True)
    port_with_slots("SYS", slots=[("08:00", 2)])
    draw = open_draw(frozen_clock)
    from tests.factories.draws import submitted

    for _ in range(3):
        submitted(ports=["SYS"], draw=draw)
    frozen_clock.set(WINDOW_CLOSES + dt.timedelta(minutes=1))
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    page = phone(language="es", javascript=False, enforce_csp=True).new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    transfer = measure(page, lambda: page.goto("/transparency/"))
    assert transfer.total <= PAGE_BUDGET, transfer.report()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(folder / "transparency-es.png"), full_page=True)
    assert not console, console
    checker = phone(language="es").new_page()
    checker.goto("/transparency/")
    assert_accessible(checker)
