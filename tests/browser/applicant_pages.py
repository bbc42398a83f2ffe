"""Every applicant page, as a visit a browser can make: the page-size and accessibility tests run over all
of them. A new applicant page adds its `Visit` to VISITS (and to the data in `world` if it needs some).

A visit has a `setup` (not measured: e.g. open the form) and an `act` (measured: the navigation or the form
submission that shows the page). `who` says whose browser makes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cita.appointments.models import Appointment
from cita.appointments.services.offers import offer_confirm
from cita.core.clock import FrozenClock
from cita.draws.models import Draw, Offer, Request
from cita.draws.services import draw_close, priority_flag, request_submit
from cita.registrations.models import Applicant, Member, Relationship
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, san_ysidro_and_el_paso
from tests.factories.registrations import ShelterFactory, actor_for, applicant, registered_group
from tests.factories.staff import StaffFactory


@dataclass
class World:
    """The data the visits need: a registered group of two that has not asked yet, a newcomer, a shelter
    and its worker helping a resident who holds an appointment; and, from the first day's draw, a group
    selected with its offer open, a group not selected, and a group waiting in the second day's draw."""

    group: Applicant
    relative: Member
    newcomer: Applicant
    ngo: Any
    resident: Applicant
    selected: Applicant
    offer: Offer
    unlucky: Applicant
    waiting: Applicant
    appointment: Appointment

    def request_of(self, who: Applicant) -> Request:
        """The newest request of a group."""
        return Request.objects.filter(applicant=who).latest("created_at")


def world(language: str, clock: FrozenClock) -> World:
    """Build the data (call inside a transactional test with the frozen clock); applicants read
    `language`. Leaves the clock on the second day as its window opens (2026-12-02 12:00 in Tijuana)."""
    shelter = ShelterFactory.create(name="Casa del Migrante", city="Tijuana", phone="+52 664 682 5180")
    ShelterFactory.create(name="Maison des Haïtiens", city="Tijuana", phone="+52 664 000 1111")
    san_ysidro_and_el_paso(seats=3)
    group = registered_group(size=2, language=language)
    resident = registered_group(size=1, language=language, given_names="Jean Baptiste", family_names="Pierre")
    resident.shelter = shelter
    resident.save(update_fields=["shelter"])
    relative = group.members.exclude(relationship=Relationship.SELF).get()
    selected = registered_group(size=2, language=language, given_names="Rosa Elena", family_names="Martínez")
    unlucky = registered_group(size=2, language=language, given_names="Luis", family_names="Gómez")
    # Day one: the resident and Rosa's group are urgent (drawn first, 1 + 2 of the 3 seats); Luis's group
    # of two finds no seat left.
    first = open_draw(clock)
    for who in (resident, selected, unlucky):
        if who is not unlucky:
            priority_flag(applicant=who, reason="test", actor=JOB)
        request_submit(applicant=who, ports=["SYS"], actor=actor_for(who), draw=first)
    clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=first.pk), actor=JOB)
    appointment = offer_confirm(offer=Offer.objects.get(applicant=resident), actor=actor_for(resident))
    # Day two: a group asks in the window now open.
    second = open_draw(clock, day=dt.date(2026, 12, 2))
    waiting = registered_group(size=1, language=language, given_names="Marie", family_names="Joseph")
    request_submit(applicant=waiting, ports=["ELP", "SYS"], actor=actor_for(waiting), draw=second)
    return World(
        group=group,
        relative=relative,
        newcomer=applicant(language=language),
        ngo=StaffFactory.create(role="ngo", shelter=shelter),
        resident=resident,
        selected=selected,
        offer=Offer.objects.get(applicant=selected),
        unlucky=unlucky,
        waiting=waiting,
        appointment=appointment,
    )


Step = Callable[[Any, World], Any]


def _nothing(page: Any, w: World) -> None:
    return None


def _goto(path: str | Callable[[World], str]) -> Step:
    return lambda page, w: page.goto(path(w) if callable(path) else path)


def _submit(page: Any, w: World) -> None:
    page.locator("main form[novalidate] button[type=submit]").first.click()


def _signin_started(page: Any, w: World) -> None:
    page.goto("/signin")
    page.fill("#id_contact", "+52 664 555 0101")
    _submit(page, w)


def _fill_bad_member(page: Any, w: World) -> None:
    page.fill("#id_given_names", "Luis")
    page.fill("#id_dob_day", "31")
    page.select_option("#id_dob_month", "2")
    page.fill("#id_dob_year", "2019")
    _submit(page, w)


def _ask_twice_for_one_port(page: Any, w: World) -> None:
    page.select_option("#id_port_1", "SYS")
    page.select_option("#id_port_2", "SYS")
    _submit(page, w)


def _fill_and_submit(selector: str, value: str) -> Step:
    def step(page: Any, w: World) -> None:
        page.fill(selector, value)
        _submit(page, w)

    return step


@dataclass(frozen=True)
class Visit:
    name: str
    # "public"; "applicant" (registered group that has not asked), "newcomer" (no group yet), "selected"
    # (offer open), "unlucky" (not selected), "waiting" (asked in the open draw), "booked" (the resident,
    # with an appointment); "ngo" (helping the resident)
    who: str
    act: Step
    setup: Step = _nothing


