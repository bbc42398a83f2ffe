"""Route × role: every route of the URL configuration is requested as every kind of caller.

The table RULES below is the single statement of who may use what. It is written by hand, apart from the
code: a new route missing from it fails `test_every_route_has_a_rule_in_the_table`, and a view whose
declared access differs from the table fails the matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cita.core.access import declared_roles
from tests.conftest import sign_in_applicant, sign_in_staff
from tests.factories.appointments import access_objects
from tests.factories.ports import PortFactory
from tests.factories.registrations import ShelterFactory, registered_group
from tests.factories.staff import StaffFactory, resident

PUBLIC = "public"
# Every kind of caller. `*_other` are staff bound to another port or shelter than the objects the routes
# name (object scoping: they must get 404 where their colleague gets the page). `mfa_pending` gave a
# password but no code yet; `mfa_enrolling` gave a password and has no authenticator app yet.
CALLERS = (
    "anonymous",
    "applicant",
    "ngo",
    "ngo_other",
    "officer",
    "officer_other",
    "planner",
    "admin",
    "auditor",
    "mfa_pending",
    "mfa_enrolling",
)
STAFF = frozenset({"ngo", "ngo_other", "officer", "officer_other", "planner", "admin", "auditor"})
SIGNING_IN = frozenset({"mfa_pending", "mfa_enrolling"})
EVERYONE = frozenset(CALLERS)
ADMIN = frozenset({"admin"})
PLANNERS = frozenset({"planner", "admin"})
READERS = frozenset({"auditor", "admin"})
NGO = frozenset({"ngo", "ngo_other"})
# Applicant pages: the applicant, or an NGO worker (helping a resident; one who has chosen none is sent to
# the NGO console, which counts as admitted).
APPLICANT_PAGES = frozenset({"applicant"}) | NGO
# The colleague whose objects the `*_other` caller must not reach.
SAME_ROLE = {"ngo_other": "ngo", "officer_other": "officer"}


@dataclass(frozen=True)
class Rule:
    """Who gets in (`admits`), and how to call the route (`path` with {placeholders} for the objects the
    fixture makes, `method`, form `data`)."""

    admits: frozenset[str]
    path: str
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)


RULES: dict[str, Rule] = {
    "healthz": Rule(EVERYONE, "/healthz"),
    "readyz": Rule(EVERYONE, "/readyz"),
    "web:home": Rule(EVERYONE, "/"),
    "web:language": Rule(EVERYONE, "/language", "post", {"language": "es", "next": "/"}),
    "web:help": Rule(EVERYONE, "/help"),
    "web:privacy": Rule(EVERYONE, "/privacy"),
    "web:signin": Rule(EVERYONE, "/signin"),
    "web:signin_code": Rule(EVERYONE, "/signin/code"),
    "web:signin_resend": Rule(EVERYONE, "/signin/resend", "post"),
    "web:signout": Rule(frozenset({"applicant"}), "/signout", "post"),
    "web:signout_everywhere": Rule(frozenset({"applicant"}), "/signout/everywhere", "post"),
    # Applicant pages: the applicant, or an NGO worker helping a resident (without one chosen, the worker
    # is sent to the NGO console, which counts as admitted). {member} is the matrix group's principal.
    "web:group": Rule(APPLICANT_PAGES, "/group"),
    "web:group_register": Rule(APPLICANT_PAGES, "/group/register"),
    "web:member_new": Rule(APPLICANT_PAGES, "/group/members/new"),
    "web:member_edit": Rule(APPLICANT_PAGES, "/group/members/{member}"),
    "web:member_remove": Rule(APPLICANT_PAGES, "/group/members/{member}/remove"),
    "web:profile": Rule(APPLICANT_PAGES, "/profile"),
    "web:time_zone": Rule(APPLICANT_PAGES, "/profile/time-zone", "post", {"zone": "America/Tijuana"}),
    "web:contact_change": Rule(APPLICANT_PAGES, "/profile/contact", "post", {"contact": "not a contact"}),
    "web:contact_confirm": Rule(APPLICANT_PAGES, "/profile/contact/confirm"),
    "web:contact_remove": Rule(APPLICANT_PAGES, "/profile/contact/remove", "post", {"which": "email"}),
    "staff:login": Rule(EVERYONE, "/staff/signin"),
    "staff:home": Rule(STAFF, "/staff/"),
    "staff:mfa": Rule(STAFF | {"mfa_pending"}, "/staff/mfa"),
    "staff:mfa_enrol": Rule(frozenset({"mfa_enrolling"}), "/staff/mfa/enrol"),
    "staff:logout": Rule(STAFF | SIGNING_IN, "/staff/signout", "post"),
    "staff:profile": Rule(STAFF, "/staff/me"),
    "staff:recovery_codes": Rule(STAFF, "/staff/me/recovery-codes", "post"),
    "staff:password_change": Rule(STAFF, "/staff/me/password", "post"),
    "staff:accounts": Rule(ADMIN, "/staff/accounts/"),
    "staff:account_new": Rule(ADMIN, "/staff/accounts/new"),
    "staff:account": Rule(ADMIN, "/staff/accounts/{account}/"),
    "staff:account_role": Rule(ADMIN, "/staff/accounts/{account}/role", "post"),
    "staff:account_deactivate": Rule(ADMIN, "/staff/accounts/{account}/deactivate", "post"),
    "staff:account_activate": Rule(ADMIN, "/staff/accounts/{account}/activate", "post"),
    "staff:account_mfa_reset": Rule(ADMIN, "/staff/accounts/{account}/mfa-reset", "post"),
    "staff:account_password_reset": Rule(ADMIN, "/staff/accounts/{account}/password-reset", "post"),
    "staff:ngo_residents": Rule(NGO, "/staff/ngo/"),
    "staff:ngo_register": Rule(NGO, "/staff/ngo/register"),
    "staff:ngo_resident": Rule(frozenset({"ngo"}), "/staff/ngo/residents/{resident}/"),
    "staff:ngo_member_new": Rule(frozenset({"ngo"}), "/staff/ngo/residents/{resident}/members/new"),
    "staff:ngo_acting_start": Rule(frozenset({"ngo"}), "/staff/ngo/residents/{resident}/act", "post"),
    "staff:ngo_acting_stop": Rule(NGO, "/staff/ngo/acting/stop", "post"),
    "staff:ngo_occupancy": Rule(NGO, "/staff/ngo/occupancy"),
    "staff:shelters": Rule(PLANNERS, "/staff/shelters"),
    "ports:calendar": Rule(PLANNERS, "/staff/capacity/"),
    "ports:port": Rule(PLANNERS, "/staff/capacity/{port}/"),
    "ports:template": Rule(PLANNERS, "/staff/capacity/{port}/template"),
    "ports:template_apply": Rule(PLANNERS, "/staff/capacity/{port}/template/apply", "post"),
    "ports:day": Rule(PLANNERS, "/staff/capacity/{port}/2026-12-15"),
    "audit:log": Rule(READERS, "/audit/"),
    "audit:event": Rule(READERS, "/audit/events/1"),
    "audit:verify": Rule(READERS, "/audit/verify", "post"),
    "audit:heads": Rule(EVERYONE, "/audit/heads.json"),
    "notifications:inbox": Rule(frozenset({"applicant"}) | NGO, "/messages"),
    "notifications:preference": Rule(
        frozenset({"applicant"}) | NGO, "/messages/channels", "post", {"channels": "sms"}
    ),
    "notifications:admin_list": Rule(ADMIN, "/staff/notifications/"),
    "notifications:admin_retry": Rule(ADMIN, "/staff/notifications/1/retry", "post"),
    # The Django admin: one rule for the whole namespace (cita.core.access.NAMESPACE_RULES).
    "admin:*": Rule(ADMIN, "/admin/"),
    # The daily cycle (the applicant's objects at fixed ids: tests/factories/appointments.access_objects).
    "draws:home": Rule(APPLICANT_PAGES, "/draw/"),
    "draws:ask": Rule(APPLICANT_PAGES, "/draw/ask"),
    "draws:withdraw": Rule(APPLICANT_PAGES, "/draw/withdraw", "post"),
    "draws:history": Rule(APPLICANT_PAGES, "/draw/history"),
    "draws:request": Rule(APPLICANT_PAGES, "/draw/requests/900001"),
    "draws:offer": Rule(APPLICANT_PAGES, "/draw/offers/900001"),
    "draws:offer_decline": Rule(APPLICANT_PAGES, "/draw/offers/900001/decline"),
    "appointments:pass": Rule(APPLICANT_PAGES, "/appointments/900001/pass"),
    "appointments:pass_offline": Rule(APPLICANT_PAGES, "/appointments/900001/pass.html"),
    "appointments:pass_png": Rule(APPLICANT_PAGES, "/appointments/900001/pass.png"),
    "appointments:cancel": Rule(APPLICANT_PAGES, "/appointments/900001/cancel", "post"),
    "appointments:pass_keys": Rule(EVERYONE, "/.well-known/cita-pass-keys.json"),
    "transparency:home": Rule(EVERYONE, "/transparency/"),
    "transparency:draws_json": Rule(EVERYONE, "/transparency/draws.json"),
    "transparency:draw_file": Rule(EVERYONE, "/transparency/draws/2026-12-01/manifest.json"),
}
# Extra paths inside a namespace rule, to show the rule holds beyond the index page.
NAMESPACE_SAMPLES = {"admin:*": ["/admin/registrations/applicant/", "/admin/audit/auditevent/"]}


def url_names(
    resolvers: list[Any] | None = None, namespace: str = ""
) -> Iterator[tuple[str, Callable[..., Any]]]:
    """(name, view) of every route; routes of the admin collapse to `admin:*`."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "admin":
                yield "admin:*", entry.url_patterns[0].callback  # type: ignore[misc]
                continue
            yield from url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def test_every_route_has_a_rule_in_the_table():
    missing = sorted({name for name, _ in url_names()} - set(RULES))
    assert not missing, f"routes without a rule in tests/core/test_access.py RULES: {missing}"


