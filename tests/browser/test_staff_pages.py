"""Every staff page, as each staff role sees it, on a 360 px phone with JavaScript off: nothing scrolls
sideways (issue 15, item 8). The pages are the GET routes of the route × role table (tests/core/test_access.py
RULES) that the role may open, so a new staff page is visited as soon as it has its rule; the data behind
them is wide on purpose (a long port name, a rebooked closure, a group with outcomes to record).

The staff consoles are in English only (the NGO console included), so one language is enough here; the
applicant pages are swept in their languages by test_applicant_pages.py. Screenshots go to
test-artifacts/staff-pages/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from cita.appointments.services import appointment_check_in
from cita.appointments.services.rebooking import closure_rebook
from cita.audit.models import AuditEvent
from cita.core.actors import system
from tests.core.test_access import RULES
from tests.factories.closures import Ask, appointment_today, booked, closed, group_of, slots
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import port_with_slots
from tests.factories.registrations import ShelterFactory
from tests.factories.staff import StaffFactory, actor_of, resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROLES = ("officer", "planner", "ngo", "auditor", "admin")
# Staff pages: the consoles, the capacity calendar, the audit log, the notifications' admin list.
PREFIXES = ("staff:", "ports:", "audit:", "notifications:admin_")
# The innermost elements that stick out on the right (a scrolling table region holds its table).
CULPRITS = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > 361 && !e.parentElement.closest('.table-wrap'))
  .slice(-3)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)} px`)"""
# Pages the table does not name (a search, a second group in another state).
EXTRA = {
    "officer": ["/staff/officer/?q=Principal", "/staff/officer/appointments/{resident_appointment}/"],
}


def staff_pages(role: str, objects: dict[str, Any]) -> list[str]:
    """The paths of every staff page `role` may open (GET routes of RULES, not JSON), then the extras."""
    paths = [
        rule.path.format(**objects)
        for name, rule in RULES.items()
        if name.startswith(PREFIXES)
        and rule.method == "get"
        and not rule.path.endswith(".json")
        and role in rule.admits
    ]
    return paths + [path.format(**objects) for path in EXTRA.get(role, [])]


def wide_world(frozen_clock: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Staff of every role and the objects their pages name, with long names where pages could overflow."""
    port = port_with_slots(
        "LAR",
        slots=[("08:00", 30)],
        position=1,
        name="Laredo Gateway to the Americas",
        time_zone="America/Chicago",
    )
    other = port_with_slots("TIJ", slots=[], position=2, name="Tijuana El Chaparral")
    slots(other, day=D + dt.timedelta(days=1), seats=[("08:00", 4)])
    booked(frozen_clock, [Ask(size=2, ports=["LAR", "TIJ"], language=lang) for lang in ("es", "ht", "fr")])
    shelter = ShelterFactory.create(name="Casa del Migrante en Tijuana, A.C.")
    users = {
        "officer": StaffFactory.create(role="officer", port=port, first_name="Rosa", last_name="Marín"),
        "planner": StaffFactory.create(role="planner", first_name="Iris"),
        "ngo": StaffFactory.create(role="ngo", shelter=shelter),
        "auditor": StaffFactory.create(role="auditor"),
        "admin": StaffFactory.create(role="admin"),
    }
    closure = closed(port, start=D, actor=actor_of(users["planner"]), reason="Bridge closed for repairs")
    closure_rebook(closure_id=closure.pk, actor=system("test"))
    family = group_of(Ask(size=4, ports=["LAR"]))
    today = appointment_today(applicant=family, port=port, slot="09:00")
    # Checked in: the group's page shows the outcome of each person to record.
    appointment_check_in(appointment=today, actor=actor_of(users["officer"]))
    shelter_resident = resident(
        shelter=shelter,
        worker=users["ngo"],
        given_names="Jean-Baptiste Emmanuel",
        family_names="Pierre-Louis",
    )
    objects = {
        "resident": shelter_resident.pk,
        "account": users["auditor"].pk,
        "port": port.code,
        "today": today.pk,
        "resident_appointment": appointment_today(applicant=shelter_resident, port=port).pk,
        "closure": closure.pk,
        "audit_event": AuditEvent.objects.order_by("id").values_list("id", flat=True).first(),
    }
    return users, objects


@pytest.mark.parametrize("role", ROLES)
def test_no_staff_page_scrolls_sideways_at_360_px(phone, role, artifacts, frozen_clock):
    users, objects = wide_world(frozen_clock)
    folder: Path = artifacts / "staff-pages"
    folder.mkdir(exist_ok=True)
    page = phone(language="en", javascript=False, ngo=users[role]).new_page()
    paths = staff_pages(role, objects)
    assert len(paths) >= 4, paths
    wide = []
    for path in paths:
        response = page.goto(path)
        assert response is not None, path
        assert response.status < 400, (path, response.status)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide.append(f"{path}: {width} px ({', '.join(page.evaluate(CULPRITS))})")
        if role == "officer":
            # The officer's tables (the manifest, the people of a group) fit too: no scrolling region.
            regions = page.evaluate(
                "() => [...document.querySelectorAll('.table-wrap')].map(e => e.scrollWidth - e.clientWidth)"
            )
            if any(extra > 0 for extra in regions):
                wide.append(f"{path}: a table scrolls sideways by {max(regions)} px")
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
        page.screenshot(path=str(folder / f"{role}-{name}.png"), full_page=True)
    assert not wide, f"{role}: pages wider than 360 px:\n" + "\n".join(wide)


def test_the_staff_sign_in_page_fits_360_px(phone):
    page = phone(language="en", javascript=False).new_page()
    page.goto("/staff/signin")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
