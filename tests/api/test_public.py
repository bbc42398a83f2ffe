"""Public operations: session and CSRF token, problem types, draws as published, ports, pass keys."""

from __future__ import annotations

import pytest

from cita.appointments.passes import pass_check
from cita.appointments.services import public_keys
from tests.api.conftest import as_applicant, as_staff, problem
from tests.factories.appointments import access_objects
from tests.factories.draws import open_draw, port_with_slots
from tests.factories.ports import PortFactory
from tests.factories.registrations import registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def test_the_session_says_who_is_signed_in_and_gives_the_csrf_token(anonymous):
    body = anonymous.get("/session").json()
    assert body["role"] is None
    assert body["signing_in"] is False
    assert len(body["csrf_token"]) >= 32
    assert anonymous.client.cookies["csrftoken"].value
    applicant = as_applicant(registered_group()).get("/session")
    assert applicant.json()["role"] == "applicant"
    assert applicant.json()["language"] == "es"
    assert applicant["Cache-Control"] == "no-store"
    assert as_staff(StaffFactory.create(role="planner")).get("/session").json()["role"] == "planner"


def test_a_staff_member_without_the_authenticator_code_is_signing_in(anonymous):
    anonymous.client.force_login(StaffFactory.create(role="officer", port=PortFactory.create(code="SYS")))
    body = anonymous.get("/session").json()
    assert body["role"] == "officer"
    assert body["signing_in"] is True


def test_no_draw_is_current_between_windows_and_the_open_one_is_shown_during_its_window(
    anonymous, frozen_clock
):
    assert anonymous.get("/draws/current").json() == {"open": None}
    port_with_slots("SYS", slots=[("08:00", 5)])
    draw = open_draw(frozen_clock)
    response = anonymous.get("/draws/current")
    current = response.json()["open"]
    assert current["draw_id"] == draw.draw_id == "2026-12-01"
    assert current["appointment_date"] == "2026-12-15"
    assert current["status"] == "open"
    assert current["commitment"] == draw.commitment
    assert current["server_seed"] is None
    assert response["Cache-Control"] == "public, max-age=60"


def test_draws_are_listed_newest_first_and_found_by_id(anonymous, frozen_clock):
    access_objects(applicant=registered_group(), port=PortFactory.create(code="SYS"))
    listed = anonymous.get("/draws").json()["draws"]
    assert [d["draw_id"] for d in listed] == ["2026-12-01"]
    assert listed[0]["files"] == {
        "manifest.json": "http://testserver/transparency/draws/2026-12-01/manifest.json"
    }
    one = anonymous.get("/draws/2026-12-01").json()
    assert one["status"] == "frozen"
    assert one["server_seed"] is None
    problem(anonymous.get("/draws/2026-11-30"), 404, "not_found")
    body = problem(anonymous.get("/draws/yesterday"), 422, "invalid_input")
    assert body["field"] == "path.draw_id"
    body = problem(anonymous.get("/draws", limit=0), 422, "invalid_input")
    assert body["errors"][0]["field"] == "query.limit"


def test_the_ports_to_rank_are_the_active_ones_in_display_order(anonymous):
    PortFactory.create(code="BBB", position=2, name="Second")
    PortFactory.create(code="AAA", position=1, name="First")
    PortFactory.create(code="CCC", position=0, active=False)
    ports = anonymous.get("/ports").json()["ports"]
    assert [p["code"] for p in ports] == ["AAA", "BBB"]
    assert set(ports[0]) == {"code", "name", "city", "address", "time_zone"}


def test_the_pass_keys_verify_a_real_pass(anonymous, frozen_clock):
    appointment = access_objects(applicant=registered_group(), port=PortFactory.create(code="SYS"))
    document = anonymous.get("/pass-keys").json()
    assert document["format"] == "cita-pass-keys-v1"
    assert [k["kid"] for k in document["keys"]] == list(public_keys())
    fields = pass_check(appointment.pass_payload, keys=public_keys(), port="SYS", day=appointment.day)
    assert fields.appointment_id == appointment.pk


def test_every_problem_type_is_listed_with_its_status(anonymous):
    listed = {p["code"]: p for p in anonymous.get("/problems").json()["problems"]}
    assert listed["window_closed"]["status"] == 409
    assert listed["invalid_ports"]["status"] == 400
    assert listed["not_signed_in"]["status"] == 401
    assert listed["pass_refused"]["status"] == 409
    assert listed["server_error"]["status"] == 500
    assert listed["window_closed"]["title"] == "Window closed"
