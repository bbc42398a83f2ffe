"""Staff enumeration and lockout (issue 14, item 6): an unknown username, a wrong password and a paused
(username, address) pair get the same answer in the same time, and wrong passwords typed elsewhere never
lock the real staff member out. Through the full middleware (CSRF checks on), with the real argon2 hasher."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from tests.factories.ports import PortFactory
from tests.factories.staff import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

ARGON2 = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


def sign_in(username: str, password: str, *, ip: str) -> tuple[int, str, float]:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    html = client.get("/staff/signin").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    started = time.perf_counter()
    response = client.post(
        "/staff/signin",
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
    )
    took = time.perf_counter() - started
    body = response.content.decode() if response.status_code == 200 else response["Location"]
    return response.status_code, body, took


def answer(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html).replace("officer.sys", "USER")


def test_unknown_wrong_and_paused_answer_the_same_in_the_same_time(settings, frozen_clock):
    settings.PASSWORD_HASHERS = ARGON2
    StaffFactory.create(username="officer.sys", role="officer", port=PortFactory.create(code="SYS"))
    attacker = "10.9.9.9"
    for _ in range(5):
        sign_in("officer.sys", "guess", ip=attacker)
    assert AuditEvent.objects.filter(action="staff.signin_paused").count() == 1
    paused = [sign_in("officer.sys", "guess", ip=attacker) for _ in range(5)]
    unknown = [sign_in("nobody.here", "guess", ip="10.9.9.8") for _ in range(5)]
    wrong = sign_in("officer.sys", "guess", ip="10.9.9.7")
    assert {p[0] for p in paused + unknown} == {200}
    assert answer(paused[0][1]) == answer(unknown[0][1]).replace("nobody.here", "USER") == answer(wrong[1])
    assert "This account is locked" not in paused[0][1]
    # The paused answer hashes the password too: as slow as an unknown username (not 6-29 ms vs 250 ms).
    paused_time = statistics.median(p[2] for p in paused)
    unknown_time = statistics.median(u[2] for u in unknown)
    assert paused_time > 0.5 * unknown_time, (paused_time, unknown_time)


def test_wrong_passwords_from_elsewhere_never_lock_the_real_officer_out(settings, frozen_clock):
    StaffFactory.create(username="officer.sys", role="officer", port=PortFactory.create(code="SYS"))
    for _ in range(12):
        sign_in("officer.sys", "guess", ip="203.0.113.50")
    status, where, _took = sign_in("officer.sys", PASSWORD, ip="198.51.100.7")  # the port's own address
    assert status == 302
    assert where.startswith("/staff/mfa")


def test_each_new_pause_of_a_pair_lasts_twice_as_long(frozen_clock):
    StaffFactory.create(username="planner.one")
    for _ in range(5):
        sign_in("planner.one", "guess", ip="10.1.1.1")
    frozen_clock.set(frozen_clock.now() + dt.timedelta(minutes=16))  # the first pause was 15 minutes
    for _ in range(5):
        sign_in("planner.one", "guess", ip="10.1.1.1")
    frozen_clock.set(frozen_clock.now() + dt.timedelta(minutes=16))
    assert sign_in("planner.one", PASSWORD, ip="10.1.1.1")[0] == 200  # the second is 30 minutes
    frozen_clock.set(frozen_clock.now() + dt.timedelta(minutes=15))
    assert sign_in("planner.one", PASSWORD, ip="10.1.1.1")[0] == 302
    assert AuditEvent.objects.filter(action="staff.signin_paused").count() == 2


def test_a_spike_of_wrong_passwords_raises_one_alert(settings, frozen_clock):
    settings.CITA_STAFF_FAILURE_ALERT = 6
    for n in range(8):
        sign_in(f"someone{n}", "guess", ip=f"10.2.2.{n}")
    assert AuditEvent.objects.filter(action="staff.signin_spike").count() == 1
