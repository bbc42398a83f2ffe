"""Contact takeover (issue 14, item 4): changing the phone or email needs a code sent to the current
contact (or an NGO worker's audited attestation); the old contact is told; every other session ends;
applicant sessions end after CITA_APPLICANT_IDLE_HOURS idle; signed-in pages are never cached. Through
the full middleware (CSRF checks on)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.core.middleware import SESSION_ACTING_FOR
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.registrations.models import Applicant
from tests.conftest import csrf_post, sign_in_applicant, sign_in_staff
from tests.factories.registrations import ShelterFactory, registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def browser(row: Applicant) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    sign_in_applicant(client, row)
    return client


def code_to(kind_address: str) -> str:
    notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE, address_kind=kind_address).latest("id")
    code = signin_code_of(notice=notice)
    assert code is not None
    return code


def test_replacing_the_phone_with_an_email_needs_the_phones_code(frozen_clock):
    victim = registered_group()
    phone = victim.phone
    thief, other = browser(victim), browser(victim)
    assert (
        csrf_post(thief, "/profile/contact", {"contact": "thief@example.org"}, page="/profile").status_code
        == 302
    )
    # Proving only the new email is not enough.
    page = csrf_post(thief, "/profile/contact/confirm", {"code": code_to("email"), "current_code": "000000"})
    assert page.status_code == 200
    assert Applicant.objects.get(pk=victim.pk).email is None
    # The phone is the only contact: it cannot be removed (and removing one needs its own code).
    assert csrf_post(thief, "/profile/contact/remove", {"which": "phone"}, page="/profile").status_code == 400
    assert Applicant.objects.get(pk=victim.pk).phone == phone
    assert other.get("/group").status_code == 200  # nothing changed: the owner's session goes on


def test_a_proven_change_tells_the_old_contact_and_ends_every_other_session(frozen_clock):
    owner = registered_group()
    phone = owner.phone
    here, elsewhere = browser(owner), browser(owner)
    csrf_post(here, "/profile/contact", {"contact": "+52 664 765 4321"}, page="/profile")
    new_code = signin_code_of(notice=Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id"))
    old_code = signin_code_of(notice=Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).order_by("-id")[1])
    assert new_code
    assert old_code
    codes = {"code": new_code, "current_code": old_code}
    response = csrf_post(here, "/profile/contact/confirm", codes)
    assert response["Location"] == "/profile?saved=1"
    assert Applicant.objects.get(pk=owner.pk).phone == "+526647654321"
    told = Notice.objects.get(kind=NoticeKind.CONTACT_CHANGED)
    assert (told.address, told.address_kind, told.applicant_id) == (phone, "sms", None)
    assert here.get("/group").status_code == 200  # this session goes on
    assert elsewhere.get("/group").status_code == 302  # every other one ended
    assert AuditEvent.objects.filter(
        action="applicant.contact_change_proven", object_id=str(owner.pk)
    ).exists()


def test_an_ngo_worker_may_attest_instead_of_the_old_contact(frozen_clock):
    shelter = ShelterFactory.create()
    resident = registered_group(language="en")  # an NGO worker acting sees the resident's language
    Applicant.objects.filter(pk=resident.pk).update(shelter=shelter)
    ngo = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_staff(ngo, StaffFactory.create(role="ngo", shelter=shelter))
    session = ngo.session
    session[SESSION_ACTING_FOR] = resident.pk
    session.save()
    csrf_post(ngo, "/profile/contact", {"contact": "+52 664 765 0000"}, page="/profile")
    new_code = signin_code_of(notice=Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id"))
    refused = csrf_post(ngo, "/profile/contact/confirm", {"code": new_code})
    assert refused.status_code == 200
    assert "First type the code we sent to your current phone or email." in refused.content.decode()
    # The refusal counted no try of the new code: with the attestation it goes through.
    response = csrf_post(ngo, "/profile/contact/confirm", {"code": new_code or "", "attest": "on"})
    assert response["Location"] == "/profile?saved=1"
    assert Applicant.objects.get(pk=resident.pk).phone == "+526647650000"
    attested = AuditEvent.objects.get(action="applicant.contact_change_attested")
    assert attested.actor.startswith("ngo:")


def test_an_applicant_session_ends_after_a_day_without_use(frozen_clock, settings):
    settings.CITA_APPLICANT_IDLE_HOURS = 24
    client = browser(registered_group())
    assert client.get("/group").status_code == 200
    frozen_clock.set(frozen_clock.now() + dt.timedelta(hours=23))
    assert client.get("/group").status_code == 200  # used: the clock starts again
    frozen_clock.set(frozen_clock.now() + dt.timedelta(hours=24, minutes=1))
    assert client.get("/group").status_code == 302


def test_signed_in_pages_are_never_cached_and_public_ones_only_for_anonymous_callers(frozen_clock):
    client = browser(registered_group())
    for path in ("/group", "/profile", "/draw/", "/messages", "/transparency/"):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path
        assert "public" not in response["Cache-Control"], path
    anonymous = Client().get("/transparency/")
    assert "no-store" not in anonymous.get("Cache-Control", "")
