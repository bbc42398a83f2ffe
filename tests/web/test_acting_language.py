"""An NGO worker acting for a resident sees the resident's pages in the resident's language, with that
language shown as theirs, and never the "sign in / we send you a code" box (issue 15, item 6)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from cita.core.middleware import SESSION_ACTING_FOR
from cita.registrations.models import Applicant
from tests.conftest import sign_in_staff
from tests.factories.registrations import ShelterFactory, registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_for_kreyol_resident(frozen_clock):
    shelter = ShelterFactory.create()
    resident = registered_group(size=1, language="ht")
    Applicant.objects.filter(pk=resident.pk).update(shelter=shelter)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"  # the worker reads Spanish
    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=shelter))
    session = client.session
    session[SESSION_ACTING_FOR] = resident.pk
    session.save()
    return client, resident


def test_the_residents_pages_are_in_the_residents_language_and_show_it_selected(worker_for_kreyol_resident):
    client, _ = worker_for_kreyol_resident
    profile = client.get("/profile")
    assert profile["Content-Language"] == "ht"
    html = profile.content.decode()
    assert '<option value="ht" lang="ht" selected>' in html
    assert '<option value="es" lang="es" selected>' not in html
    assert client.get("/draw/")["Content-Language"] == "ht"
    # The staff console stays as it was (English, whatever the resident reads).
    assert client.get("/staff/ngo/")["Content-Language"] != "ht"


def test_acting_for_a_resident_the_home_page_has_no_sign_in_box(worker_for_kreyol_resident):
    client, _ = worker_for_kreyol_resident
    html = client.get("/").content.decode()
    assert 'href="/signin"' not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="/draw/"' in html
