"""Every applicant page, as a visit a browser can make: the page-size and accessibility tests run over all
of them. A new applicant page adds its `Visit` to VISITS (and to the data in `world` if it needs some).

A visit has a `setup` (not measured: e.g. open the form) and an `act` (measured: the navigation or the form
submission that shows the page). `who` says whose browser makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cita.registrations.models import Applicant, Member, Relationship
from tests.factories.registrations import ShelterFactory, applicant, registered_group
from tests.factories.staff import StaffFactory


@dataclass
class World:
    """The data the visits need: a registered group of two, a newcomer, a shelter and its worker."""

    group: Applicant
    relative: Member
    newcomer: Applicant
    ngo: Any
    resident: Applicant


def world(language: str = "es") -> World:
    """Build the data (call inside a transactional test); the applicants read `language`."""
    shelter = ShelterFactory.create(name="Casa del Migrante", city="Tijuana", phone="+52 664 682 5180")
    ShelterFactory.create(name="Maison des Haïtiens", city="Tijuana", phone="+52 664 000 1111")
    group = registered_group(size=2, language=language)
    resident = registered_group(size=1, language=language, given_names="Jean Baptiste", family_names="Pierre")
    resident.shelter = shelter
    resident.save(update_fields=["shelter"])
    relative = group.members.exclude(relationship=Relationship.SELF).get()
    return World(
        group=group,
        relative=relative,
        newcomer=applicant(language=language),
        ngo=StaffFactory.create(role="ngo", shelter=shelter),
        resident=resident,
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


def _fill_and_submit(selector: str, value: str) -> Step:
    def step(page: Any, w: World) -> None:
        page.fill(selector, value)
        _submit(page, w)

    return step


@dataclass(frozen=True)
class Visit:
    name: str
    who: str  # "public", "applicant" (registered group), "newcomer" (no group yet), "ngo" (helping)
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
]


def open_as(
    phone: Callable[..., Any], visit: Visit, w: World, *, language: str, javascript: bool = True
) -> Any:
    """A page in a fresh phone-sized context signed in as the visit's `who`."""
    who: dict[str, Any] = {
        "public": {},
        "applicant": {"applicant": w.group},
        "newcomer": {"applicant": w.newcomer},
        "ngo": {"ngo": w.ngo, "acting_for": w.resident},
    }[visit.who]
    return phone(language=language, javascript=javascript, **who).new_page()


__all__ = ["VISITS", "Visit", "World", "open_as", "world"]
