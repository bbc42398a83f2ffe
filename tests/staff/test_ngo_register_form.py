"""The NGO registration form works for the worker (issue 15, item 7): the consent text to read to the
resident is on the page in every language, the resident's language has no default, and the date field
shows the year-month-day its hint asks for."""

from __future__ import annotations

import pytest
from django.test import Client

from cita.registrations.models import Applicant
from tests.conftest import sign_in_staff
from tests.factories.registrations import ShelterFactory
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

REGISTER = {
    "phone": "",
    "email": "",
    "given_names": "Jean",
    "family_names": "Baptiste",
    "date_of_birth": "1988-02-03",
    "nationality": "HT",
    "document_type": "",
    "document_number": "",
    "consent": "on",
}


@pytest.fixture
def client(frozen_clock):
    client = Client()
    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=ShelterFactory.create()))
    return client


def test_the_form_shows_the_consent_text_in_every_language_and_no_language_chosen_for_the_resident(client):
    html = client.get("/staff/ngo/register").content.decode()
    assert '<details lang="ht">' in html
    assert "Lè ou di wi, sa pa chanje chans ou, epi cita pa deside dosye azil ou." in html
    assert "Saying yes does not change your chances" in html  # the English one too
    assert 'href="/privacy"' in html
    select = html.split('name="language"', 1)[1].split("</select>", 1)[0]
    assert 'value="" selected' in select
    assert 'value="en" selected' not in select
    field = (
        html.split('name="date_of_birth"', 1)[0].rsplit("<input", 1)[1]
        + html.split('name="date_of_birth"', 1)[1].split(">", 1)[0]
    )
    assert 'type="date"' not in field
    assert 'placeholder="YYYY-MM-DD"' in field


def test_a_resident_is_not_registered_without_a_language(client):
    response = client.post("/staff/ngo/register", REGISTER)
    assert response.status_code == 200
    assert not Applicant.objects.exists()
    assert client.post("/staff/ngo/register", {**REGISTER, "language": "ht"}).status_code == 302
    assert Applicant.objects.get().language == "ht"
