"""Which clock the applicant's pages write times in: the choices, the default, the cookie."""

from __future__ import annotations

import datetime as dt

from django.test import RequestFactory

from cita.web.timezones import COOKIE, zone_choices, zone_of
from tests.conftest import sign_in_applicant
from tests.factories.ports import PortFactory
from tests.factories.registrations import registered_group

NOW = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)


def ports(db):
    PortFactory.create(code="SYS", city="San Diego, CA", time_zone="America/Los_Angeles", position=0)
    PortFactory.create(code="CAL", city="Calexico, CA", time_zone="America/Los_Angeles", position=1)
    PortFactory.create(code="NOG", city="Nogales, AZ", time_zone="America/Phoenix", position=2)
    PortFactory.create(code="ELP", city="El Paso, TX", time_zone="America/Denver", position=3)
    PortFactory.create(code="BRO", city="Brownsville, TX", time_zone="America/Chicago", position=4)
    PortFactory.create(code="OLD", city="Nowhere", time_zone="America/Chicago", active=False)


def test_zones_that_keep_the_same_clock_all_year_are_one_choice(db):
    ports(db)
    choices = zone_choices(now=NOW)
    assert [(z.key, z.places) for z in choices] == [
        ("America/Tijuana", ("Tijuana", "San Diego, CA", "Calexico, CA")),
        ("America/Phoenix", ("Nogales, AZ",)),
        ("America/Denver", ("El Paso, TX",)),
        ("America/Chicago", ("Brownsville, TX",)),
    ]
    # Phoenix and Denver agree in winter but not in summer: two choices, not one.
    assert [z.local_time(NOW).hour for z in choices] == [12, 13, 13, 14]


def test_without_a_choice_the_reference_zone_is_used(db):
    ports(db)
    request = RequestFactory().get("/")
    assert zone_of(request, now=NOW).key == "America/Tijuana"
    request.COOKIES[COOKIE] = "America/Chicago"
    assert zone_of(request, now=NOW).place == "Brownsville, TX"
    request.COOKIES[COOKIE] = "Europe/Paris"  # not a choice: ignored
    assert zone_of(request, now=NOW).key == "America/Tijuana"


def test_the_profile_lists_the_choices_with_their_time_now_and_saves_one(db, client, frozen_clock):
    ports(db)
    frozen_clock.set(NOW)
    group = registered_group(language="en")
    sign_in_applicant(client, group)
    page = client.get("/profile").content.decode()
    assert 'id="time-zone"' in page
    assert (
        '<option value="America/Tijuana" selected>noon · Tijuana, San Diego, CA, Calexico, CA</option>'
        in page
    )
    assert '<option value="America/Chicago">2 p.m. · Brownsville, TX</option>' in page
    response = client.post("/profile/time-zone", {"zone": "America/Chicago"})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "America/Chicago"
    assert response.cookies[COOKIE]["httponly"]
    page = client.get("/profile").content.decode()
    assert '<option value="America/Chicago" selected>' in page
