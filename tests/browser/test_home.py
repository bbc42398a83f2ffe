import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_opens_in_chromium_and_switches_language(page, artifacts):
    page.goto("/")
    assert page.locator("h1").inner_text() == "Ask for an appointment at the border"
    page.screenshot(path=str(artifacts / "home-en-360x640.png"), full_page=True)
    page.get_by_role("button", name="Kreyòl ayisyen").click()
    assert page.locator("h1").inner_text() == "Mande yon randevou nan fwontyè a"
    assert page.locator("html").get_attribute("lang") == "ht"
    page.screenshot(path=str(artifacts / "home-ht-360x640.png"), full_page=True)
