"""An applicant's first visit, in Chromium at 360×640: sign in with a code read from the outbox, register
the group, add two people, correct one, remove one, sign out. In Spanish and Haitian Creole, with
JavaScript on and off. Screenshots of every step go to test-artifacts/journey-<language>-<js>/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.registrations.models import Consent, Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "es": {
        "h1": "Pida una cita en la frontera",
        "problem": "Hay un problema",
        "family": "Escriba los apellidos.",
        "wrong": "Ese código no es correcto. Puede intentarlo 4 veces más.",
        "dob": "17 de marzo de 1990",
        "people": "2 personas",
    },
    "ht": {
        "h1": "Mande yon randevou nan fwontyè a",
        "problem": "Gen yon pwoblèm",
        "family": "Ekri siyati yo.",
        "wrong": "Kòd sa a pa bon. Ou ka eseye 4 fwa ankò.",
        "dob": "17 mas 1990",
        "people": "2 moun",
    },
}


def fill_person(page, *, given, family, day, month, year, nationality, relationship=None, document=None):
    if relationship:
        page.select_option("#id_relationship", relationship)
    page.fill("#id_given_names", given)
    page.fill("#id_family_names", family)
    page.fill("#id_dob_day", day)
    page.select_option("#id_dob_month", month)
    page.fill("#id_dob_year", year)
    page.select_option("#id_nationality", nationality)
    if document:
        page.select_option("#id_document_type", document[0])
        page.fill("#id_document_number", document[1])


def submit(page):
    page.locator("main form[novalidate] button[type=submit]").first.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("language", ["es", "ht"])
def test_sign_in_register_a_group_edit_and_remove_a_member(phone, artifacts, language, javascript):
    text = TEXT[language]
    folder = artifacts / f"journey-{language}-{'js' if javascript else 'nojs'}"
    folder.mkdir(exist_ok=True)
    step = iter(range(1, 100))

    def shot(name):
        page.screenshot(path=str(folder / f"{next(step):02d}-{name}.png"), full_page=True)

    page = phone(language=language, javascript=javascript, enforce_csp=True).new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.goto("/")
    assert page.locator("h1").inner_text() == text["h1"]
    shot("home")

    # Sign in: the phone number, then the code the outbox holds for it.
    page.locator(".next a.btn").click()
    assert page.url.endswith("/signin")
    page.fill("#id_contact", "664 123")  # no country code: refused, kept in the field
    submit(page)
    assert page.locator("#errors").is_visible()
    assert page.input_value("#id_contact") == "664 123"
    assert page.locator("#id_contact").get_attribute("aria-invalid") == "true"
    shot("signin-error")
    phone_number = "+52 664 " + ("701 0001" if language == "es" else "701 0002") + ("" if javascript else "9")
    page.fill("#id_contact", phone_number)
    shot("signin")
    submit(page)
    assert page.url.endswith("/signin/code")
    notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id")
    assert notice.address == phone_number.replace(" ", "")
    assert notice.language == language
    code = signin_code_of(notice=notice)
    assert code is not None
    page.fill("#id_code", "000000" if code != "000000" else "111111")
    submit(page)
    assert text["wrong"] in page.locator("#errors").inner_text()
    shot("code-wrong")
    page.fill("#id_code", code)
    shot("code")
    submit(page)

    # No group yet: straight to registering the principal, with consent.
    assert page.url.endswith("/group/register")
    shot("register")
    page.fill("#id_given_names", "Rosa Elena")
    submit(page)  # everything else missing
    assert text["problem"] in page.locator("#errors").inner_text()
    assert text["family"] in page.locator("#id_family_names_error").inner_text()
    assert page.input_value("#id_given_names") == "Rosa Elena"
    expect(page.locator("#errors")).to_be_focused()  # autofocus: no script needed
    shot("register-errors")
    fill_person(
        page,
        given="Rosa Elena",
        family="Martínez Soto",
        day="17",
        month="3",
        year="1990",
        nationality="HN" if language == "es" else "HT",
        document=("passport", f"P{language.upper()}{int(javascript)}4455"),
    )
    page.check("#id_consent")
    submit(page)
    assert page.url.endswith("/group")
    assert text["dob"] in page.locator(".cards").inner_text()
    shot("group-registered")

    # Two more people.
    for given, relationship, year in (("Luis", "child", "2015"), ("Marta", "sibling", "1994")):
        page.locator("a.btn[href='/group/members/new']").click()
        fill_person(
            page,
            given=given,
            family="Martínez",
            day="2",
            month="7",
            year=year,
            nationality="HN",
            relationship=relationship,
        )
        shot(f"add-{given.lower()}")
        submit(page)
        assert page.url.endswith("/group")
    assert page.locator(".cards > li").count() == 3
    shot("group-of-three")

    members = {m.given_names: m for m in Member.objects.all() if m.family_names.startswith("Martínez")}
    luis, marta = members["Luis"], members["Marta"]

    # Correct Luis's name.
    page.locator(f"#member-{luis.pk} a[href='/group/members/{luis.pk}']").click()
    assert page.input_value("#id_given_names") == "Luis"
    page.fill("#id_given_names", "Luis Alberto")
    shot("edit-luis")
    submit(page)
    assert "Luis Alberto Martínez" in page.locator(f"#member-{luis.pk}").inner_text()

    # Remove Marta: with JavaScript the question opens in place (htmx); without, on its own page.
    page.locator(f"#member-{marta.pk} a[href$='/remove']").click()
    if javascript:
        page.locator(f"#member-{marta.pk} #confirm").wait_for()
        assert page.url.endswith("/group")
    else:
        assert page.url.endswith(f"/group/members/{marta.pk}/remove")
    shot("remove-marta")
    page.locator(f"form[action='/group/members/{marta.pk}/remove'] button").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/group")
    assert page.locator(".cards > li").count() == 2
    assert text["people"] in page.locator(".size").inner_text()
    shot("group-after-removal")

    owner = Member.objects.get(pk=luis.pk).applicant
    assert sorted(m.given_names for m in owner.members.all()) == ["Luis Alberto", "Rosa Elena"]
    assert owner.language == language
    assert Consent.objects.get(applicant=owner).language == language

    # Sign out: the next person on this phone starts clean.
    page.locator("nav a[href='/profile']").click()
    shot("profile")
    page.click("form[action='/signout'] button")
    shot("signed-out")
    page.goto("/group")
    assert "/signin" in page.url
    assert not [line for line in console if "error" in line or "Security Policy" in line], console
