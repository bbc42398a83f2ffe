"""Every applicant page (tests/browser/applicant_pages.py), in each of the five languages: at most 30 KB
transferred with an empty cache (CSS and scripts included), nothing from other sites, no web fonts, no big
images, and no serious or critical axe-core violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.a11y import assert_accessible
from tests.browser.applicant_pages import VISITS, open_as, world
from tests.browser.budget import PAGE_BUDGET, measure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def size_table(artifacts_dir: Path) -> Iterator[None]:
    """Writes the measured sizes to test-artifacts/page-sizes.tsv, largest first."""
    yield
    if SIZES:
        rows = sorted(SIZES.items(), key=lambda item: -item[1])
        (artifacts_dir / "page-sizes.tsv").write_text("".join(f"{size}\t{name}\n" for name, size in rows))


@pytest.fixture(scope="module")
def artifacts_dir() -> Path:
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize("visit", VISITS, ids=lambda visit: visit.name)
def test_the_page_is_small_self_contained_and_accessible(phone, visit, language, artifacts, frozen_clock):
    data = world(language, frozen_clock)
    page = open_as(phone, visit, data, language=language)
    visit.setup(page, data)
    transfer = measure(page, lambda: visit.act(page, data))
    SIZES[f"{visit.name} ({language})"] = transfer.total
    document = transfer.resources[-1] if transfer.resources else None
    assert document is not None
    assert page.locator("html").get_attribute("lang") == language
    # At 360 px nothing scrolls sideways (issue 15, item 8).
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, visit.name
    assert transfer.total <= PAGE_BUDGET, transfer.report()
    assert not transfer.third_party, transfer.report()
    assert not transfer.oversized_images(), transfer.report()
    assert not [r for r in transfer.resources if r.kind == "font"], transfer.report()
    # Static files and pages arrive compressed.
    uncompressed = [
        r.url for r in transfer.resources if r.kind in {"stylesheet", "script"} and not r.encoding
    ]
    assert not uncompressed, transfer.report()
    # Static files are fingerprinted and cached for a year: a second page costs only its HTML.
    short_lived = [
        r.url for r in transfer.resources if "/static/" in r.url and "immutable" not in r.cache_control
    ]
    assert not short_lived, transfer.report()
    assert_accessible(page)
    (artifacts / "pages").mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "pages" / f"{visit.name}-{language}.png"), full_page=True)
