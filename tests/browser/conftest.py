"""Real Debian Chromium through Playwright, against a live server that serves static files like production.

Fixtures for the applicant pages (reuse them for new pages):
- `live_server`: pytest-django's live server, but static files are collected once into a temporary
  STATIC_ROOT with whitenoise's CompressedManifestStaticFilesStorage and served by WhiteNoise (hashed
  names, gzip/brotli, year-long cache), HTML compressed by GZipMiddleware: what a phone downloads in
  production.
- `browser`, `page` (a fresh 360×640 page), `phone` (a factory of 360×640 contexts: language, JavaScript
  on or off, signed in as an applicant or an NGO worker), `artifacts` (screenshots folder, git-ignored).
- `tests.browser.a11y.assert_accessible(page)`: axe-core, no serious or critical violation.
- `tests.browser.budget.measure(page, action)`: bytes transferred for one navigation, every subresource.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 640}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test itself
    # (building data) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def production_static(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Settings that serve collected, hashed and precompressed static files; collectstatic runs once."""
    root = tmp_path_factory.mktemp("static")
    overrides = override_settings(
        STATIC_ROOT=str(root),
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    )
    with overrides:
        call_command("collectstatic", interactive=False, verbosity=0)
    return overrides


def _no_static_handler(application: Any) -> Any:
    # pytest-django wraps the server in Django's StaticFilesHandler (finders, uncompressed); production
    # has WhiteNoise in the middleware instead, which is what the tests must see.
    return application


@pytest.fixture(scope="session")
def live_server(production_static: Any) -> Iterator[Any]:
    """The live server, started with production static settings so WhiteNoise indexes STATIC_ROOT."""
    from pytest_django.live_server_helper import LiveServer

    production_static.enable()
    try:
        server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost", start=False)
        server.thread.static_handler = _no_static_handler  # type: ignore[assignment]
        server.start()
    finally:
        production_static.disable()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _production_static_in_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """While a live-server test runs, `{% static %}` names the hashed files WhiteNoise serves."""
    if "live_server" not in request.fixturenames:
        yield
        return
    overrides = request.getfixturevalue("production_static")
    overrides.enable()
    try:
        yield
    finally:
        overrides.disable()


def _session_cookie(live_server: Any, client: Client) -> dict[str, Any]:
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Makes 360×640 browser contexts: `phone(language="ht", javascript=False, applicant=a)` or
    `phone(ngo=user, acting_for=a)`. Each context starts with no cache and no cookies but these. The
    Content-Security-Policy is bypassed (for axe-core) unless `enforce_csp=True`."""
    contexts: list[Any] = []

    def make(
        *,
        language: str = "es",
        javascript: bool = True,
        applicant: Any = None,
        ngo: Any = None,
        acting_for: Any = None,
        enforce_csp: bool = False,
    ) -> Any:
        context = browser.new_context(
            viewport=PHONE,
            base_url=live_server.url,
            java_script_enabled=javascript,
            locale=language,
            extra_http_headers={"Accept-Language": language},
            # axe-core is injected by the tests, which the pages' Content-Security-Policy would refuse;
            # journeys enforce it (and fail on any violation the console reports).
            bypass_csp=not enforce_csp,
        )
        contexts.append(context)
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        if applicant is not None or ngo is not None:
            from cita.core.middleware import SESSION_ACTING_FOR
            from tests.conftest import sign_in_applicant, sign_in_staff

            client = Client()
            if ngo is not None:
                sign_in_staff(client, ngo)
                if acting_for is not None:
                    session = client.session
                    session[SESSION_ACTING_FOR] = acting_for.pk
                    session.save()
            else:
                sign_in_applicant(client, applicant)
            context.add_cookies([_session_cookie(live_server, client)])
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(phone: Callable[..., Any]) -> Any:
    """A fresh 360×640 page (no shared cookies) with a base URL on the live server."""
    return phone(language="en").new_page()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
