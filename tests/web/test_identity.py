"""Resale by swapping people (issue 14, item 1): from the moment a group asks, its people are fixed.
A change of identity gives up the request, offer or appointment (after the applicant confirms it), or is
approved by an NGO worker of the group's shelter (audited); the pass and the officer show the people as
they were when the group entered the draw, and every difference is flagged. Through the full middleware
(CSRF checks on)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services import pass_verify
from cita.appointments.services.offers import offer_confirm
from cita.audit.models import AuditEvent
from cita.core.middleware import SESSION_ACTING_FOR
from cita.draws.models import Draw, Offer, Request
from cita.draws.services import draw_close, request_submit
from cita.ports.models import Port, SlotCapacity
from cita.registrations.models import Applicant, Member
from tests.conftest import csrf_post, sign_in_applicant, sign_in_staff
from tests.factories.draws import (
    JOB,
    WINDOW_CLOSES,
    appointment_made,
    open_draw,
    port_with_slots,
    submitted,
)
from tests.factories.registrations import ShelterFactory, actor_for, registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

# 2026-12-15 09:00 at SYS: the appointment day of the factories' draw.
MORNING = dt.datetime(2026, 12, 15, 17, 0, tzinfo=dt.UTC)

BUYER = {
    "given_names": "Comprador",
    "family_names": "Reventa",
    "dob_day": "1",
    "dob_month": "2",
    "dob_year": "1985",
    "nationality": "MX",
    "document_type": "passport",
    "document_number": "Z9999999",
}


def appointment_for(frozen_clock, group: Applicant) -> Appointment:
    """The group's appointment, made through the cycle (SYS, 2026-12-15)."""
    draw = open_draw(frozen_clock)
    request = request_submit(applicant=group, ports=["SYS"], actor=actor_for(group), draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    return offer_confirm(offer=Offer.objects.get(request=request), actor=actor_for(group))


def applicant_client(row: Applicant) -> Client:
    Applicant.objects.filter(pk=row.pk).update(language="en")  # pages in the applicant's language
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_applicant(client, row)
    return client


def principal_of(appointment: Appointment) -> Member:
    return Member.objects.get(applicant_id=appointment.applicant_id, relationship="self")


def test_renaming_the_principal_of_a_group_with_an_appointment_is_refused_until_confirmed(frozen_clock):
    appointment = appointment_made(frozen_clock, size=2)
    principal = principal_of(appointment)
    client = applicant_client(appointment.applicant)
    path = f"/group/members/{principal.pk}"
    response = csrf_post(client, path, BUYER)
    assert response.status_code == 200
    assert "If you change who is in the group, it is cancelled." in response.content.decode()
    principal.refresh_from_db()
    assert principal.given_names == "Ana María"
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED


def test_a_confirmed_change_of_identity_cancels_the_appointment(frozen_clock):
    appointment = appointment_made(frozen_clock, size=2)
    principal = principal_of(appointment)
    client = applicant_client(appointment.applicant)
    response = csrf_post(client, f"/group/members/{principal.pk}", {**BUYER, "confirm": "on"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
    principal.refresh_from_db()
    assert principal.given_names == "Comprador"
    assert AuditEvent.objects.filter(action="group.identity_changed", object_id=str(appointment.applicant_id))


def test_a_change_that_keeps_the_identity_needs_no_confirmation(frozen_clock):
    appointment = appointment_made(frozen_clock, size=2)
    child = Member.objects.get(applicant_id=appointment.applicant_id, relationship="child")
    client = applicant_client(appointment.applicant)
    data = {
        "relationship": "relative",
        "given_names": child.given_names,
        "family_names": child.family_names,
        "dob_day": str(child.date_of_birth.day),
        "dob_month": str(child.date_of_birth.month),
        "dob_year": str(child.date_of_birth.year),
        "nationality": child.nationality,
        "document_type": child.document_type,
        "document_number": child.document_number,
    }
    assert csrf_post(client, f"/group/members/{child.pk}", data).status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED


def test_adding_a_person_to_a_group_in_an_open_draw_withdraws_its_request_once_confirmed(frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 5)])
    draw = open_draw(frozen_clock)
    request = submitted(ports=["SYS"], size=1, draw=draw)
    client = applicant_client(request.applicant)
    person = {**BUYER, "relationship": "partner"}
    refused = csrf_post(client, "/group/members/new", person)
    assert refused.status_code == 200
    assert Member.objects.filter(applicant=request.applicant).count() == 1
    assert csrf_post(client, "/group/members/new", {**person, "confirm": "on"}).status_code == 302
    assert Request.objects.get(pk=request.pk).withdrawn_at is not None
    assert Member.objects.filter(applicant=request.applicant).count() == 2


def test_an_ngo_approved_change_keeps_the_appointment_and_the_officer_sees_the_bound_identity(frozen_clock):
    appointment = appointment_made(frozen_clock, size=2)
    shelter = ShelterFactory.create()
    # An NGO worker acting for a resident sees the resident's language.
    Applicant.objects.filter(pk=appointment.applicant_id).update(shelter=shelter, language="en")
    principal = principal_of(appointment)
    ngo = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_staff(ngo, StaffFactory.create(role="ngo", shelter=shelter))
    session = ngo.session
    session[SESSION_ACTING_FOR] = appointment.applicant_id
    session.save()
    path = f"/group/members/{principal.pk}"
    asked = csrf_post(ngo, path, BUYER).content.decode()
    assert "Tick the box to approve this change" in asked
    assert csrf_post(ngo, path, {**BUYER, "confirm": "on"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED
    approval = AuditEvent.objects.get(action="group.identity_change_approved")
    assert approval.actor.startswith("ngo:")
    assert approval.data["appointments"] == [appointment.pk]

    # The group page says who the pass is for, and flags the change.
    group = ngo.get("/group").content.decode()
    assert "The people on your pass" in group
    assert "Ana María Pérez López" in group
    assert "Changed since you asked." in group
    # The pass the applicant prints names the people it was issued for.
    pass_page = ngo.get(f"/appointments/{appointment.pk}/pass").content.decode()
    people = pass_page.split('<ul class="people">', 1)[1].split("</ul>", 1)[0]
    assert "Ana María Pérez López" in people
    assert "Comprador" not in people

    # The officer sees the people as they were when the group entered the draw, flagged.
    frozen_clock.set(MORNING)
    officer = Client(enforce_csrf_checks=True)
    sign_in_staff(officer, StaffFactory.create(role="officer", port=Port.objects.get(code="SYS")))
    manifest = officer.get("/staff/officer/").content.decode()
    assert "People changed since the draw" in manifest
    assert "Ana María Pérez López" in manifest
    page = officer.get(f"/staff/officer/appointments/{appointment.pk}/").content.decode()
    assert 'id="identity-changed"' in page
    assert "Ana María Pérez López" in page
    assert "CHANGED since the draw." in page
    assert "Comprador Reventa" in page  # the new identity, shown as the change


def test_removing_a_person_gives_the_seat_back_with_a_new_pass_and_is_flagged_to_the_officer(frozen_clock):
    appointment = appointment_made(frozen_clock, size=2)
    old_pass = appointment.pass_payload
    seats_left = SlotCapacity.objects.get(port=appointment.port, day=appointment.day).left
    child = Member.objects.get(applicant_id=appointment.applicant_id, relationship="child")
    client = applicant_client(appointment.applicant)
    removed = csrf_post(client, f"/group/members/{child.pk}/remove", page=f"/group/members/{child.pk}/remove")
    assert removed.status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED
    assert appointment.group_size == 1
    assert SlotCapacity.objects.get(port=appointment.port, day=appointment.day).left == seats_left + 1
    assert appointment.pass_payload != old_pass
    frozen_clock.set(MORNING)
    assert pass_verify(payload=appointment.pass_payload, port="SYS", day=appointment.day).ok
    assert pass_verify(payload=old_pass, port="SYS", day=appointment.day).code == "superseded"
    officer = Client()
    sign_in_staff(officer, StaffFactory.create(role="officer", port=Port.objects.get(code="SYS")))
    page = officer.get(f"/staff/officer/appointments/{appointment.pk}/").content.decode()
    assert "REMOVED from the group since the draw." in page


def test_an_appointment_without_a_snapshot_still_shows_its_people(frozen_clock):
    appointment = appointment_made(frozen_clock, size=2)
    Appointment.objects.filter(pk=appointment.pk).update(identities=None)
    frozen_clock.set(MORNING)
    officer = Client()
    sign_in_staff(officer, StaffFactory.create(role="officer", port=Port.objects.get(code="SYS")))
    page = officer.get(f"/staff/officer/appointments/{appointment.pk}/").content.decode()
    assert "Ana María Pérez López" in page
    assert 'id="identity-changed"' not in page


UNDOCUMENTED = {
    "relationship": "partner",
    "given_names": "Rosa Elena",
    "family_names": "Soto",
    "dob_day": "17",
    "dob_month": "3",
    "dob_year": "1990",
    "nationality": "HN",
    "document_type": "",
    "document_number": "",
}


def test_a_person_without_a_document_can_be_in_only_one_group(frozen_clock):
    first = applicant_client(registered_group())
    assert csrf_post(first, "/group/members/new", UNDOCUMENTED).status_code == 302
    second_group = registered_group(document_number="Q7654321")
    second = applicant_client(second_group)
    # The same person, typed another way: case, accents and spacing do not matter.
    again = {**UNDOCUMENTED, "given_names": "ROSA  élena", "family_names": "soto"}
    page = csrf_post(second, "/group/members/new", again).content.decode()
    assert "A person with these names, date of birth and nationality is already registered" in page
    # Nor does adding a document make them someone else.
    documented = {**again, "document_type": "passport", "document_number": "HN1234567"}
    page = csrf_post(second, "/group/members/new", documented).content.decode()
    assert "already registered" in page
    assert Member.objects.filter(applicant=second_group).count() == 1


def test_the_officer_sees_whether_a_document_backs_each_person(frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 5)])
    group = registered_group()
    client = applicant_client(group)
    assert csrf_post(client, "/group/members/new", UNDOCUMENTED).status_code == 302
    appointment = appointment_for(frozen_clock, group)
    frozen_clock.set(MORNING)
    officer = Client()
    sign_in_staff(officer, StaffFactory.create(role="officer", port=Port.objects.get(code="SYS")))
    page = officer.get(f"/staff/officer/appointments/{appointment.pk}/").content.decode()
    assert "Passport P" in page
    assert "No document</strong>: names, date of birth and nationality only" in page
