"""The page where a group a closure moved away from its first port chooses: keep the new appointment, or
wait for the first port (issue 15, item 1). A plain form: no JavaScript needed."""

from __future__ import annotations

import datetime as dt

import pytest

from cita.appointments.models import AppointmentState
from cita.draws.models import PriorityFlag
from tests.conftest import sign_in_applicant
from tests.factories.closures import moved_away_from_first_port
from tests.factories.draws import staff_actor
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(frozen_clock, client):
    planner = staff_actor(StaffFactory.create(role="planner"))
    _, new, _ = moved_away_from_first_port(frozen_clock, planner=planner, language="es")
    sign_in_applicant(client, new.applicant)
    return new


def test_the_new_pass_links_to_the_choice_and_the_page_explains_both_ways(moved, client):
    page = client.get(f"/appointments/{moved.pk}/pass").content.decode()
    assert f'href="/appointments/{moved.pk}/wait"' in page
    assert "Puede esperar a San Ysidro" in page
    page = client.get(f"/appointments/{moved.pk}/wait")
    text = page.content.decode()
    assert page.status_code == 200
    assert "<script" not in text
    assert "¿Quedarse con la nueva cita o esperar a su primer puerto?" in text
    assert "Otay Mesa" in text
    assert "miércoles, 16 de diciembre de 2026" in text  # the new appointment
    assert "jueves, 17 de diciembre de 2026" in text  # first in line from the day after the closure
    assert "Usted conserva su lugar" in text
    assert "al menos a 3 días" in text
    assert '<form method="post">' in text
    assert "Prefiero esperar a San Ysidro" in text


def test_choosing_to_wait_gives_the_appointment_back_and_sets_the_priority(moved, client):
    response = client.post(f"/appointments/{moved.pk}/wait")
    assert response.status_code == 302
    assert response["Location"] == "/draw/"
    moved.refresh_from_db()
    assert (moved.state, moved.ended_reason) == (AppointmentState.CANCELLED, "waits_for_first_port")
    flag = PriorityFlag.objects.get(applicant=moved.applicant, ended_at__isnull=True)
    assert flag.from_day == dt.date(2026, 12, 17)
    home = client.get("/draw/").content.decode()
    assert "Listo: usted espera a San Ysidro." in home
    # Made once: the page now goes back to the (no longer valid) pass.
    assert client.get(f"/appointments/{moved.pk}/wait")["Location"] == f"/appointments/{moved.pk}/pass"
    page = client.get(f"/appointments/{moved.pk}/pass").content.decode()
    assert f"/appointments/{moved.pk}/wait" not in page


def test_an_ordinary_appointment_has_no_choice(frozen_clock, client):
    from tests.factories.draws import appointment_made

    appointment = appointment_made(frozen_clock)
    sign_in_applicant(client, appointment.applicant)
    assert "/wait" not in client.get(f"/appointments/{appointment.pk}/pass").content.decode()
    response = client.get(f"/appointments/{appointment.pk}/wait")
    assert response["Location"] == f"/appointments/{appointment.pk}/pass"
    assert client.post(f"/appointments/{appointment.pk}/wait").status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.SCHEDULED


def test_the_replaced_pass_points_to_the_new_one_and_drops_the_old_details(frozen_clock, client):
    # Issue 15, item 5: "/appointments/84/pass said 'no longer valid' but still showed San Ysidro, 3 Dec,
    # arrive by 10:30".
    planner = staff_actor(StaffFactory.create(role="planner"))
    old, new, _ = moved_away_from_first_port(frozen_clock, planner=planner, language="es")
    sign_in_applicant(client, new.applicant)
    page = client.get(f"/appointments/{old.pk}/pass").content.decode()
    assert "Esta cita ya no es válida." in page
    assert "Un pase nuevo reemplaza a este" in page
    assert f'href="/appointments/{new.pk}/pass"' in page
    main = page.split('<article class="pass"', 1)[1].split("</article>", 1)[0]
    for stale in ("San Ysidro", "martes, 15 de diciembre de 2026", "Llegue", old.pass_payload, "<svg"):
        assert stale not in main, stale
    assert "pass-officer" not in page
    # The offline copy of a pass says to check it online before travelling.
    offline = client.get(f"/appointments/{new.pk}/pass.html").content.decode()
    online = f"http://testserver/appointments/{new.pk}/pass"
    assert f"Revise el pase en internet antes de viajar: {online}" in offline
