"""Every error of the API is an RFC 9457 problem body: refused callers, unknown addresses, wrong methods,
invalid input, domain errors in the caller's language, and failures without internals."""

from __future__ import annotations

import pytest

from cita.api import problems as problems_module
from cita.core.errors import Conflict
from tests.api.conftest import API, ApiClient, as_applicant, as_staff, problem
from tests.factories.ports import PortFactory
from tests.factories.registrations import ShelterFactory, registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def test_anonymous_callers_are_told_to_sign_in(anonymous):
    for path in ("/me/group", "/officer/manifest", "/planner/capacity/SYS/2026-12-15"):
        body = problem(anonymous.get(path), 401, "not_signed_in")
        assert body["detail"] == "Sign in first."
    problem(anonymous.post("/me/requests", {"ports": ["SYS"]}, csrf=False), 401, "not_signed_in")


def test_staff_who_have_not_given_their_authenticator_code_are_not_signed_in(anonymous):
    anonymous.client.force_login(StaffFactory.create(role="officer", port=PortFactory.create(code="SYS")))
    problem(anonymous.get("/officer/manifest"), 401, "not_signed_in")


def test_signed_in_callers_of_another_role_are_refused():
    problem(as_applicant(registered_group()).get("/planner/capacity/SYS/2026-12-15"), 403, "forbidden")
    problem(as_staff(StaffFactory.create(role="planner")).get("/me/group"), 403, "forbidden")
    ngo = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    problem(as_staff(ngo).get("/me/requests"), 403, "forbidden")


def test_unsafe_methods_with_the_session_cookie_need_the_csrf_token():
    api = as_applicant(registered_group())
    refused = problem(api.post("/me/requests", {"ports": ["SYS"]}, csrf=False), 403, "csrf_failed")
    assert refused["detail"]
    wrong = api.client.post(
        f"{API}/me/requests", "{}", content_type="application/json", headers={"X-CSRFToken": "x" * 64}
    )
    problem(wrong, 403, "csrf_failed")
    # Reads need no token; with the token the write goes through to the domain (no window is open).
    assert api.get("/me/requests").status_code == 200
    problem(api.post("/me/requests", {"ports": ["SYS"]}), 409, "window_closed")


def test_domain_messages_are_in_the_applicants_language():
    for language, detail in (
        ("ht", "Kounye a ou pa ka mande."),
        ("fr", "Les demandes sont fermées pour le moment."),
        ("pt", "Os pedidos estão fechados agora."),
    ):
        api = as_applicant(registered_group(language=language))
        body = problem(api.post("/me/requests", {"ports": ["SYS"]}), 409, "window_closed")
        assert body["detail"].startswith(detail), body["detail"]
    body = problem(ApiClient().get("/me/group"), 401, "not_signed_in")
    assert body["detail"] == "Sign in first."
    haitian = ApiClient()
    haitian.client.cookies["django_language"] = "ht"
    assert problem(haitian.get("/me/group"), 401, "not_signed_in")["detail"] != "Sign in first."


def test_addresses_that_name_no_operation_are_404_problems(anonymous):
    for path in ("/nothing/here", "/", "/ports/", "/me/requests/abc/withdraw/x"):
        problem(anonymous.get(path), 404, "not_found")
    problem(anonymous.client.post(f"{API}/nothing", "{}", content_type="application/json"), 404, "not_found")


def test_a_method_an_operation_does_not_take_is_a_405_problem_with_allow(anonymous):
    response = anonymous.client.delete(f"{API}/ports")
    problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    put = as_applicant(registered_group()).request("put", "/me/requests")
    problem(put, 405, "method_not_allowed")
    assert set(put["Allow"].split(", ")) == {"GET", "POST"}


def test_a_failure_is_a_500_problem_that_tells_nothing_of_the_internals(anonymous, monkeypatch, caplog):
    def broken() -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("cita.api.public.port_list", broken)
    response = anonymous.get("/ports")
    body = problem(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["detail"] == "Something went wrong on our side. Try again later."
    assert any("hunter2" in (r.exc_text or "") for r in caplog.records)


def test_a_domain_error_maps_to_its_status_code_field_and_members():
    class Odd(Conflict):
        code = "odd_thing"

        def problem_members(self):
            return {"reason": "because"}

    body = problems_module.problem_for_error(Odd("It is odd.", field="ports")).body()
    assert body == {
        "type": "http://testserver/api/v1/problems#odd_thing",
        "title": "Odd thing",
        "status": 409,
        "detail": "It is odd.",
        "code": "odd_thing",
        "field": "ports",
        "reason": "because",
    }
