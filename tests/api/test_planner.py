"""Planners (and admins) read the seats of a port on a day."""

from __future__ import annotations

import pytest

from tests.api.conftest import as_staff, problem
from tests.factories.draws import port_with_slots
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_planner_reads_the_seats_of_a_port_on_a_day():
    port_with_slots("SYS", slots=[("08:00", 10), ("13:30", 4)])
    body = as_staff(StaffFactory.create(role="planner")).get("/planner/capacity/SYS/2026-12-15").json()
    assert body == {
        "port": "SYS",
        "day": "2026-12-15",
        "seats": 14,
        "left": 14,
        "slots": [
            {"slot": "08:00", "seats": 10, "left": 10, "booked": 0},
            {"slot": "13:30", "seats": 4, "left": 4, "booked": 0},
        ],
    }
    admin = as_staff(StaffFactory.create(role="admin"))
    assert admin.get("/planner/capacity/SYS/2026-12-16").json()["slots"] == []


def test_unknown_ports_and_days_are_problems():
    port_with_slots("SYS", slots=[("08:00", 10)])
    planner = as_staff(StaffFactory.create(role="planner"))
    problem(planner.get("/planner/capacity/XYZ/2026-12-15"), 404, "not_found")
    problem(planner.get("/planner/capacity/SYS/2026-13-40"), 422, "invalid_input")
    problem(planner.get("/planner/capacity/sys/2026-12-15"), 422, "invalid_input")
    problem(
        as_staff(StaffFactory.create(role="auditor")).get("/planner/capacity/SYS/2026-12-15"),
        403,
        "forbidden",
    )
