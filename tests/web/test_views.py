import pytest
from django.test import Client

from cita.registrations.models import Applicant
from cita.web.middleware import API_CONTENT_SECURITY_POLICY
from tests.conftest import sign_in_applicant
from tests.factories.registrations import registered_group

pytestmark = pytest.mark.django_db

HEADINGS = {
    "en": "Ask for an appointment at the border",
    "es": "Pida una cita en la frontera",
    "ht": "Mande yon randevou nan fwontyè a",
    "fr": "Demandez un rendez-vous à la frontière",
    "pt": "Peça um agendamento na fronteira",
}


@pytest.mark.parametrize(("language", "heading"), HEADINGS.items())
def test_the_home_page_speaks_the_chosen_language(language, heading):
    client = Client()
    response = client.post("/language", {"language": language, "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert heading in page.content.decode()
    assert f'<html lang="{language}">' in page.content.decode()


def test_the_browser_language_is_used_until_a_choice_is_made():
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    assert HEADINGS["fr"] in page.content.decode()


def test_the_home_page_says_cita_does_not_decide_asylum():
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "cita does not decide your asylum case" in page


def test_a_signed_in_applicant_keeps_the_language_in_the_profile():
    group = registered_group(language="es")
    client = Client()
    sign_in_applicant(client, group)
    client.post("/language", {"language": "ht", "next": "/"})
    assert Applicant.objects.get(pk=group.pk).language == "ht"
    # A new device, no cookie: the profile decides.
    other = Client()
    sign_in_applicant(other, Applicant.objects.get(pk=group.pk))
    assert HEADINGS["ht"] in other.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_language_switch_does_not_redirect_to_other_sites():
    response = Client().post("/language", {"language": "es", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_unknown_page_is_a_404_in_the_callers_language():
    response = Client().get("/no-such-page", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()


def test_applicant_pages_allow_only_cita_itself_to_be_loaded():
    policy = Client().get("/signin")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "Content-Security-Policy" in Client().get("/no-such-page")
    # Not HTML: a policy that allows nothing (issue 14, item 10).
    assert Client().get("/healthz")["Content-Security-Policy"] == API_CONTENT_SECURITY_POLICY
