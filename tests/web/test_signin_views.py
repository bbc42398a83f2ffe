import re

import pytest
from django.conf import settings
from django.test import Client

from cita.core.middleware import SESSION_APPLICANT, SESSION_EPOCH
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.registrations.models import Applicant
from tests.conftest import sign_in_applicant
from tests.factories.registrations import applicant, registered_group

pytestmark = pytest.mark.django_db


def ask_code(client: Client, contact: str, language: str = "es"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post("/signin", {"contact": contact, "next": "/group"})


def last_code() -> str:
    code = signin_code_of(notice=Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id"))
    assert code is not None
    return code


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_known_and_an_unknown_number_see_exactly_the_same_pages():
    applicant(phone="+526641110001")
    known, unknown = Client(), Client()
    assert ask_code(known, "+52 664 111 0001")["Location"] == "/signin/code"
    assert ask_code(unknown, "+52 664 222 0001")["Location"] == "/signin/code"
    # Same masked tail (+52 ••• 0001): the pages may differ in nothing but the CSRF token.
    assert without_tokens(known.get("/signin/code").content.decode()) == without_tokens(
        unknown.get("/signin/code").content.decode()
    )


def test_the_right_code_starts_a_new_session_for_a_new_applicant():
    client = Client()
    ask_code(client, "+52 664 333 0001", language="ht")
    before = client.session.session_key
    response = client.post("/signin/code", {"code": last_code()})
    assert response.status_code == 302
    assert response["Location"] == "/group"
    created = Applicant.objects.get()
    assert created.language == "ht"
    assert client.session[SESSION_APPLICANT] == created.pk
    assert client.session[SESSION_EPOCH] == created.session_epoch
    assert client.session.session_key != before
    assert client.get("/group")["Location"] == "/group/register"


def test_a_wrong_code_is_explained_beside_the_field_in_the_readers_language():
    client = Client()
    ask_code(client, "+52 664 333 0002", language="ht")
    wrong = "000000" if last_code() != "000000" else "111111"
    page = client.post("/signin/code", {"code": wrong}).content.decode()
    assert 'id="id_code_error"' in page
    assert "Kòd sa a pa bon. Ou ka eseye 4 fwa ankò." in page
    assert 'aria-invalid="true"' in page
    assert not Applicant.objects.exists()


def test_too_many_codes_are_refused_on_the_contact_field(settings):
    client = Client()
    for _ in range(3):
        ask_code(client, "+52 664 333 0003")
    page = ask_code(client, "+52 664 333 0003").content.decode()
    assert "Pidió demasiados códigos" in page
    assert 'id="id_contact_error"' in page
    assert "+52 664 333 0003" in page  # what was typed stays in the field


def test_asking_for_a_new_code_makes_the_old_one_useless():
    client = Client()
    ask_code(client, "+52 664 333 0004")
    first = last_code()
    page = client.post("/signin/resend").content.decode()
    assert "Solo sirve el más reciente" in page
    second = last_code()
    if first != second:
        assert "no es correcto" in client.post("/signin/code", {"code": first}).content.decode()
    assert client.post("/signin/code", {"code": second}).status_code == 302


def test_the_code_page_without_a_code_asked_for_points_back_to_the_first_step():
    page = Client().get("/signin/code", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'href="/signin"' in page
    assert "Primero pida un código" in page


def test_signing_in_goes_back_to_the_page_asked_for_but_never_to_another_site():
    client = Client()
    client.post("/signin", {"contact": "+52 664 333 0005", "next": "https://evil.example/"})
    assert (
        client.post("/signin/code", {"code": last_code()})["Location"] == "/start"
    )  # the landing, never another site
    other = Client()
    other.post("/signin", {"contact": "+52 664 333 0006", "next": "/profile"})
    assert other.post("/signin/code", {"code": last_code()})["Location"] == "/profile"


def test_signing_out_ends_this_session_only():
    group = registered_group()
    here, there = Client(), Client()
    sign_in_applicant(here, group)
    sign_in_applicant(there, group)
    response = here.post("/signout")
    assert response.status_code == 200
    assert "/signin" in here.get("/group")["Location"]
    assert there.get("/group").status_code == 200


def test_signing_out_everywhere_ends_every_session():
    group = registered_group()
    here, there = Client(), Client()
    sign_in_applicant(here, group)
    sign_in_applicant(there, group)
    here.post("/signout/everywhere")
    assert "/signin" in there.get("/group")["Location"]
    assert "/signin" in here.get("/group")["Location"]
