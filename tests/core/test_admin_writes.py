"""Admin writes skip the audit (issue 14, item 9): domain data is read-only in the Django admin; the
reference data an admin keeps there (ports, shelters) is written with an audit event. Through the full
middleware (CSRF checks on)."""

from __future__ import annotations

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.services import notice_enqueue
from cita.registrations.models import Applicant, Shelter
from tests.conftest import csrf_post, sign_in_staff
from tests.factories.registrations import ShelterFactory, registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def admin_client() -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_staff(client, StaffFactory.create(role="admin"))
    return client


def test_an_admin_post_changing_an_applicants_shelter_is_refused():
    group = registered_group()
    other = ShelterFactory.create()
    client = admin_client()
    path = f"/admin/registrations/applicant/{group.pk}/change/"
    response = csrf_post(client, path, {"language": group.language, "shelter": str(other.pk)})
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.shelter_id is None
    # The admin can still read it.
    assert client.get(path).status_code == 200


def test_notices_cannot_be_deleted_in_the_admin():
    group = registered_group()
    notice = notice_enqueue(
        kind=NoticeKind.REQUEST_RECEIVED,
        dedup_key="t:1",
        applicant=group,
        context={"ticket": "ABCDEFGHIJ", "draw_id": "2026-12-01", "appointment_date": "2026-12-15"},
    )
    client = admin_client()
    path = f"/admin/notifications/notice/{notice.pk}/delete/"
    response = csrf_post(
        client, path, {"post": "yes"}, page=f"/admin/notifications/notice/{notice.pk}/change/"
    )
    assert response.status_code == 403
    assert Notice.objects.filter(pk=notice.pk).exists()


def test_a_shelter_changed_in_the_admin_is_audited():
    shelter = ShelterFactory.create()
    client = admin_client()
    path = f"/admin/registrations/shelter/{shelter.pk}/change/"
    data = {
        "name": shelter.name,
        "city": shelter.city,
        "capacity": "120",
        "occupancy": str(shelter.occupancy),
    }
    response = csrf_post(client, path, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Shelter.objects.get(pk=shelter.pk).capacity == 120
    event = AuditEvent.objects.get(action="admin.changed", object_type="shelter", object_id=str(shelter.pk))
    assert event.data["fields"] == ["capacity"]
    assert Applicant.objects.count() == 0
