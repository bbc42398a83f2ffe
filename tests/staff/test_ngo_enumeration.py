"""Enumeration through the NGO console (issue 14, item 5): a worker who types a phone or email that
belongs to an account elsewhere learns so, but every such answer is audited, and past a daily limit per
worker every registration naming a phone or email is refused the same way, whether the contact is taken or
free. Through the full middleware (CSRF checks on)."""

from __future__ import annotations

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.registrations.models import Applicant
from tests.conftest import csrf_post, sign_in_staff
from tests.factories.registrations import ShelterFactory, registered_group
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


def test_contacts_of_other_accounts_are_audited_and_limited_per_worker(frozen_clock, settings):
    settings.CITA_NGO_CONTACT_CHECKS_PER_DAY = 3
    worker = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_staff(client, worker)
    strangers = [registered_group() for _ in range(3)]
    for stranger in strangers:
        response = csrf_post(client, "/staff/ngo/register", {**PERSON, "phone": stranger.phone})
        assert response.status_code == 200
        assert "already belongs to an account" in response.content.decode()
    events = AuditEvent.objects.filter(action="resident.contact_in_use", actor=f"ngo:{worker.pk}")
    assert events.count() == 3
    assert all(set(e.data) == {"shelter", "field"} for e in events)  # never the phone itself
    assert all(s.phone not in str(e.data) for e in events for s in strangers)
    # Over the limit: a free number is refused exactly as a taken one, and that is audited too.
    taken = csrf_post(client, "/staff/ngo/register", {**PERSON, "phone": strangers[0].phone})
    free = csrf_post(client, "/staff/ngo/register", {**PERSON, "phone": "+526645550199"})
    assert taken.status_code == free.status_code == 200
    for response in (taken, free):
        assert "Too many phone numbers or emails were checked" in response.content.decode()
    assert not Applicant.objects.filter(shelter=worker.shelter).exists()
    assert AuditEvent.objects.filter(action="resident.contact_limit", actor=f"ngo:{worker.pk}").count() == 2
    # Without a phone or email the worker can still register residents.
    assert csrf_post(client, "/staff/ngo/register", {**PERSON, "phone": ""}).status_code == 302
