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
from tests.factories.ports import PortFactory
from tests.factories.registrations import ShelterFactory, registered_group
from tests.factories.staff import StaffFactory

PUBLIC = "public"
CALLERS = ("anonymous", "applicant", "ngo", "officer", "planner", "admin", "auditor", "mfa_pending")
STAFF = frozenset({"ngo", "officer", "planner", "admin", "auditor"})
EVERYONE = frozenset(CALLERS)


@dataclass(frozen=True)
class Rule:
    """Who gets in (`admits`), and how to call the route (`path`, `method`, form `data`)."""

    admits: frozenset[str]
    path: str
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)


RULES: dict[str, Rule] = {
    "healthz": Rule(EVERYONE, "/healthz"),
    "readyz": Rule(EVERYONE, "/readyz"),
    "web:home": Rule(EVERYONE, "/"),
    "web:language": Rule(EVERYONE, "/language", "post", {"language": "es", "next": "/"}),
    "staff:login": Rule(EVERYONE, "/staff/signin"),
    "staff:home": Rule(STAFF, "/staff/"),
    "staff:mfa": Rule(STAFF | {"mfa_pending"}, "/staff/mfa"),
    "staff:logout": Rule(STAFF | {"mfa_pending"}, "/staff/signout", "post"),
    "notifications:inbox": Rule(frozenset({"applicant", "ngo"}), "/messages"),
    "notifications:preference": Rule(
        frozenset({"applicant", "ngo"}), "/messages/channels", "post", {"channels": "sms"}
    ),
    "notifications:admin_list": Rule(frozenset({"admin"}), "/staff/notifications/"),
    "notifications:admin_retry": Rule(frozenset({"admin"}), "/staff/notifications/1/retry", "post"),
    # The Django admin: one rule for the whole namespace (cita.core.access.NAMESPACE_RULES).
    "admin:*": Rule(frozenset({"admin"}), "/admin/"),
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
def callers(db) -> Callable[[], dict[str, Client]]:
    """Makes fresh signed-in clients for every kind of caller (so a sign-out route ends only its own)."""
    port, shelter = PortFactory.create(code="SYS"), ShelterFactory.create()
    applicant = registered_group()
    staff = {
        role: StaffFactory.create(
            role=role,
            **binding(role, port, shelter),
        )
        for role in STAFF
    }
    pending = StaffFactory.create(role="planner")

    def make() -> dict[str, Client]:
        clients = {name: Client() for name in CALLERS}
        sign_in_applicant(clients["applicant"], applicant)
        for role, user in staff.items():
            sign_in_staff(clients[role], user)
        clients["mfa_pending"].force_login(pending)  # password given, no TOTP code yet
        return clients

    return make


def admitted(response: Any) -> bool:
    """The caller got the page (or a redirect that is not a sign-in or MFA step)."""
    if response.status_code in (403, 404, 405):
        return False
    if response.status_code == 302:
        location = response["Location"]
        return not any(step in location for step in ("/staff/signin", "/staff/mfa", "/signin"))
    return response.status_code < 400


def test_route_role_matrix(callers):
    checked = 0
    failures = []
    for name, rule in RULES.items():
        clients = callers()
        for path in [rule.path, *NAMESPACE_SAMPLES.get(name, [])]:
            for caller, client in clients.items():
                response = getattr(client, rule.method)(path, rule.data)
                if admitted(response) != (caller in rule.admits):
                    failures.append(f"{name} {path} as {caller}: {response.status_code}")
                checked += 1
    print(f"route x role pairs checked: {checked}")
    assert not failures, "\n".join(failures)