def test_every_view_declares_who_may_use_it():
    undeclared = [name for name, view in url_names() if name != "admin:*" and declared_roles(view) is None]
    assert not undeclared


def binding(role: str, port: Any, shelter: Any) -> dict[str, Any]:
    """Officers belong to a port, NGO workers to a shelter."""
    return {"port": port} if role == "officer" else {"shelter": shelter} if role == "ngo" else {}


@pytest.fixture
def callers(db) -> tuple[Callable[[], dict[str, Client]], dict[str, Any]]:
    """Makes fresh signed-in clients for every kind of caller (so a sign-out route ends only its own), and
    the objects the routes name: a resident of the NGO caller's shelter, a staff account, a port."""
    port, other_port = PortFactory.create(code="SYS"), PortFactory.create(code="OTH")
    shelter, other_shelter = ShelterFactory.create(), ShelterFactory.create()
    applicant = registered_group()
    access_objects(applicant=applicant, port=port)
    staff = {
        role: StaffFactory.create(role=role, **binding(role, port, shelter))
        for role in STAFF - set(SAME_ROLE)
    }
    staff["ngo_other"] = StaffFactory.create(role="ngo", shelter=other_shelter)
    staff["officer_other"] = StaffFactory.create(role="officer", port=other_port)
    pending = StaffFactory.create(role="planner")
    enrolling = StaffFactory.create(role="planner", totp=False)
    objects = {
        "resident": resident(shelter=shelter, worker=staff["ngo"]).pk,
        "account": StaffFactory.create(role="auditor").pk,
        "port": port.code,
        "member": applicant.members.get(relationship="self").pk,
    }

    def make() -> dict[str, Client]:
        clients = {name: Client() for name in CALLERS}
        applicant.refresh_from_db()  # "sign out everywhere" moved the session epoch on
        sign_in_applicant(clients["applicant"], applicant)
        for name, user in staff.items():
            sign_in_staff(clients[name], user)
        clients["mfa_pending"].force_login(pending)  # password given, no TOTP code yet
        clients["mfa_enrolling"].force_login(enrolling)  # password given, no authenticator app yet
        return clients

    return make, objects


