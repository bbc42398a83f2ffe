"""The accessibility helper fails when it should: a test that cannot fail proves nothing."""

import pytest

from tests.browser.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_axe_finds_an_unlabelled_field_and_low_contrast_text(page):
    page.goto("/")
    page.evaluate(
        """() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
          '<input type="text" name="x"><p style="color:#bbb;background:#fff">faint text</p>');
    }"""
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "label" in str(failure.value)
    assert "color-contrast" in str(failure.value)
