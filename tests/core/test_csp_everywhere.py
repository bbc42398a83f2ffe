"""No CSP on staff, admin and API pages (issue 14, item 10): every response carries a policy. Staff, audit
and admin pages get the applicant pages' (no inline script or style element, nothing from elsewhere) with
style attributes allowed (the simulator's charts); answers that are not HTML a policy allowing nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from cita.web.middleware import API_CONTENT_SECURITY_POLICY, STAFF_CONTENT_SECURITY_POLICY
from tests.conftest import sign_in_staff
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/staff/", "/admin/", "/admin/registrations/applicant/", "/audit/"])
def test_staff_audit_and_admin_pages_carry_the_policy(path):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    role = "auditor" if path.startswith("/audit/") else "admin"
    sign_in_staff(client, StaffFactory.create(role=role))
    response = client.get(path, follow=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert policy == STAFF_CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.replace("style-src-attr 'unsafe-inline'", "")


def test_the_api_and_the_staff_sign_in_carry_a_policy():
    client = Client(enforce_csrf_checks=True)
    api = client.get("/api/v1/openapi.json")
    assert api["Content-Security-Policy"] == API_CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in API_CONTENT_SECURITY_POLICY
    assert client.get("/staff/", follow=True)["Content-Security-Policy"] == STAFF_CONTENT_SECURITY_POLICY
