"""The NGO residents list shows who needs action (issue 15, item 4): each resident's current step with
its deadline, "needs action today" first (an offer to confirm, an appointment today or tomorrow, a closure
choice), and a count on the NGO home page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from django.test import Client

from cita.appointments.services.offers import offer_confirm
from cita.draws.models import Draw, Offer
from cita.draws.services import draw_close, priority_flag, request_submit
from cita.registrations.models import Applicant
from tests.conftest import sign_in_staff
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, port_with_slots
from tests.factories.registrations import ShelterFactory, registered_group
from tests.factories.staff import StaffFactory, actor_of

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    sign_in_staff(client, user)
    return client


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>")[:-1]]


def test_residents_who_need_action_today_come_first_with_their_step_and_deadline(frozen_clock):
    shelter = ShelterFactory.create()
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    port_with_slots("SYS", slots=[("08:00", 1)], name="San Ysidro")
    residents = {}
    for name in ("Ana", "Beto", "Carla"):
        group = registered_group(size=1, given_names=name)
        Applicant.objects.filter(pk=group.pk).update(shelter=shelter)
        residents[name] = group
    acting = {n: dataclasses.replace(actor_of(worker), applicant_id=g.pk) for n, g in residents.items()}
    draw = open_draw(frozen_clock)
    priority_flag(applicant=residents["Beto"], reason="test", actor=JOB)  # Beto is drawn; Carla is not
    request_submit(applicant=residents["Beto"], ports=["SYS"], actor=acting["Beto"], draw=draw)
    frozen_clock.set(WINDOW_CLOSES - dt.timedelta(hours=1))
    request_submit(applicant=residents["Carla"], ports=["SYS"], actor=acting["Carla"], draw=draw)

    page = client_for(worker).get("/staff/ngo/").content.decode()
    rows = rows_of(page)
    assert any(r.startswith("Carla") and "Asked: in the draw for Tue 15 Dec" in r for r in rows)
    assert any(r.startswith("Ana") and "No request" in r for r in rows)
    assert "need action today" not in page

    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    offer = Offer.objects.get(applicant=residents["Beto"])
    client = client_for(worker)
    page = client.get("/staff/ngo/").content.decode()
    rows = rows_of(page)
    # Beto's offer waits for an answer: first, with its deadline in the port's time.
    assert rows[0].startswith("Beto")
    assert "Needs action today: Offer to confirm: San Ysidro, Tue 15 Dec 08:00" in rows[0]
    assert "Thu 3 Dec 10:00" in rows[0]
    assert "1 resident needs action today" in page
    assert any(r.startswith("Carla") and "Not selected for Tue 15 Dec: ask again" in r for r in rows)
    home = client.get("/staff/").content.decode()
    assert "1 needs action today" in home

    # Confirmed for 15 December: two weeks ahead, no action; on the 14th, it needs the worker.
    offer_confirm(offer=offer, actor=acting["Beto"])
    rows = rows_of(client.get("/staff/ngo/").content.decode())
    beto = next(r for r in rows if r.startswith("Beto"))
    assert "Appointment: San Ysidro, Tue 15 Dec 08:00" in beto
    assert "Needs action today" not in beto
    frozen_clock.set(dt.datetime(2026, 12, 14, 18, 0, tzinfo=dt.UTC))
    client = client_for(worker)
    rows = rows_of(client.get("/staff/ngo/").content.decode())
    assert rows[0].startswith("Beto")
    assert "Needs action today: Appointment" in rows[0]
    # Another shelter's worker sees none of them.
    other = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    assert "Beto" not in client_for(other).get("/staff/ngo/").content.decode()
