import pytest
from django.test import Client

from cita.core.middleware import SESSION_ACTING_FOR
from cita.notifications.models import Notice
from cita.notifications.selectors import signin_code_of
from cita.registrations.models import Applicant, Consent, Member
from tests.conftest import sign_in_applicant, sign_in_staff
from tests.factories.registrations import ShelterFactory, applicant, registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

PERSON = {
    "given_names": "Rosa",
    "family_names": "Soto",
    "dob_day": "17",
    "dob_month": "3",
    "dob_year": "1990",
    "nationality": "HN",
    "document_type": "",
    "document_number": "",
}


def signed_in(row: Applicant, language: str = "es") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    sign_in_applicant(client, row)
    return client


def test_registering_needs_consent_and_keeps_what_was_typed():
    row = applicant(language="es")
    client = signed_in(row)
    page = client.post("/group/register", PERSON).content.decode()
    assert "Debe aceptar antes de que podamos guardar sus datos." in page
    assert 'id="id_consent_error"' in page
    assert 'value="Rosa"' in page
    assert 'value="17"' in page
    assert '<option value="3" selected>marzo</option>' in page
    assert not Member.objects.exists()


def test_registering_records_the_principal_and_the_consent_in_the_pages_language():
    row = applicant(language="ht")
    client = signed_in(row, "ht")
    response = client.post("/group/register", {**PERSON, "consent": "on"})
    assert response["Location"] == "/group"
    principal = Member.objects.get(applicant=row)
    assert (principal.relationship, principal.given_names) == ("self", "Rosa")
    consent = Consent.objects.get(applicant=row)
    assert (consent.language, consent.text_version) == ("ht", "2026-11")


def test_an_impossible_date_is_one_error_beside_the_date_of_birth():
    client = signed_in(registered_group())
    data = {**PERSON, "relationship": "child", "dob_day": "31", "dob_month": "2", "dob_year": "2016"}
    page = client.post("/group/members/new", data).content.decode()
    assert page.count("Esa fecha no existe. Revise el día y el mes.") == 2  # summary and beside the field
    assert 'id="dob_error"' in page
    assert 'aria-describedby="dob_hint dob_error"' in page


def test_a_document_already_registered_is_reported_on_the_document_number():
    registered_group(document_number="X1234567")
    client = signed_in(registered_group())
    data = {**PERSON, "relationship": "child", "document_type": "passport", "document_number": "x-123 4567"}
    page = client.post("/group/members/new", data).content.decode()
    assert 'id="id_document_number_error"' in page
    assert "Este documento ya está registrado en cita." in page


def test_the_group_page_shows_the_size_against_the_limit(settings):
    settings.CITA_GROUP_SIZE_LIMIT = 2
    client = signed_in(registered_group(size=2))
    page = client.get("/group").content.decode()
    assert "2 personas" in page
    assert "como máximo 2" in page
    assert 'href="/group/members/new"' not in page
    assert client.post("/group/members/new", {**PERSON, "relationship": "child"}).status_code == 200
    assert Member.objects.count() == 2


def test_editing_and_removing_change_only_the_callers_own_group():
    mine, theirs = registered_group(size=2), registered_group(size=2)
    client = signed_in(mine)
    their_child = theirs.members.exclude(relationship="self").get()
    assert client.get(f"/group/members/{their_child.pk}").status_code == 404
    assert client.post(f"/group/members/{their_child.pk}/remove").status_code == 404
    my_child = mine.members.exclude(relationship="self").get()
    data = {**PERSON, "relationship": "child", "given_names": "Luisa"}
    assert client.post(f"/group/members/{my_child.pk}", data)["Location"] == "/group"
    assert Member.objects.get(pk=my_child.pk).given_names == "Luisa"
    assert client.post(f"/group/members/{my_child.pk}/remove")["Location"] == "/group"
    assert not Member.objects.filter(pk=my_child.pk).exists()
    assert Member.objects.filter(pk=their_child.pk).exists()


def test_the_principal_cannot_be_removed():
    group = registered_group()
    principal = group.members.get()
    client = signed_in(group)
    assert "no se puede quitar" in client.get(f"/group/members/{principal.pk}/remove").content.decode()
    page = client.post(f"/group/members/{principal.pk}/remove").content.decode()
    assert "no se puede quitar" in page
    assert Member.objects.filter(pk=principal.pk).exists()


def ngo_client(shelter, resident=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=shelter))
    if resident is not None:
        session = client.session
        session[SESSION_ACTING_FOR] = resident.pk
        session.save()
    return client


def test_an_ngo_worker_sees_whom_they_are_helping():
    shelter = ShelterFactory.create()
    resident = registered_group(given_names="Jean", family_names="Pierre")
    resident.shelter = shelter
    resident.save()
    page = ngo_client(shelter, resident).get("/group").content.decode()
    assert "Está ayudando a Jean Pierre." in page
    assert "Jean Pierre" in page


def test_an_ngo_worker_records_consent_for_the_resident_as_the_worker():
    shelter = ShelterFactory.create()
    resident = applicant()
    resident.shelter = shelter
    resident.save()
    client = ngo_client(shelter, resident)
    page = client.get("/group/register").content.decode()
    assert "o yo se lo leí" in page
    assert client.post("/group/register", {**PERSON, "consent": "on"})["Location"] == "/group"
    assert Consent.objects.get(applicant=resident).recorded_by.startswith("ngo:")


def test_an_ngo_worker_cannot_reach_a_resident_of_another_shelter():
    resident = registered_group()
    resident.shelter = ShelterFactory.create()
    resident.save()
    client = ngo_client(ShelterFactory.create(), resident)
    assert client.get("/group").status_code == 404


def test_an_ngo_worker_without_a_resident_is_sent_to_choose_one():
    assert ngo_client(ShelterFactory.create()).get("/group")["Location"] == "/staff/"


def test_a_new_contact_counts_only_once_its_code_comes_back():
    group = registered_group()
    client = signed_in(group)
    assert (
        client.post("/profile/contact", {"contact": "Nuevo@Example.org"})["Location"]
        == "/profile/contact/confirm"
    )
    assert Applicant.objects.get(pk=group.pk).email is None
    new, current = Notice.objects.order_by("-id")[:2]
    assert (new.address, new.address_kind) == ("nuevo@example.org", "email")
    assert current.address_kind == "sms"  # the phone the account has proves it is the owner
    codes = {"code": signin_code_of(notice=new), "current_code": signin_code_of(notice=current)}
    assert client.post("/profile/contact/confirm", codes)["Location"] == "/profile?saved=1"
    assert Applicant.objects.get(pk=group.pk).email == "nuevo@example.org"
    # Now the phone can go, once its code comes back; the email stays.
    assert (
        client.post("/profile/contact/remove", {"which": "phone"})["Location"] == "/profile/contact/confirm"
    )
    assert Applicant.objects.get(pk=group.pk).phone is not None
    phone_code = signin_code_of(notice=Notice.objects.filter(kind="signin_code").latest("id"))
    confirmed = client.post("/profile/contact/confirm", {"current_code": phone_code})
    assert confirmed["Location"] == "/profile?saved=1"
    assert Applicant.objects.get(pk=group.pk).phone is None
    page = client.post("/profile/contact/remove", {"which": "email"}).content.decode()
    assert "Escriba un número de teléfono o un correo electrónico." in page
    assert Applicant.objects.get(pk=group.pk).email == "nuevo@example.org"
