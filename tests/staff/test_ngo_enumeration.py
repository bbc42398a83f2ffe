"""Enumeration through the NGO console (issue 14, item 5): registering a resident with a phone or email
answers the same whether or not the contact belongs to an account. The resident is created without it, a
code goes to the contact, and only the code the resident received attaches it; a contact of another
account is named only then (its holder just proved it), audited, and limited per worker per day. Through
the full middleware (CSRF checks on)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.registrations.models import Applicant
from tests.conftest import csrf_post, sign_in_staff
from tests.factories.registrations import ShelterFactory, applicant
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

PERSON = {
    "email": "",
    "language": "es",
    "given_names": "Rosa",
    "family_names": "Mejía",
    "date_of_birth": "1990-04-05",
    "nationality": "HN",
    "document_type": "",
    "document_number": "",
    "consent": "on",
}
# Two numbers the masked form shows alike ("+52 ••• 1234"): one free, one of an account elsewhere.
FREE, TAKEN = "+526645551234", "+526645561234"


def worker_client():
    worker = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_staff(client, worker)
    return worker, client


def register(client, *, given_names: str, **contact: str):
    """POST the registration form; returns the response and the new resident."""
    response = csrf_post(client, "/staff/ngo/register", {**PERSON, "given_names": given_names, **contact})
    resident = Applicant.objects.order_by("-id").first()
    return response, resident


def code_sent_to(channel: str) -> str:
    notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE, address_kind=channel).latest("id")
    code = signin_code_of(notice=notice)
    assert code is not None
    return code


def normalised(html: str, resident: Applicant) -> str:
    """The page with what differs between any two registrations taken out: the CSRF token, the id."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(f"/residents/{resident.pk}/", "/residents/ID/")


def test_a_free_and_a_taken_contact_get_the_same_answer_and_the_same_message(frozen_clock):
    other = applicant(phone=TAKEN)
    _worker, client = worker_client()
    free, free_resident = register(client, given_names="Rosa", phone=FREE)
    free_notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id")
    free_page = client.get(free["Location"])
    taken, taken_resident = register(client, given_names="Marta", phone=TAKEN)
    taken_notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id")
    taken_page = client.get(taken["Location"])
    assert free.status_code == taken.status_code == 302
    assert free["Location"].replace(str(free_resident.pk), "ID") == taken["Location"].replace(
        str(taken_resident.pk), "ID"
    )
    assert free_page.status_code == taken_page.status_code == 200
    assert "We sent a code" in free_page.content.decode()
    assert normalised(free_page.content.decode(), free_resident) == normalised(
        taken_page.content.decode(), taken_resident
    )
    # Both residents exist, neither with the phone yet; the other account keeps its phone.
    assert free_resident.phone is None
    assert taken_resident.phone is None
    assert Applicant.objects.get(pk=other.pk).phone == TAKEN
    # The taken phone gets exactly the message the free one gets (a code, nobody's account behind it).
    for notice in (free_notice, taken_notice):
        assert notice.applicant_id is None
    assert (
        free_notice.kind,
        free_notice.address_kind,
        free_notice.language,
        sorted(free_notice.context),
    ) == (
        taken_notice.kind,
        taken_notice.address_kind,
        taken_notice.language,
        sorted(taken_notice.context),
    )
    assert not AuditEvent.objects.filter(action="resident.contact_in_use").exists()


def test_the_right_code_attaches_the_contact_and_a_wrong_one_does_not(frozen_clock):
    worker, client = worker_client()
    response, resident = register(client, given_names="Rosa", phone=FREE, email="rosa@example.org")
    page = response["Location"]
    right = code_sent_to("sms")
    wrong = "000000" if right != "000000" else "111111"
    refused = csrf_post(client, page, {"field": "phone", "code": wrong})
    assert refused.status_code == 400
    assert "That code is not right" in refused.content.decode()
    assert Applicant.objects.get(pk=resident.pk).phone is None
    proven = csrf_post(client, page, {"field": "phone", "code": right})
    assert proven.status_code == 302
    resident.refresh_from_db()
    assert resident.phone == FREE
    assert resident.phone_verified_at is not None
    assert resident.email is None  # its own code is still to come
    resident_page = client.get(f"/staff/ngo/residents/{resident.pk}/").content.decode()
    assert f'href="/staff/ngo/residents/{resident.pk}/contact"' in resident_page
    assert csrf_post(client, page, {"field": "email", "code": code_sent_to("email")}).status_code == 302
    resident.refresh_from_db()
    assert resident.email == "rosa@example.org"
    assert client.get(page)["Location"] == f"/staff/ngo/residents/{resident.pk}/"
    assert AuditEvent.objects.filter(action="resident.contact_proven", actor=f"ngo:{worker.pk}").count() == 2


