import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.audit.models import AuditEvent
from cita.staff.models import User
from tests.factories.staff import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


def test_staff_sign_in_takes_a_password_and_then_a_totp_code():
    user = StaffFactory.create(role="planner")
    client = Client()
    response = client.post(
        "/staff/signin", {"username": user.username, "password": PASSWORD, "next": "/staff/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/mfa")
    # Password alone opens nothing.
    assert client.get("/staff/")["Location"].startswith("/staff/mfa")
    response = client.post("/staff/mfa", {"code": current_code(user), "next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="staff.signed_in", object_id=str(user.pk)).exists()


def test_a_wrong_password_says_nothing_about_which_part_was_wrong():
    user = StaffFactory.create()
    response = Client().post("/staff/signin", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert b"Wrong username or password." in response.content
    unknown = Client().post("/staff/signin", {"username": "nobody", "password": "nope"})
    assert b"Wrong username or password." in unknown.content


def test_five_wrong_codes_lock_the_account():
    user = StaffFactory.create()
    client = Client()
    client.post("/staff/signin", {"username": user.username, "password": PASSWORD})
    for _ in range(5):
        client.post("/staff/mfa", {"code": "000000" if current_code(user) != "000000" else "111111"})
    user.refresh_from_db()
    assert user.locked_until is not None
    assert user.locked_until.timestamp() > time.time()
    response = client.post("/staff/mfa", {"code": current_code(user)})
    assert response.status_code == 200
    assert b"locked" in response.content
    assert AuditEvent.objects.filter(action="staff.locked").count() == 1
