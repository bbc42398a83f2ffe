"""Clients of the JSON API: CSRF checks on (as a browser or app meets them), signed in as the caller."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from cita.api.problems import CONTENT_TYPE
from tests.conftest import sign_in_applicant, sign_in_staff

API = "/api/v1"


class ApiClient:
    """A test client that speaks JSON and sends the CSRF token the API gives out (`GET /session`)."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            self._token = self.client.get(f"{API}/session").json()["csrf_token"]
        return self._token

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{API}{path}", params)

    def post(self, path: str, data: Any = None, *, csrf: bool = True, raw: str | None = None) -> Any:
        headers = {"X-CSRFToken": self.token()} if csrf else {}
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.client.post(f"{API}{path}", body, content_type="application/json", headers=headers)

    def request(self, method: str, path: str) -> Any:
        headers = {"X-CSRFToken": self.token()}
        return getattr(self.client, method)(f"{API}{path}", headers=headers)


def as_applicant(applicant: Any) -> ApiClient:
    """A client with the applicant's web session."""
    api = ApiClient()
    sign_in_applicant(api.client, applicant)
    return api


def as_staff(user: Any) -> ApiClient:
    """A client of a staff member signed in with password and authenticator code."""
    api = ApiClient()
    sign_in_staff(api.client, user)
    return api


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The problem body of `response`, checked to be an RFC 9457 problem with this status and code."""
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"] == CONTENT_TYPE
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["type"].endswith(f"/api/v1/problems#{code}")
    assert body["title"]
    assert body["detail"]
    assert "field" in body
    return body


@pytest.fixture
def anonymous() -> ApiClient:
    return ApiClient()
