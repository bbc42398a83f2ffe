import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from cita.core import crypto
from cita.core.crypto import new_key_ring_entry
from cita.registrations.errors import (
    ConsentMissing,
    DuplicatePerson,
    GroupTooLarge,
    InvalidContact,
    InvalidMember,
)
from cita.registrations.models import Applicant, Consent, Member
from cita.registrations.services import (
    applicant_get_or_create,
    group_register,
    member_add,
    member_remove,
    member_update,
)
from tests.factories.registrations import actor_for, applicant, member_input, registered_group

pytestmark = pytest.mark.django_db


def test_registering_a_group_records_the_principal_and_the_consent():
    row = applicant(language="ht")
    member = group_register(
        actor=actor_for(row),
        applicant=row,
        principal=member_input(),
        consent_given=True,
        consent_language="ht",
    )
    assert member.relationship == "self"
    consent = Consent.objects.get(applicant=row)
    assert (consent.language, consent.text_version, consent.recorded_by) == (
        "ht",
        "2026-11",
        f"applicant:{row.pk}",
    )


def test_a_group_is_not_registered_without_consent():
    row = applicant()
    with pytest.raises(ConsentMissing):
        group_register(
            actor=actor_for(row),
            applicant=row,
            principal=member_input(),
            consent_given=False,
            consent_language="es",
        )
    assert not Member.objects.exists()


def test_the_same_document_cannot_be_registered_in_a_second_group():
    registered_group(document_number="VE-1234 5678")
    other = applicant()
    with pytest.raises(DuplicatePerson) as caught:
        group_register(
            actor=actor_for(other),
            applicant=other,
            principal=member_input(document_number="ve12345678", given_names="Someone Else"),
            consent_given=True,
            consent_language="es",
        )
    # The message helps, and gives away nothing about who holds the document.
    assert "already registered" in caught.value.message
    assert "Ana" not in caught.value.message
    assert caught.value.field == "document_number"
    assert Member.objects.count() == 1


def test_the_same_document_cannot_be_added_twice_to_one_group():
    group = registered_group(document_number="X1234567")
    with pytest.raises(DuplicatePerson):
        member_add(
            actor=actor_for(group),
            applicant=group,
            member=member_input(relationship="child", document_number="x 1234567"),
        )


def test_a_group_stops_at_the_size_limit(settings):
    settings.CITA_GROUP_SIZE_LIMIT = 3
    group = registered_group(size=3)
    with pytest.raises(GroupTooLarge, match="at most 3"):
        member_add(actor=actor_for(group), applicant=group, member=member_input(relationship="child"))
    assert group.members.count() == 3


def test_a_second_principal_is_refused():
    group = registered_group()
    with pytest.raises(InvalidMember):
        member_add(actor=actor_for(group), applicant=group, member=member_input(relationship="self"))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_names": " "}, "given_names"),
        ({"nationality": "XX"}, "nationality"),
        ({"date_of_birth": dt.date(2999, 1, 1)}, "date_of_birth"),
        ({"document_type": ""}, "document_type"),
        ({"document_number": "a"}, "document_number"),
        ({"relationship": "cousin"}, "relationship"),
    ],
)
def test_bad_member_details_name_the_field(overrides, field):
    group = registered_group()
    with pytest.raises(InvalidMember) as caught:
        member_add(
            actor=actor_for(group),
            applicant=group,
            member=member_input(**{"relationship": "child", **overrides}),
        )
    assert caught.value.field == field


def test_members_can_be_changed_and_removed_but_not_the_principal():
    group = registered_group(size=2)
    child = group.members.get(relationship="child")
    member_update(
        actor=actor_for(group), member=child, data=member_input(relationship="child", given_names="Luis")
    )
    assert Member.objects.get(pk=child.pk).given_names == "Luis"
    member_remove(actor=actor_for(group), member=child)
    with pytest.raises(InvalidMember):
        member_remove(actor=actor_for(group), member=group.members.get())


def test_contacts_are_normalised_and_the_same_contact_finds_the_same_applicant():
    first = applicant_get_or_create(phone="+52 (664) 123-4567", language="fr")
    again = applicant_get_or_create(phone="0052 664 1234567", language="es")
    assert first.pk == again.pk
    assert Applicant.objects.get(pk=first.pk).phone == "+526641234567"
    by_email = applicant_get_or_create(email=" Ana@Example.ORG ", language="pt")
    assert applicant_get_or_create(email="ana@example.org", language="pt").pk == by_email.pk


@pytest.mark.parametrize(("phone", "email"), [("12345", None), (None, "not-an-email"), (None, None)])
def test_bad_contacts_are_refused(phone, email):
    with pytest.raises(InvalidContact):
        applicant_get_or_create(phone=phone, email=email, language="es")


def test_personal_data_is_not_readable_in_the_database():
    group = registered_group(
        given_names="Wilson",
        family_names="Desir",
        document_number="HT998877",
        date_of_birth=dt.date(1985, 3, 9),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registrations_member")
        member_rows = repr(cursor.fetchall())
        cursor.execute("SELECT * FROM registrations_applicant")
        applicant_rows = repr(cursor.fetchall())
    for plaintext in ("Wilson", "Desir", "HT998877", "1985-03-09"):
        assert plaintext not in member_rows
    assert Applicant.objects.get(pk=group.pk).phone not in applicant_rows
    # …while the application reads them back.
    principal = Member.objects.get(applicant=group)
    assert (principal.given_names, principal.document_number) == ("Wilson", "HT998877")
    assert principal.date_of_birth == dt.date(1985, 3, 9)


def test_rotating_the_data_key_reseals_every_value(settings, monkeypatch):
    group = registered_group(given_names="Rose")
    old = settings.CITA_DATA_KEY
    new_ring = f"{new_key_ring_entry('r2')},{old}"
    monkeypatch.setattr(settings, "CITA_DATA_KEY", new_ring)
    crypto.reset_key_cache()
    try:
        call_command("rotate_data_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
        with connection.cursor() as cursor:
            cursor.execute("SELECT given_names, document_number FROM registrations_member")
            for given, document in cursor.fetchall():
                assert crypto.key_id_of(given) == "r2"
                assert crypto.key_id_of(document) == "r2"
        # Without the old key, everything still opens.
        monkeypatch.setattr(settings, "CITA_DATA_KEY", new_ring.split(",")[0])
        crypto.reset_key_cache()
        assert Member.objects.get(applicant=group).given_names == "Rose"
        assert Applicant.objects.get(pk=group.pk).phone.startswith("+52")
    finally:
        monkeypatch.setattr(settings, "CITA_DATA_KEY", old)
        crypto.reset_key_cache()
