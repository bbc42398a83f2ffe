"""Shared caches (issue 14, item 8): a page sent `public, max-age` carries nothing per user. The anonymous
transparency page has no CSRF token and sets no CSRF cookie (a shared cache would hand one visitor's token
and cookie to everyone); its language switch works without one. Signed in, the switch needs the token.
Through the full middleware (CSRF checks on)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from cita.registrations.models import Applicant
from tests.conftest import csrf_post, sign_in_applicant
from tests.factories.registrations import registered_group

pytestmark = pytest.mark.django_db


def test_the_anonymous_transparency_page_is_cacheable_and_carries_no_token_or_cookie():
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/transparency/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "public, max-age=60"
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert settings.CSRF_COOKIE_NAME not in page.cookies
    assert "Set-Cookie" not in page.headers


def test_the_anonymous_language_switch_works_without_a_token():
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/language", {"language": "es", "next": "/transparency/"})
    assert response.status_code == 302
    assert response["Location"] == "/transparency/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert 'lang="es"' in client.get("/transparency/").content.decode()


def test_signed_in_the_language_switch_needs_the_token():
    group = registered_group(language="en")
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_applicant(client, group)
    assert client.post("/language", {"language": "ht", "next": "/"}).status_code == 403
    assert Applicant.objects.get(pk=group.pk).language == "en"
    page = client.get("/transparency/")
    assert "no-store" in page["Cache-Control"]
    assert "csrfmiddlewaretoken" in page.content.decode()
    response = csrf_post(client, "/language", {"language": "ht", "next": "/"}, page="/transparency/")
    assert response.status_code == 302
    assert Applicant.objects.get(pk=group.pk).language == "ht"