def test_a_taken_contact_is_named_only_after_its_code_and_is_audited_and_limited(frozen_clock, settings):
    settings.CITA_NGO_CONTACT_CHECKS_PER_DAY = 2
    worker, client = worker_client()
    strangers = [applicant(phone=f"+5266455{n}1234") for n in (61, 62)]
    for n, stranger in enumerate(strangers):
        response, resident = register(client, given_names=f"Rosa {'AB'[n]}", phone=stranger.phone)
        page = client.get(response["Location"])
        assert "already belongs" not in page.content.decode()
        assert not AuditEvent.objects.filter(action="resident.contact_in_use").count() > n
        proven = csrf_post(client, response["Location"], {"field": "phone", "code": code_sent_to("sms")})
        assert proven.status_code == 302
        shown = client.get(proven["Location"], follow=True).content.decode()
        assert "already belongs to another account" in shown
        assert Applicant.objects.get(pk=resident.pk).phone is None
        assert Applicant.objects.get(pk=stranger.pk).phone == stranger.phone
    events = AuditEvent.objects.filter(action="resident.contact_in_use", actor=f"ngo:{worker.pk}")
    assert events.count() == 2
    assert all(set(e.data) == {"shelter", "field"} for e in events)  # never the phone itself
    assert all(s.phone not in str(e.data) for e in events for s in strangers)
    # Over the limit: a free number is refused exactly as a taken one, and that is audited too.
    before = Applicant.objects.count()
    taken, _resident = register(client, given_names="Rosa C", phone=strangers[0].phone)
    free, _resident = register(client, given_names="Rosa D", phone="+526645550199")
    assert taken.status_code == free.status_code == 200
    for response in (taken, free):
        assert "Too many phone numbers or emails" in response.content.decode()
    assert Applicant.objects.count() == before
    assert AuditEvent.objects.filter(action="resident.contact_limit", actor=f"ngo:{worker.pk}").count() == 2
    # Without a phone or email the worker can still register residents, at once.
    response, resident = register(client, given_names="Rosa E", phone="")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/ngo/residents/{resident.pk}/"


def test_a_new_code_replaces_the_first_one(frozen_clock):
    _worker, client = worker_client()
    response, resident = register(client, given_names="Rosa", email="rosa@example.org")
    page = response["Location"]
    first = code_sent_to("email")
    assert csrf_post(client, page, {"field": "email", "resend": "1"}).status_code == 302
    second = code_sent_to("email")
    if first != second:
        refused = csrf_post(client, page, {"field": "email", "code": first})
        assert refused.status_code == 400
        assert "That code is not right" in refused.content.decode()  # only the new code counts
    assert csrf_post(client, page, {"field": "email", "code": second}).status_code == 302
    assert Applicant.objects.get(pk=resident.pk).email == "rosa@example.org"


def test_a_worker_can_register_a_shelter_s_worth_of_residents_with_phones_in_a_quarter_hour(frozen_clock):
    """Each registration sends a code, limited per worker: the limit for a worker is the NGO one
    (`CITA_NGO_CODE_LIMIT`), not the five a quarter hour of one applicant's browser."""
    _worker, client = worker_client()
    for n in range(12):
        response, _resident = register(client, given_names=f"Rosa{n}", phone=f"+5266455{n:05d}")
        assert response.status_code == 302, response.content.decode()[:500]
    assert Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).count() == 12
