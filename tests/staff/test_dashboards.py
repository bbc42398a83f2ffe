"""The figures behind the dashboards and the public statistics, the dashboard page (charts that pass a
strict Content-Security-Policy, each with its table), and the public page's small-count suppression."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from cita.appointments.services import appointments_mark_no_shows
from cita.appointments.services.officer import appointment_scan, outcomes_record
from cita.audit.services import audit_chain_extend
from cita.ports.models import Port
from cita.transparency.charts import bar_chart
from cita.transparency.models import BacklogFigures, PortDayFigures
from cita.transparency.services import backlog_refresh, figures_refresh, figures_refresh_due
from tests.conftest import sign_in_staff
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import JOB, appointments_made, staff_actor
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 12, 15, 17, 0, tzinfo=dt.UTC)  # 09:00 at SYS on D
NEXT_DAY = dt.datetime(2026, 12, 16, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def day_done(frozen_clock):
    """Three groups of three at SYS on D: one all released, one with a detention, one never came."""
    groups = appointments_made(frozen_clock, count=3, size=3)
    frozen_clock.set(MORNING)
    officer = staff_actor(StaffFactory.create(role="officer", port=Port.objects.get(code="SYS")))
    for appointment, outcomes in zip(
        groups[:2],
        (("processed_released",) * 3, ("processed_released", "processed_released", "detained")),
        strict=True,
    ):
        appointment_scan(payload=appointment.pass_payload, actor=officer)
        outcomes_record(
            appointment=appointment,
            outcomes=dict(zip(appointment.members, outcomes, strict=True)),
            actor=officer,
        )
    frozen_clock.set(NEXT_DAY)
    appointments_mark_no_shows(actor=JOB)
    return groups


def client_for(user) -> Client:
    client = Client()
    sign_in_staff(client, user)
    return client


def test_the_figures_count_each_step_per_port_and_day(day_done):
    assert figures_refresh(start=D - dt.timedelta(days=1), end=D + dt.timedelta(days=1)) == 1
    row = PortDayFigures.objects.get(day=D)
    assert row.port.code == "SYS"
    counted = {
        name: getattr(row, name)
        for name in (
            "requests",
            "requested_people",
            "seats",
            "selections",
            "confirmations",
            "appointments",
            "check_ins",
            "people_checked_in",
            "no_shows",
            "processed_released",
            "detained",
            "removed",
            "referred",
            "member_no_show",
        )
    }
    assert counted == {
        "requests": 3,
        "requested_people": 9,
        "seats": 30,
        "selections": 3,
        "confirmations": 3,
        "appointments": 3,
        "check_ins": 2,
        "people_checked_in": 6,
        "no_shows": 1,
        "processed_released": 5,
        "detained": 1,
        "removed": 0,
        "referred": 0,
        "member_no_show": 3,
    }


def test_the_backlog_counts_groups_without_an_appointment_by_days_waited(day_done):
    backlog = backlog_refresh(day=dt.date(2026, 12, 16))
    # The group that never came has no appointment now; it first asked on 2026-12-01, 15 days before.
    assert (backlog.waiting, backlog.people, backlog.median_days) == (1, 3, 15)
    assert {b["label"]: b["groups"] for b in backlog.buckets}["14-29"] == 1
    assert sum(b["groups"] for b in backlog.buckets) == 1


def test_the_job_counts_the_days_that_can_still_change(day_done, frozen_clock):
    assert figures_refresh_due() >= 1
    assert PortDayFigures.objects.filter(day=D).exists()
    assert BacklogFigures.objects.filter(day=dt.date(2026, 12, 16)).exists()


def test_the_dashboard_shows_each_chart_with_its_table_and_auditors_cannot_recount(day_done):
    figures_refresh(start=D - dt.timedelta(days=13), end=D + dt.timedelta(days=7))
    backlog_refresh()
    planner = client_for(StaffFactory.create(role="planner"))
    page = planner.get("/staff/dashboard/?start=2026-12-02&days=21")
    assert page.status_code == 200
    text = page.content.decode()
    charts = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    assert len(charts) == 3
    for chart in charts:
        assert 'role="img"' in chart
        assert re.search(r'<title id="[a-z]+-title">[^<]+</title><desc id="[a-z]+-desc">', chart)
        assert "style=" not in chart  # passes style-src 'self'
        assert "<style" not in chart
    assert "Groups per day (seats in people)" in text
    assert "People per outcome and port" in text
    assert "Groups by days waited" in text
    assert "Count these days again now" in text

    auditor = client_for(StaffFactory.create(role="auditor"))
    read = auditor.get("/staff/dashboard/").content.decode()
    assert "Count these days again now" not in read
    assert auditor.post("/staff/dashboard/refresh").status_code == 403
    assert planner.post("/staff/dashboard/refresh?start=2026-12-02&days=21").status_code == 302


def test_chart_ids_are_unique_per_chart_and_the_text_is_escaped():
    one = bar_chart(ident="a", title="Seats < 5 & more", desc="d", labels=["x"], series=[("s", [1])])
    two = bar_chart(ident="b", title="t", desc="d", labels=["x"], series=[("s", [1])])
    ids_one = set(re.findall(r'id="([^"]+)"', one))
    ids_two = set(re.findall(r'id="([^"]+)"', two))
    assert not ids_one & ids_two
    assert "Seats &lt; 5 &amp; more" in one
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', one):
        assert ref in ids_one  # every reference points at an element of the same chart


def test_the_public_page_publishes_counts_suppresses_small_outcomes_and_shows_the_chain_heads(
    day_done, frozen_clock
):
    figures_refresh(start=D - dt.timedelta(days=13), end=D + dt.timedelta(days=1))
    backlog_refresh()
    audit_chain_extend()  # the sequencer's run (job audit.chain): the heads are of chained rows
    page = Client().get("/transparency/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Appointments in numbers" in text
    assert "What happened to people at the port" not in text  # D's month can still be counted again
    assert "Ana María" not in text  # counts only
    assert "The audit log" in text
    assert re.search(r"<code class=\"hash\">[0-9a-f]{64}</code>", text[text.index("The audit log") :])
    # Outcomes are published per whole month, once none of its days is counted again.
    month_end = (D.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    frozen_clock.set(dt.datetime.combine(month_end + dt.timedelta(days=15), dt.time(20), tzinfo=dt.UTC))
    text = Client().get("/transparency/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    outcomes = text[text.index("What happened to people at the port") :]
    row = re.search(r"<tr><th scope=\"row\">Port SYS \(SYS\)</th>(.*?)</tr>", outcomes, flags=re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">(.*?)</td>', row.group(1))
    # processed and released 5, detained 1 (suppressed), removed 0, referred 0, did not come 3 (suppressed)
    assert cells == ["5", "fewer than 5", "0", "0", "fewer than 5"]
    assert "Ana María" not in text  # counts only
    spanish = Client().get("/transparency/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Las citas en números" in spanish
    assert "menos de 5" in spanish
