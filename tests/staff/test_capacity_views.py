import datetime as dt
import re

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.ports.models import SlotCapacity, WeeklySlot
from cita.ports.services import capacity_take
from tests.conftest import sign_in_staff
from tests.factories.ports import PortFactory, SlotCapacityFactory
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 15)  # a Tuesday


@pytest.fixture
def planner() -> Client:
    client = Client()
    sign_in_staff(client, StaffFactory.create(role="planner"))
    return client


def cells(html: str, row_label: str) -> list[str]:
    """The text of the cells of the table row whose header starts with `row_label`."""
    row = re.search(rf"<tr><th scope=\"row\">(?:<a [^>]*>)?{re.escape(row_label)}.*?</tr>", html, re.S)
    assert row is not None, row_label
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]


def test_the_calendar_totals_seats_per_day_per_port_and_over_all_ports(planner):
    sys, otm = PortFactory.create(code="SYS", position=1), PortFactory.create(code="OTM", position=2)
    SlotCapacityFactory.create(port=sys, day=DAY, slot=dt.time(8), seats=40)
    SlotCapacityFactory.create(port=sys, day=DAY, slot=dt.time(10), seats=30)
    SlotCapacityFactory.create(port=otm, day=DAY, slot=dt.time(9), seats=20)
    SlotCapacityFactory.create(port=otm, day=DAY + dt.timedelta(days=1), slot=dt.time(9), seats=25)
    assert capacity_take(port_id=sys.pk, day=DAY, slot=dt.time(8), seats=4)
    html = planner.get("/staff/capacity/?start=2026-12-15&days=3").content.decode()
    assert cells(html, "Tue 2026-12-15") == ["70 (4 booked)", "20", "90 (4 booked)"]
    assert cells(html, "Wed 2026-12-16") == ["–", "25", "25"]
    assert cells(html, "Thu 2026-12-17") == ["–", "–", "0"]
    assert cells(html, "Total") == ["70 (4 booked)", "45", "115 (4 booked)"]


def test_the_port_calendar_totals_each_slot_and_day(planner):
    sys = PortFactory.create(code="SYS")
    for day, seats in ((DAY, 40), (DAY + dt.timedelta(days=1), 35)):
        SlotCapacityFactory.create(port=sys, day=day, slot=dt.time(8), seats=seats)
    SlotCapacityFactory.create(port=sys, day=DAY, slot=dt.time(13, 30), seats=10)
    html = planner.get("/staff/capacity/SYS/?start=2026-12-15&days=2").content.decode()
    assert ">08:00<" in html
    assert ">13:30<" in html
    assert cells(html, "Tue 2026-12-15") == ["40", "10", "50"]
    assert cells(html, "Slot total") == ["75", "10", "85"]


def test_a_bad_range_falls_back_to_two_weeks_and_says_why(planner, frozen_clock):
    html = planner.get("/staff/capacity/?start=nope&days=500").content.decode()
    assert "Enter a valid date." in html
    assert html.count('<tr><th scope="row">') == 15  # 14 days and the totals


