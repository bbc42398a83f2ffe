"""The applicant's inbox and the choice of channels."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from cita.core.middleware import SESSION_ACTING_FOR
from cita.notifications.models import ChannelChoice, Notice, NoticeKind, Preference
from tests.conftest import sign_in_applicant, sign_in_staff
from tests.factories.notifications import context_for, enqueue
from tests.factories.registrations import ShelterFactory, applicant
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    sign_in_applicant(client, person)
    return client


def test_the_inbox_lists_the_applicants_messages_newest_first_in_their_language(frozen_clock):
    person = applicant(language="es")
    enqueue(NoticeKind.REQUEST_RECEIVED, applicant=person)
    frozen_clock.advance(hours=20)
    enqueue(NoticeKind.NOT_SELECTED, applicant=person)
    enqueue(NoticeKind.SIGNIN_CODE, applicant=person)  # codes are not kept in the inbox
    page = signed_in(person).get("/messages").content.decode()
    assert page.index("esta vez su grupo no fue elegido") < page.index("Recibimos su solicitud")
    assert "482913" not in page
    assert "Su código" not in page
    assert "Nuevo:" in page
    assert "miércoles 30 de septiembre de 2026" in page


def test_showing_the_inbox_marks_the_messages_read(frozen_clock):
    person = applicant()
    notice = enqueue(NoticeKind.CONFIRMED, applicant=person)
    client = signed_in(person)
    assert "Nuevo:" in client.get("/messages").content.decode()
    notice.refresh_from_db()
    assert notice.read_at == frozen_clock.now()
    assert "Nuevo:" not in client.get("/messages").content.decode()


def test_an_applicant_never_sees_another_applicants_messages():
    person, other = applicant(language="en"), applicant(language="en")
    enqueue(
        NoticeKind.CONFIRMED,
        applicant=other,
        context={**context_for(NoticeKind.CONFIRMED), "port_name": "Nogales"},
    )
    page = signed_in(person).get("/messages").content.decode()
    assert "Nogales" not in page
    assert "You have no messages yet." in page
    assert Notice.objects.get().read_at is None


def test_an_ngo_worker_reads_a_residents_messages_without_marking_them_read():
    shelter = ShelterFactory.create()
    resident = applicant(language="ht")
    resident.shelter = shelter
    resident.save()
    enqueue(NoticeKind.CONFIRMED, applicant=resident)
    client = Client()
    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=shelter))
    session = client.session
    session[SESSION_ACTING_FOR] = resident.pk
    session.save()
    page = client.get("/messages").content.decode()
    # The resident's pages in the resident's language (issue 15, item 6), as the resident reads them.
    assert "Randevou ou konfime" in page
    assert Notice.objects.get().read_at is None


def test_an_ngo_worker_helping_nobody_is_sent_to_the_staff_start_page():
    client = Client()
    sign_in_staff(client, StaffFactory.create(role="ngo", shelter=ShelterFactory.create()))
    response = client.get("/messages")
    assert response.status_code == 302
    assert response["Location"] == "/staff/"


def test_the_applicant_chooses_how_to_get_messages():
    person = applicant(phone="+526649990000", email="both@example.org")
    client = signed_in(person)
    response = client.post("/messages/channels", {"channels": "email"}, follow=True)
    assert "Guardado." in response.content.decode()
    assert Preference.objects.get(applicant=person).channels == ChannelChoice.EMAIL
    assert sorted(
        enqueue(NoticeKind.CONFIRMED, applicant=person).deliveries.values_list("channel", flat=True)
    ) == ["email"]
    client.post("/messages/channels", {"channels": "carrier pigeon"})
    assert Preference.objects.get(applicant=person).channels == ChannelChoice.EMAIL


def test_not_selected_by_sms_is_off_until_the_applicant_asks_for_it():
    person = applicant(phone="+526649990001")
    client = signed_in(person)
    page = client.get("/messages").content.decode()
    box = re.compile(r'<input[^>]*name="not_selected_by_sms"[^>]*>')
    assert "checked" not in box.findall(page)[0]
    client.post("/messages/channels", {"channels": "all", "not_selected_by_sms": "on"})
    assert Preference.objects.get(applicant=person).not_selected_by_sms is True
    assert "checked" in box.findall(client.get("/messages").content.decode())[0]
    client.post("/messages/channels", {"channels": "all"})  # an unticked box is not sent
    assert Preference.objects.get(applicant=person).not_selected_by_sms is False


def test_the_inbox_dates_a_message_by_the_readers_clock_not_by_the_utc_day(frozen_clock):
    """Sent at 23:51 on Wednesday 2 December in Tijuana, when it is Thursday 07:51 in UTC: it came on
    Wednesday, as the request's history says."""
    frozen_clock.set(dt.datetime(2026, 12, 3, 7, 51, tzinfo=dt.UTC))
    person = applicant(language="en")
    enqueue(NoticeKind.REQUEST_RECEIVED, applicant=person)
    page = signed_in(person).get("/messages").content.decode()
    assert "Sent on Wednesday, Dec. 2, 2026, 11:51 p.m. (Tijuana time)" in page  # as the history writes it
    assert "Thursday" not in page
