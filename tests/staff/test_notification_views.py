"""The admins' page of dead-lettered deliveries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.notifications.models import Delivery, DeliveryStatus, NoticeKind
from tests.conftest import sign_in_staff
from tests.factories.notifications import enqueue
from tests.factories.registrations import applicant
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def admin_client() -> Client:
    client = Client()
    sign_in_staff(client, StaffFactory.create(role="admin"))
    return client


def test_admins_see_dead_letters_with_their_reason_and_can_retry_them(frozen_clock):
    notice = enqueue(NoticeKind.CONFIRMED, applicant=applicant())
    Delivery.objects.update(
        status=DeliveryStatus.DEAD, attempts=10, last_error="SMTP server unreachable: refused"
    )
    delivery = notice.deliveries.get()
    client = admin_client()
    page = client.get("/staff/notifications/").content.decode()
    assert "SMTP server unreachable: refused" in page
    assert f"/staff/notifications/{delivery.pk}/retry" in page
    response = client.post(f"/staff/notifications/{delivery.pk}/retry", follow=True)
    assert f"Delivery {delivery.pk} will be sent again." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    event = AuditEvent.objects.get(action="delivery.retried")
    assert event.object_id == str(delivery.pk)
    assert event.actor.startswith("admin:")


def test_retrying_something_that_is_not_dead_says_why(frozen_clock):
    notice = enqueue(NoticeKind.CONFIRMED, applicant=applicant())
    delivery = notice.deliveries.get()
    page = admin_client().post(f"/staff/notifications/{delivery.pk}/retry", follow=True).content.decode()
    assert "not failed or dead-lettered" in page
    assert not AuditEvent.objects.filter(action="delivery.retried").exists()


def test_the_admin_page_filters_by_status():
    sent = enqueue(NoticeKind.CONFIRMED, applicant=applicant())
    sent.deliveries.update(status=DeliveryStatus.SENT, sent_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    client = admin_client()
    assert "None." in client.get("/staff/notifications/").content.decode()
    assert "Appointment confirmed" in client.get("/staff/notifications/?status=sent").content.decode()