VISITS: list[Visit] = [
    Visit("home", "public", _goto("/")),
    Visit("help", "public", _goto("/help")),
    Visit("privacy", "public", _goto("/privacy")),
    Visit("not-found", "public", _goto("/no-such-page")),
    Visit("signin", "public", _goto("/signin")),
    Visit(
        "signin-errors",
        "public",
        _fill_and_submit("#id_contact", "664 12"),
        setup=_goto("/signin"),
    ),
    Visit(
        "signin-code",
        "public",
        _fill_and_submit("#id_contact", "+52 664 555 0101"),
        setup=_goto("/signin"),
    ),
    Visit(
        "signin-code-errors",
        "public",
        _fill_and_submit("#id_code", "12345"),
        setup=_signin_started,
    ),
    Visit("home-signed-in", "applicant", _goto("/")),
    Visit("group", "applicant", _goto("/group")),
    Visit("register", "newcomer", _goto("/group/register")),
    Visit("register-errors", "newcomer", _submit, setup=_goto("/group/register")),
    Visit("member-new", "applicant", _goto("/group/members/new")),
    Visit(
        "member-new-errors",
        "applicant",
        _fill_bad_member,
        setup=_goto("/group/members/new"),
    ),
    Visit("member-edit", "applicant", _goto(lambda w: f"/group/members/{w.relative.pk}")),
    Visit("member-remove", "applicant", _goto(lambda w: f"/group/members/{w.relative.pk}/remove")),
    Visit("profile", "applicant", _goto("/profile")),
    Visit(
        "contact-confirm",
        "applicant",
        _fill_and_submit("#id_contact", "nuevo@example.org"),
        setup=_goto("/profile"),
    ),
    Visit(
        "signed-out",
        "applicant",
        lambda page, w: page.click("form[action='/signout'] button"),
        setup=_goto("/profile"),
    ),
    Visit("ngo-group", "ngo", _goto("/group")),
    Visit("ngo-member-edit", "ngo", _goto(lambda w: f"/group/members/{w.resident.members.get().pk}")),
    # The daily cycle: status in every state, asking, results, history, offer, pass.
    Visit("status-ask", "applicant", _goto("/draw/")),
    Visit("ask", "applicant", _goto("/draw/ask")),
    Visit("ask-errors", "applicant", _ask_twice_for_one_port, setup=_goto("/draw/ask")),
    Visit("status-waiting", "waiting", _goto("/draw/")),
    Visit("withdraw", "waiting", _goto("/draw/withdraw")),
    Visit("request-waiting", "waiting", _goto(lambda w: f"/draw/requests/{w.request_of(w.waiting).pk}")),
    Visit("status-selected", "selected", _goto("/draw/")),
    Visit("offer", "selected", _goto(lambda w: f"/draw/offers/{w.offer.pk}")),
    Visit("offer-decline", "selected", _goto(lambda w: f"/draw/offers/{w.offer.pk}/decline")),
    Visit("request-selected", "selected", _goto(lambda w: f"/draw/requests/{w.offer.request_id}")),
    Visit("messages", "selected", _goto("/messages")),
    Visit("status-not-selected", "unlucky", _goto("/draw/")),
    Visit("request-not-selected", "unlucky", _goto(lambda w: f"/draw/requests/{w.request_of(w.unlucky).pk}")),
    Visit("history", "unlucky", _goto("/draw/history")),
    Visit("status-booked", "booked", _goto("/draw/")),
    Visit("pass", "booked", _goto(lambda w: f"/appointments/{w.appointment.pk}/pass")),
    Visit("cancel", "booked", _goto(lambda w: f"/appointments/{w.appointment.pk}/cancel")),
    Visit("change", "booked", _goto(lambda w: f"/appointments/{w.appointment.pk}/change")),
    Visit("transparency", "public", _goto("/transparency/")),
    Visit("transparency-draw", "public", _goto("/transparency/draws/2026-12-01/")),
    Visit(
        "transparency-lookup",
        "public",
        _goto(lambda w: f"/transparency/draws/2026-12-01/?ticket={w.request_of(w.unlucky).ticket}"),
    ),
    Visit(
        "transparency-lookup-empty",
        "public",
        _fill_and_submit("#id_ticket", ""),
        setup=_goto("/transparency/draws/2026-12-01/"),
    ),
    Visit("ngo-status", "ngo", _goto("/draw/")),
    Visit("ngo-pass", "ngo", _goto(lambda w: f"/appointments/{w.appointment.pk}/pass")),
]


def open_as(
    phone: Callable[..., Any], visit: Visit, w: World, *, language: str, javascript: bool = True
) -> Any:
    """A page in a fresh phone-sized context signed in as the visit's `who`."""
    who: dict[str, Any] = {
        "public": {},
        "applicant": {"applicant": w.group},
        "newcomer": {"applicant": w.newcomer},
        "selected": {"applicant": w.selected},
        "unlucky": {"applicant": w.unlucky},
        "waiting": {"applicant": w.waiting},
        "booked": {"applicant": w.resident},
        "ngo": {"ngo": w.ngo, "acting_for": w.resident},
    }[visit.who]
    return phone(language=language, javascript=javascript, **who).new_page()


__all__ = ["VISITS", "Visit", "World", "open_as", "world"]
