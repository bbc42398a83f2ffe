"""Changing the port or day of a confirmed appointment without losing the seat (issue 15, "Add"): the
free places of published draws at the group's ranked ports, in its order; a plain form; the new pass
signed, the old one superseded; until 48 hours before the appointment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services import pass_verify
from cita.audit.models import AuditEvent
from cita.core.middleware import SESSION_ACTING_FOR
from cita.notifications.messages import template_for
from cita.notifications.models import Notice, NoticeKind
from cita.ports.models import SlotCapacity
from cita.registrations.models import Applicant
from tests.conftest import csrf_post, sign_in_applicant, sign_in_staff
from tests.factories.closures import Ask, booked, slots
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import port_with_slots
from tests.factories.registrations import ShelterFactory
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def left(code: str, day: dt.date, slot: str) -> int:
    return SlotCapacity.objects.get(port__code=code, day=day, slot=dt.time.fromisoformat(slot)).left


@pytest.fixture
def booked_at_sys(frozen_clock) -> Appointment:
    """A group of 2 that ranked SYS then ELP, booked at SYS on 15 December 08:00 by the draw; afterwards
    free places appear: SYS 10:00, ELP 08:00 (and places it may not take: ELP 09:00 holds 1 person, OTM
    was not ranked, SYS on the 16th has no published draw)."""
    sys_ = port_with_slots(
        "SYS", slots=[("08:00", 2)], position=1, name="San Ysidro", time_zone="America/Los_Angeles"
    )
    elp = port_with_slots("ELP", slots=[], position=2, name="El Paso", time_zone="America/Denver")
    otm = port_with_slots("OTM", slots=[], position=3, name="Otay Mesa")
    offers = booked(frozen_clock, [Ask(size=2, ports=["SYS", "ELP"], language="en")])
    slots(sys_, day=D, seats=[("10:00", 4)])
    slots(elp, day=D, seats=[("08:00", 2), ("09:00", 1)])
    slots(otm, day=D, seats=[("08:00", 9)])
    slots(sys_, day=D + dt.timedelta(days=1), seats=[("08:00", 9)])
    return Appointment.objects.select_related("port").get(offer=offers[0])


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def test_the_pass_links_to_the_free_places_at_the_groups_ports_in_its_order(booked_at_sys, browser):
    sign_in_applicant(browser, booked_at_sys.applicant)
    page = browser.get(f"/appointments/{booked_at_sys.pk}/pass").content.decode()
    assert f'href="/appointments/{booked_at_sys.pk}/change"' in page
    response = browser.get(f"/appointments/{booked_at_sys.pk}/change")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html
    assert 'name="csrfmiddlewaretoken"' in html
    offered = [part.split('"', 1)[0] for part in html.split('name="place" value="')[1:]]
    assert offered == ["SYS|2026-12-15|10:00", "ELP|2026-12-15|08:00"]
    assert "El Paso" in html
    assert "Otay Mesa" not in html


def test_changing_moves_the_seats_signs_a_new_pass_supersedes_the_old_and_tells_the_group(
    booked_at_sys, browser
):
    appointment = booked_at_sys
    old_payload = appointment.pass_payload
    sign_in_applicant(browser, appointment.applicant)
    assert left("SYS", D, "08:00") == 0

    response = csrf_post(browser, f"/appointments/{appointment.pk}/change", {"place": "ELP|2026-12-15|08:00"})

    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{appointment.pk}/pass"
    appointment.refresh_from_db()
    assert (appointment.port.code, appointment.day, appointment.slot) == ("ELP", D, dt.time(8))
    assert appointment.state == AppointmentState.SCHEDULED
    assert (left("SYS", D, "08:00"), left("ELP", D, "08:00")) == (2, 0)
    assert pass_verify(payload=old_payload, port="SYS", day=D).code == "superseded"
    assert pass_verify(payload=appointment.pass_payload, port="ELP", day=D).code == "valid"
    event = AuditEvent.objects.get(action="appointment.swapped", object_id=str(appointment.pk))
    assert event.data["from"] == {"port": "SYS", "day": "2026-12-15", "slot": "08:00"}
    assert event.data["to"] == {"port": "ELP", "day": "2026-12-15", "slot": "08:00"}
    notice = Notice.objects.get(
        applicant=appointment.applicant, kind=NoticeKind.CONFIRMED, context__changed=True
    )
    assert notice.context["port_name"] == "El Paso"
    assert str(template_for(notice.kind, notice.context).subject) == "Your appointment was changed"
    page = browser.get(response["Location"]).content.decode()
    assert "Done: your appointment was changed." in page
    assert "El Paso" in page


def test_a_place_not_offered_is_refused_and_nothing_changes(booked_at_sys, browser):
    appointment = booked_at_sys
    sign_in_applicant(browser, appointment.applicant)
    for place in ("OTM|2026-12-15|08:00", "ELP|2026-12-15|09:00", "SYS|2026-12-16|08:00", "nonsense"):
        response = csrf_post(browser, f"/appointments/{appointment.pk}/change", {"place": place})
        assert response.status_code == 409, place
        assert "That place is no longer free. Choose another one." in response.content.decode()
    appointment.refresh_from_db()
    assert (appointment.port.code, appointment.slot) == ("SYS", dt.time(8))
    assert (left("SYS", D, "08:00"), left("ELP", D, "08:00"), left("OTM", D, "08:00")) == (0, 2, 9)
    assert not AuditEvent.objects.filter(action="appointment.swapped").exists()


def test_the_change_closes_48_hours_before_the_appointment(booked_at_sys, browser, frozen_clock):
    appointment = booked_at_sys
    sign_in_applicant(browser, appointment.applicant)
    starts = dt.datetime.combine(D, dt.time(8), tzinfo=appointment.port.tz)
    assert settings.CITA_SWAP_CLOSES_HOURS == 48
    frozen_clock.set(starts - dt.timedelta(hours=48, minutes=1))
    page = browser.get(f"/appointments/{appointment.pk}/change").content.decode()
    # A place starting within 48 hours is not offered either: ELP 08:00 Denver time is an hour earlier.
    assert 'value="SYS|2026-12-15|10:00"' in page
    assert "ELP|" not in page
    frozen_clock.set(starts - dt.timedelta(hours=47, minutes=59))
    assert "/change" not in browser.get(f"/appointments/{appointment.pk}/pass").content.decode()
    response = browser.get(f"/appointments/{appointment.pk}/change")
    assert response["Location"] == f"/appointments/{appointment.pk}/pass"
    csrf_post(
        browser,
        f"/appointments/{appointment.pk}/change",
        {"place": "SYS|2026-12-15|10:00"},
        page=f"/appointments/{appointment.pk}/pass",
    )
    appointment.refresh_from_db()
    assert appointment.slot == dt.time(8)


def test_a_post_without_the_csrf_token_is_refused(booked_at_sys, browser):
    sign_in_applicant(browser, booked_at_sys.applicant)
    response = browser.post(f"/appointments/{booked_at_sys.pk}/change", {"place": "ELP|2026-12-15|08:00"})
    assert response.status_code == 403
    booked_at_sys.refresh_from_db()
    assert booked_at_sys.port.code == "SYS"


def test_an_ngo_worker_acting_for_the_resident_can_change_it(booked_at_sys, browser):
    shelter = ShelterFactory.create()
    Applicant.objects.filter(pk=booked_at_sys.applicant_id).update(shelter=shelter)
    sign_in_staff(browser, StaffFactory.create(role="ngo", shelter=shelter))
    session = browser.session
    session[SESSION_ACTING_FOR] = booked_at_sys.applicant_id
    session.save()

    response = csrf_post(
        browser, f"/appointments/{booked_at_sys.pk}/change", {"place": "SYS|2026-12-15|10:00"}
    )

    assert response.status_code == 302
    booked_at_sys.refresh_from_db()
    assert booked_at_sys.slot == dt.time(10)
    assert AuditEvent.objects.get(action="appointment.swapped").actor.startswith("ngo:")


def test_someone_elses_appointment_cannot_be_changed(booked_at_sys, browser):
    from tests.factories.registrations import registered_group

    sign_in_applicant(browser, registered_group())
    assert browser.get(f"/appointments/{booked_at_sys.pk}/change").status_code == 404


def test_the_page_speaks_the_groups_language_and_says_until_when(frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 2), ("10:00", 0)], position=1, name="San Ysidro")
    (offer,) = booked(frozen_clock, [Ask(size=2, ports=["SYS"], language="es")])
    appointment = Appointment.objects.get(offer=offer)
    browser = Client(enforce_csrf_checks=True)
    sign_in_applicant(browser, appointment.applicant)
    assert (
        "Cambiar el puerto o el día" in browser.get(f"/appointments/{appointment.pk}/pass").content.decode()
    )
    html = browser.get(f"/appointments/{appointment.pk}/change").content.decode()
    assert "Puede cambiarla hasta el" in html
    assert "domingo, 13 de diciembre de 2026 a las 08:00" in html
    assert "(hora de San Ysidro)." in html
    assert "Ahora no hay lugares libres en sus puertos." in html