def admitted(response: Any) -> bool:
    """The caller got the page (or a redirect that is not a sign-in or MFA step)."""
    if response.status_code in (403, 404, 405):
        return False
    if response.status_code == 302:
        location = response["Location"]
        return not any(step in location for step in ("/staff/signin", "/staff/mfa", "/signin"))
    return response.status_code < 400


def test_route_role_matrix(callers):
    make, objects = callers
    checked = 0
    failures = []
    for name, rule in RULES.items():
        clients = make()
        for path in [rule.path.format(**objects), *NAMESPACE_SAMPLES.get(name, [])]:
            for caller, client in clients.items():
                response = getattr(client, rule.method)(path, rule.data)
                if admitted(response) != (caller in rule.admits):
                    failures.append(f"{name} {path} as {caller}: {response.status_code}")
                # Object scoping: what a colleague of another port or shelter may not see does not exist.
                colleague = SAME_ROLE.get(caller)
                if colleague in rule.admits and caller not in rule.admits and response.status_code != 404:
                    failures.append(f"{name} {path} as {caller}: {response.status_code}, expected 404")
                checked += 1
    print(f"route x role pairs checked: {checked} ({len(RULES)} routes x {len(CALLERS)} callers, + samples)")
    assert not failures, "\n".join(failures)
