"""The OpenAPI document: served to anyone, every operation with its callers and its problem responses."""

from __future__ import annotations

import pytest

from tests.api.conftest import problem

pytestmark = pytest.mark.django_db

SECURITY = {"applicant": "ApplicantSession", "officer": "OfficerSession", "planner": "PlannerSession"}


@pytest.fixture
def document(anonymous):
    response = anonymous.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_is_openapi_3_for_version_1_under_api_v1(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    assert document["paths"]
    assert all(path.startswith("/api/v1/") for path in document["paths"])


def test_every_operation_names_its_callers_and_declares_problem_bodies(document):
    schemes = document["components"]["securitySchemes"]
    assert {s["in"] for s in schemes.values()} == {"cookie"}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            (tag,) = operation["tags"]
            expected: list[dict[str, list[str]]] | None = [{SECURITY[tag]: []}] if tag in SECURITY else None
            assert operation.get("security") == expected, (method, path)
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ProblemOut"}
            if tag in SECURITY:
                assert {"401", "403"} <= set(operation["responses"]), (method, path)


def test_no_documentation_page_loads_scripts_from_elsewhere(anonymous):
    problem(anonymous.get("/docs"), 404, "not_found")


def test_outputs_are_their_own_schemas_never_a_model(document):
    names = set(document["components"]["schemas"])
    assert not names & {"Applicant", "Member", "Request", "Offer", "Appointment", "Port", "Draw"}
    member = document["components"]["schemas"]["MemberOut"]["properties"]
    assert "document_number" not in member
    assert "document_index" not in member
