"""The applicant's whole journey on the daily cycle in Chromium at 360×640: sign in, register the group,
ask (a mistake first), see the ticket, get the result, confirm, get the pass, save it for offline use,
print it; in Spanish and Haitian Creole, with JavaScript on and off. The draw between "ask" and "result"
is driven by the cycle's own services on the frozen clock. Every page keeps to the Content-Security-Policy;
screenshots of each step go to test-artifacts/cycle-<language>-<js>/.

Also: an NGO worker prints a resident's pass, and the public transparency page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from cita.appointments.models import Appointment
from cita.draws.models import Draw, Offer, Request
from cita.draws.services import draw_close, draw_notify
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from tests.browser.a11y import assert_accessible
from tests.browser.budget import PAGE_BUDGET, measure
from tests.factories.draws import (
    JOB,
    WINDOW_CLOSES,
    open_draw,
    port_with_slots,
    san_ysidro_and_el_paso,
    submitted,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "es": {
        "ask_title": "Pedir una cita",
        "twice": "Usted ya eligió este puerto. Elija cada puerto una sola vez.",
        "wait": "Su solicitud está hecha: espere el sorteo",
        "deadline": "El sorteo se hace el miércoles, 2 de diciembre de 2026 a las 11:00 (hora de Tijuana)",
        "selected": "Usted fue seleccionado: confirme su cita",
        "confirm_by": "Confirme antes del jueves, 3 de diciembre de 2026 a las 10:00 (hora de Tijuana)",
        "pass": "Pase de cita",
        "day": "martes, 15 de diciembre de 2026",
        "go": "Vaya al puerto el día de su cita",
    },
    "ht": {
        "ask_title": "Mande yon randevou",
        "twice": "Ou te deja chwazi pò sa a. Chwazi chak pò yon sèl fwa.",
        "wait": "Demann ou an rive: tann tiraj la",
        "deadline": "Tiraj la fèt mèkredi, 2 desanm 2026, 11:00 (lè Tijuana)",
        "selected": "Yo chwazi ou: konfime randevou ou",
        "confirm_by": "Konfime anvan jedi, 3 desanm 2026, 10:00 (lè Tijuana)",
        "pass": "Pas randevou",
        "day": "madi, 15 desanm 2026",
        "go": "Ale nan pò a jou randevou ou",
    },
}


def submit(page):
    page.locator("main form[novalidate] button[type=submit]").first.click()
    page.wait_for_load_state("load")


def main_text(page) -> str:
    return re.sub(r"\s+", " ", page.locator("main").inner_text())


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("language", ["es", "ht"])
def test_register_ask_get_selected_confirm_and_keep_the_pass(
    phone, browser, artifacts, frozen_clock, language, javascript, tmp_path
):
    text = TEXT[language]
    folder = artifacts / f"cycle-{language}-{'js' if javascript else 'nojs'}"
    folder.mkdir(exist_ok=True)
    step = iter(range(1, 100))

    def shot(name):
        page.screenshot(path=str(folder / f"{next(step):02d}-{name}.png"), full_page=True)

    san_ysidro_and_el_paso(seats=4)
    draw = open_draw(frozen_clock)
    page = phone(language=language, javascript=javascript, enforce_csp=True).new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))

    # Sign in with the code from the outbox, register the principal and one more person.
    page.goto("/signin")
    contact = f"+52 664 702 {'1' if language == 'es' else '2'}{'1' if javascript else '0'}01"
    page.fill("#id_contact", contact)
    submit(page)
    notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id")
    page.fill("#id_code", signin_code_of(notice=notice) or "")
    submit(page)
    assert page.url.endswith("/group/register")
    page.fill("#id_given_names", "Rosa Elena")
    page.fill("#id_family_names", "Martínez Soto")
    page.fill("#id_dob_day", "17")
    page.select_option("#id_dob_month", "3")
    page.fill("#id_dob_year", "1990")
    page.select_option("#id_nationality", "HN" if language == "es" else "HT")
    page.check("#id_consent")
    submit(page)
    page.locator("a.btn[href='/group/members/new']").click()
    page.select_option("#id_relationship", "child")
    page.fill("#id_given_names", "Luis")
    page.fill("#id_family_names", "Martínez")
    page.fill("#id_dob_day", "2")
    page.select_option("#id_dob_month", "7")
    page.fill("#id_dob_year", "2015")
    page.select_option("#id_nationality", "HN")
    submit(page)
    assert page.url.endswith("/group")
    shot("group")

    # The group page leads to the appointment page, which leads to the form.
    page.locator(".next a.btn").click()
    assert page.url.endswith("/draw/")
    shot("status-before-asking")
    page.locator(".next a.btn").click()
    assert page.url.endswith("/draw/ask")
    assert page.locator("h1").inner_text() == text["ask_title"]
    assert page.locator("main select").count() == 2
    shot("ask")

    # A mistake: the same port twice. Refused beside the field, in the language, choices kept.
    page.select_option("#id_port_1", "ELP")
    page.select_option("#id_port_2", "ELP")
    submit(page)
    assert text["twice"] in page.locator("#id_port_2_error").inner_text()
    assert page.locator("#id_port_1").input_value() == "ELP"
    assert page.locator("#id_port_2").input_value() == "ELP"
    expect(page.locator("#errors")).to_be_focused()
    shot("ask-error")
    page.select_option("#id_port_2", "SYS")
    submit(page)
    request = Request.objects.get()
    assert page.url.endswith("/draw/")
    assert page.locator(".ticketbox .ticket").inner_text() == request.ticket
    assert text["wait"] in main_text(page)
    assert text["deadline"] in main_text(page)
    shot("ticket")

    # The window closes and the draw runs (the cycle's own services); an hour later the group looks.
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    draw_notify(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    frozen_clock.advance(hours=1)
    offer = Offer.objects.get()
    page.goto("/draw/")
    assert text["selected"] in main_text(page)
    assert text["confirm_by"] in main_text(page)
    assert page.locator("nav .count").inner_text().startswith("2")  # received and selected
    shot("result-selected")
    page.locator(f".next a.btn[href='/draw/offers/{offer.pk}']").click()
    confirm = page.locator("button.btn.big")
    expect(confirm).to_be_in_viewport()  # the important action is on the first screen
    shot("offer")
    confirm.click()
    page.wait_for_load_state("load")
    appointment = Appointment.objects.get()
    assert page.url.endswith(f"/appointments/{appointment.pk}/pass")

    # The pass: QR, names, port and address, day and time, what to bring.
    assert page.locator("h1").inner_text() == text["pass"]
    assert page.locator(".qr svg").count() == 1
    body = main_text(page)
    for name in ("Rosa Elena Martínez Soto", "Luis Martínez", "El Paso", "1000 S El Paso St", text["day"]):
        assert name in body
    assert appointment.pass_payload in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot("pass")
    page.emulate_media(media="print")
    assert page.locator("nav.nav").is_hidden()
    assert page.locator(".langs").is_hidden()
    shot("pass-print")
    page.emulate_media(media="screen")

    # Saved for offline: one file that shows the pass with the network cut and loads nothing.
    with page.expect_download() as download:
        page.locator(f"a[href='/appointments/{appointment.pk}/pass.html']").click()
    saved = tmp_path / "pass.html"
    download.value.save_as(saved)
    offline = browser.new_context(
        viewport={"width": 360, "height": 640}, offline=True, java_script_enabled=False
    )
    try:
        loaded: list[str] = []
        reader = offline.new_page()
        reader.on("request", lambda r: loaded.append(r.url))
        reader.goto(saved.as_uri())
        assert loaded == [saved.as_uri()]
        assert reader.locator(".qr svg").is_visible()
        assert "Rosa Elena Martínez Soto" in reader.locator("main").inner_text()
        # Its inline stylesheet applied (allowed by its hash): the QR is drawn large.
        assert reader.locator(".qr svg").bounding_box()["width"] > 250
        reader.screenshot(path=str(folder / f"{next(step):02d}-pass-offline.png"), full_page=True)
    finally:
        offline.close()

    # Back on the appointment page: the next step is the day itself; the history has the request.
    page.locator("nav a[href='/draw/']").click()
    assert text["go"] in main_text(page)
    shot("status-booked")
    page.goto("/draw/history")
    assert request.ticket in main_text(page)
    shot("history")
    page.locator(f"a[href='/draw/requests/{request.pk}']").click()
    assert page.locator("a[href='/transparency/draws/2026-12-01/results.csv']").count() == 1
    shot("result-page")
    assert not [line for line in console if "error" in line or "Security Policy" in line], console


def test_an_ngo_worker_prints_a_residents_pass(phone, artifacts, frozen_clock):
    from tests.factories.draws import appointment_made
    from tests.factories.registrations import ShelterFactory
    from tests.factories.staff import StaffFactory

    folder = artifacts / "daily-cycle"
    folder.mkdir(exist_ok=True)
    appointment = appointment_made(frozen_clock)
    shelter = ShelterFactory.create(name="Casa del Migrante")
    resident = appointment.applicant
    resident.shelter = shelter
    resident.save(update_fields=["shelter"])
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    page = phone(language="es", ngo=worker, acting_for=resident, enforce_csp=True).new_page()
    page.goto(f"/appointments/{appointment.pk}/pass")
    assert page.locator(".helping").is_visible()
    assert appointment.pass_payload in page.locator("main").inner_text()
    page.emulate_media(media="print")
    assert page.locator(".helping").is_hidden()
    assert page.locator(".qr svg").is_visible()
    page.screenshot(path=str(folder / "ngo-pass-print-es.png"), full_page=True)
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF")


def test_an_ngo_worker_prints_a_french_residents_pass_in_french_with_english_beside(
    phone, artifacts, frozen_clock
):
    # Issue 15, item 3: the worker reads Spanish; the pass is the resident's, in French only, and the same
    # facts in English for the officer; at 360 px nothing scrolls sideways, on paper they sit side by side.
    from tests.factories.draws import appointment_made
    from tests.factories.registrations import ShelterFactory
    from tests.factories.staff import StaffFactory

    folder = artifacts / "daily-cycle"
    folder.mkdir(exist_ok=True)
    appointment = appointment_made(frozen_clock)
    shelter = ShelterFactory.create(name="Casa del Migrante")
    resident = appointment.applicant
    resident.shelter, resident.language = shelter, "fr"
    resident.save(update_fields=["shelter", "language"])
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    page = phone(
        language="es", ngo=worker, acting_for=resident, javascript=False, enforce_csp=True
    ).new_page()
    page.goto(f"/appointments/{appointment.pk}/pass")
    own = page.locator("article.pass[lang=fr]")
    officer = page.locator("article.pass-officer[lang=en]")
    own_text, officer_text = own.inner_text(), officer.inner_text()
    assert "Laissez-passer du rendez-vous" in own_text
    assert "mardi 15 décembre 2026" in own_text
    for word in ("Address", "Bring", "Arrive by", "Pase de cita", "Llegue"):
        assert word not in own_text, word
    assert "Tuesday, Dec. 15, 2026" in officer_text
    assert "The appointment is free." in officer_text
    for member in resident.members.all():
        assert member.full_name in own_text
        assert member.full_name in officer_text
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.emulate_media(media="print")
    own_box, officer_box = own.bounding_box(), officer.bounding_box()
    assert own_box is not None
    assert officer_box is not None
    assert officer_box["x"] > own_box["x"]  # beside it on paper
    page.screenshot(path=str(folder / "ngo-pass-print-fr.png"), full_page=True)


def test_the_transparency_page_is_small_and_accessible(phone, artifacts, frozen_clock):
    folder = artifacts / "daily-cycle"
    folder.mkdir(exist_ok=True)
    port_with_slots("SYS", slots=[("08:00", 2)])
    draw = open_draw(frozen_clock)
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


@pytest.mark.parametrize("language", ["en", "es", "ht", "fr", "pt"])
def test_a_long_port_name_in_the_zone_does_not_make_the_status_page_scroll_sideways(
    phone, artifacts, frozen_clock, language
):
    # Issue 15, item 8: "(hora de Laredo Gateway to the Americas)" did not wrap: 406 px wide at 360 px.
    from cita.ports.models import Port
    from tests.factories.draws import appointment_made

    appointment = appointment_made(frozen_clock)
    Port.objects.filter(pk=appointment.port_id).update(name="Laredo Gateway to the Americas International")
    group = appointment.applicant
    group.language = language
    group.save(update_fields=["language"])
    page = phone(language=language, applicant=group, javascript=False).new_page()
    for path in ("/draw/", f"/appointments/{appointment.pk}/pass", "/draw/history"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    page.goto("/draw/")
    page.screenshot(path=str(artifacts / f"long-zone-{language}.png"), full_page=True)