def test_the_weekly_template_is_saved_from_the_grid_then_applied_to_days(planner):
    sys = PortFactory.create(code="SYS")
    form = planner.get("/staff/capacity/SYS/template").content.decode()
    assert 'name="rows" value="3"' in form  # no slots yet: three empty rows
    assert 'for="id_r0_d0">Seats on Monday in new slot 1<' in form
    data = {"rows": "3", "r0_time": "08:00", "r1_time": "13:00"}
    data |= {f"r0_d{d}": "40" for d in range(5)}  # weekdays only
    data |= {"r1_d1": "20", "r1_d2": ""}
    response = planner.post("/staff/capacity/SYS/template", data)
    assert response.status_code == 302
    assert sorted(WeeklySlot.objects.filter(port=sys).values_list("weekday", "slot", "seats")) == [
        *[(d, dt.time(8), 40) for d in range(2)],
        (1, dt.time(13), 20),
        *[(d, dt.time(8), 40) for d in range(2, 5)],
    ]
    assert AuditEvent.objects.filter(action="capacity.template_set").count() == 5
    page = planner.get("/staff/capacity/SYS/template").content.decode()
    assert "changed: Monday, Tuesday, Wednesday, Thursday, Friday" in page
    assert cells(page, "Seats per day (saved)") == ["40", "60", "40", "40", "40", "0", "0"]
    applied = planner.post("/staff/capacity/SYS/template/apply", {"start": "2026-12-14", "end": "2026-12-20"})
    assert applied.status_code == 302
    assert SlotCapacity.objects.filter(port=sys).count() == 6
    assert SlotCapacity.objects.get(port=sys, day=DAY, slot=dt.time(13)).seats == 20


def test_the_template_form_names_its_mistakes(planner):
    PortFactory.create(code="SYS")
    response = planner.post(
        "/staff/capacity/SYS/template",
        {"rows": "3", "r0_time": "", "r0_d0": "10", "r1_time": "09:00", "r1_d0": "-5", "r2_time": "09:00"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Give the start time of this slot." in html
    assert "Ensure this value is greater than or equal to 0." in html
    assert "09:00 is given twice" in html
    assert not WeeklySlot.objects.exists()


def test_seats_below_what_is_booked_are_refused_on_that_slot(planner):
    sys = PortFactory.create(code="SYS")
    SlotCapacityFactory.create(port=sys, day=DAY, slot=dt.time(8), seats=40)
    assert capacity_take(port_id=sys.pk, day=DAY, slot=dt.time(8), seats=12)
    response = planner.post("/staff/capacity/SYS/2026-12-15", {"seats_0800": "10"})
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        'id="id_seats_0800_error">SYS 2026-12-15 08:00 has 12 seats booked; it cannot go down to 10.' in html
    )
    assert 'href="#id_seats_0800"' in html  # the error summary links to the field
    assert SlotCapacity.objects.get(port=sys, day=DAY).seats == 40


def test_a_day_is_changed_and_a_slot_added_without_javascript(planner):
    sys = PortFactory.create(code="SYS")
    SlotCapacityFactory.create(port=sys, day=DAY, slot=dt.time(8), seats=40)
    response = planner.post(
        "/staff/capacity/SYS/2026-12-15",
        {"seats_0800": "45", "new0_time": "15:00", "new0_seats": "12", "new1_time": "", "new1_seats": ""},
    )
    assert response.status_code == 302
    assert dict(SlotCapacity.objects.filter(port=sys, day=DAY).values_list("slot", "seats")) == {
        dt.time(8): 45,
        dt.time(15): 12,
    }
    page = planner.get("/staff/capacity/SYS/2026-12-15").content.decode()
    assert cells(page, "Day total") == ["57", "0", "57"]
    assert AuditEvent.objects.filter(action="capacity.day_set").get().data == {
        "day": "2026-12-15",
        "slots": {"08:00": 45, "15:00": 12},
    }


def test_a_new_slot_at_an_existing_time_or_half_filled_is_refused(planner):
    sys = PortFactory.create(code="SYS")
    SlotCapacityFactory.create(port=sys, day=DAY, slot=dt.time(8), seats=40)
    html = planner.post(
        "/staff/capacity/SYS/2026-12-15",
        {"seats_0800": "40", "new0_time": "08:00", "new0_seats": "5", "new1_seats": "3"},
    ).content.decode()
    assert "08:00 is already a slot of this day" in html
    assert "Give the start time of the new slot." in html


def test_unknown_ports_and_days_are_not_found(planner):
    PortFactory.create(code="SYS")
    assert planner.get("/staff/capacity/XXX/").status_code == 404
    assert planner.get("/staff/capacity/SYS/2026-13-40").status_code == 404
