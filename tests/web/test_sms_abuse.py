"""SMS cost abuse (issue 14, item 3): codes are texted only to the countries in CITA_SMS_COUNTRIES, never
to premium-rate, shared-cost or satellite numbers, within budgets per network address, per number range
and for all numbers per hour. Through the full middleware (CSRF checks on)."""

from __future__ import annotations

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.notifications.models import Notice
from cita.registrations.models import OneTimeCode
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db


def ask(contact: str, *, ip: str = "127.0.0.1") -> tuple[int, str]:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    client.cookies["django_language"] = "en"
    response = csrf_post(client, "/signin", {"contact": contact})
    return response.status_code, response.content.decode()


# What the probe of 2026-12-03 texted: US premium 900, UK premium 909, two satellite networks (Thuraya,
# Iridium), Ascension and Nauru.
@pytest.mark.parametrize(
    "number",
    [
        "+1 900 555 0123",
        "+44 909 876 5432",
        "+882 16 1234 5678",
        "+881 6 1234 5678",
        "+247 61234",
        "+674 555 1234",
    ],
)
def test_premium_satellite_and_faraway_numbers_get_no_code(number):
    status, page = ask(number)
    assert status == 200
    assert 'id="id_contact_error"' in page
    assert (
        "We cannot send text messages to this country." in page
        or "This number cannot get text messages." in page
    )
    assert not OneTimeCode.objects.exists()
    assert not Notice.objects.exists()


def test_a_premium_number_inside_an_allowed_country_is_refused():
    _status, page = ask("+52 900 123 4567")
    assert "This number cannot get text messages." in page
    assert not OneTimeCode.objects.exists()


@pytest.mark.parametrize(
    "number", ["+52 664 123 4567", "+1 213 555 0142", "+504 9876 5432", "+509 3712 3456"]
)
def test_the_phones_applicants_carry_get_a_code(number):
    status, page = ask(number)
    assert status == 302, page
    assert OneTimeCode.objects.count() == 1


def test_the_country_list_is_a_setting(settings):
    assert ask("+33 6 12 34 56 78")[0] == 200
    settings.CITA_SMS_COUNTRIES = [*settings.CITA_SMS_COUNTRIES, "FR"]
    assert ask("+33 6 12 34 56 78")[0] == 302


def test_one_network_address_may_text_only_so_many_numbers_an_hour(settings):
    settings.CITA_SMS_IP_PER_HOUR = 3
    for n in range(3):
        assert ask(f"+52 664 1{n}0 0001", ip="10.0.0.7")[0] == 302
    _status, page = ask("+52 664 190 0001", ip="10.0.0.7")
    assert "You asked for too many codes." in page
    assert ask("person@example.org", ip="10.0.0.7")[0] == 302  # email costs nothing
    assert ask("+52 664 190 0001", ip="10.0.0.8")[0] == 302


def test_one_number_range_gets_only_so_many_codes_an_hour(settings):
    settings.CITA_SMS_PREFIX_PER_HOUR = 3
    for n in range(3):
        assert ask(f"+52 664 123 400{n}", ip=f"10.0.1.{n}")[0] == 302
    _status, page = ask("+52 664 123 4009", ip="10.0.1.9")
    assert "You asked for too many codes." in page
    assert ask("+52 664 123 5009", ip="10.0.1.9")[0] == 302


def test_the_hourly_sms_budget_warns_at_80_percent_and_then_refuses(settings):
    settings.CITA_SMS_HOURLY_BUDGET = 5
    for n in range(5):
        assert ask(f"+52 664 {n}00 0001", ip=f"10.0.2.{n}")[0] == 302
        assert AuditEvent.objects.filter(action="sms.budget_warning").count() == (1 if n >= 3 else 0)
    _status, page = ask("+52 664 900 0001", ip="10.0.2.9")
    assert "We cannot send text messages right now." in page
    assert 'id="id_contact_error"' in page
    assert ask("someone@example.org", ip="10.0.2.9")[0] == 302
