"""Route × role: every route of the URL configuration is requested as every kind of caller.

The table RULES below is the single statement of who may use what. It is written by hand, apart from the
code: a new route missing from it fails `test_every_route_has_a_rule_in_the_table`, and a view whose
declared access differs from the table fails the matrix.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cita.api.auth import operation_roles
from cita.api.main import api
from cita.appointments.services.rebooking import closure_rebook
from cita.audit.models import AuditEvent
from cita.core import clock
from cita.core.access import declared_roles
from cita.core.actors import Role, system
from cita.draws.models import Offer
from tests.conftest import sign_in_applicant, sign_in_staff
from tests.factories.appointments import access_objects
from tests.factories.closures import appointment_today, closed
from tests.factories.ports import PortFactory
from tests.factories.registrations import ShelterFactory, registered_group
from tests.factories.staff import StaffFactory, actor_of, resident

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
OFFICERS = frozenset({"officer", "officer_other"})
# Closures, their plans and the dashboards' aggregates: planners and admins, and auditors (read-only).
OVERSIGHT = PLANNERS | {"auditor"}
# Applicant pages: the applicant, or an NGO worker (helping a resident; one who has chosen none is sent to
# the NGO console, which counts as admitted).
APPLICANT_PAGES = frozenset({"applicant"}) | NGO
# The colleague whose objects the `*_other` caller must not reach.
SAME_ROLE = {"ngo_other": "ngo", "officer_other": "officer"}


OFFICERS = frozenset({"officer", "officer_other"})
APPLICANT = frozenset({"applicant"})
NOBODY: frozenset[str] = frozenset()
# Not signed in (for the API): refused with 401; every other refused caller gets 403.
NOT_SIGNED_IN = frozenset({"anonymous"}) | SIGNING_IN


@dataclass(frozen=True)
class Rule:
    """Who gets in (`admits`), and how to call the route (`path` with {placeholders} for the objects the
    fixture makes, `method`, form `data`, or a JSON body when `json`; string values of `data` take the
    placeholders too)."""

    admits: frozenset[str]
    path: str
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    json: bool = False


RULES: dict[str, Rule] = {
    "healthz": Rule(EVERYONE, "/healthz"),
    "readyz": Rule(EVERYONE, "/readyz"),
    # No role's session opens it: only the bearer token or an allowed network (tests/staff/test_metrics.py).
    "metrics": Rule(NOBODY, "/metrics"),
    # Text-message webhooks: open to anyone, but only a call signed by the provider gets in (the signature
    # is the credential, tests/web/test_hooks.py): every caller here is refused.
    "hooks:sms": Rule(frozenset(), "/hooks/sms", "post", {"From": "+15550000000", "Body": "hi"}),
    "hooks:whatsapp": Rule(frozenset(), "/hooks/whatsapp", "get", {"hub.mode": "subscribe"}),
    "web:home": Rule(EVERYONE, "/"),
    "web:language": Rule(EVERYONE, "/language", "post", {"language": "es", "next": "/"}),
    "web:help": Rule(EVERYONE, "/help"),
    "web:privacy": Rule(EVERYONE, "/privacy"),
    "web:check": Rule(EVERYONE, "/check"),
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
    "staff:ngo_resident_contact": Rule(frozenset({"ngo"}), "/staff/ngo/residents/{resident}/contact"),
    "staff:ngo_acting_start": Rule(frozenset({"ngo"}), "/staff/ngo/residents/{resident}/act", "post"),
    "staff:ngo_acting_stop": Rule(NGO, "/staff/ngo/acting/stop", "post"),
    "staff:ngo_occupancy": Rule(NGO, "/staff/ngo/occupancy"),
    "staff:ngo_flag": Rule(
        frozenset({"ngo"}), "/staff/ngo/residents/{resident}/flag", "post", {"reason": "Due soon"}
    ),
    "staff:ngo_pass": Rule(
        frozenset({"ngo"}), "/staff/ngo/residents/{resident}/appointments/{resident_appointment}/pass"
    ),
    "staff:shelters": Rule(PLANNERS, "/staff/shelters"),
    "staff:simulator": Rule(PLANNERS, "/staff/simulator"),
    # The officer console: each officer's own port today; {today} is at the `officer` caller's port.
    "staff:officer": Rule(OFFICERS, "/staff/officer/"),
    "staff:officer_scan": Rule(OFFICERS, "/staff/officer/scan", "post"),
    "staff:officer_group": Rule(frozenset({"officer"}), "/staff/officer/appointments/{today}/"),
    "staff:officer_check_in": Rule(
        frozenset({"officer"}), "/staff/officer/appointments/{today}/check-in", "post"
    ),
    "staff:officer_outcomes": Rule(
        frozenset({"officer"}), "/staff/officer/appointments/{today}/outcomes", "post"
    ),
    "staff:officer_flag": Rule(
        frozenset({"officer"}), "/staff/officer/appointments/{today}/flag", "post", {"reason": "Medical care"}
    ),
    "staff:closures": Rule(OVERSIGHT, "/staff/closures/"),
    "staff:closure_new": Rule(PLANNERS, "/staff/closures/new"),
    "staff:closure": Rule(OVERSIGHT, "/staff/closures/{closure}/"),
    "staff:closure_plan": Rule(OVERSIGHT, "/staff/closures/{closure}/plan.json"),
    "staff:closure_reopen": Rule(PLANNERS, "/staff/closures/{closure}/reopen", "post"),
    "staff:dashboard": Rule(OVERSIGHT, "/staff/dashboard/"),
    "staff:dashboard_refresh": Rule(PLANNERS, "/staff/dashboard/refresh", "post"),
    "ports:calendar": Rule(PLANNERS, "/staff/capacity/"),
    "ports:port": Rule(PLANNERS, "/staff/capacity/{port}/"),
    "ports:template": Rule(PLANNERS, "/staff/capacity/{port}/template"),
    "ports:template_apply": Rule(PLANNERS, "/staff/capacity/{port}/template/apply", "post"),
    "ports:day": Rule(PLANNERS, "/staff/capacity/{port}/2026-12-15"),
    "audit:log": Rule(READERS, "/audit/"),
    "audit:event": Rule(READERS, "/audit/events/{audit_event}"),
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
    "web:start": Rule(APPLICANT_PAGES, "/start"),
    "draws:home": Rule(APPLICANT_PAGES, "/draw/"),
    "draws:ask": Rule(APPLICANT_PAGES, "/draw/ask"),
    "draws:withdraw": Rule(APPLICANT_PAGES, "/draw/withdraw", "post"),
    "draws:history": Rule(APPLICANT_PAGES, "/draw/history"),
    "draws:request": Rule(APPLICANT_PAGES, "/draw/requests/900001"),
    "draws:offer": Rule(APPLICANT_PAGES, "/draw/offers/900001"),
    "draws:offer_decline": Rule(APPLICANT_PAGES, "/draw/offers/900001/decline"),
    "draws:offer_wait": Rule(APPLICANT_PAGES, "/draw/offers/900001/wait"),
    "appointments:pass": Rule(APPLICANT_PAGES, "/appointments/900001/pass"),
    "appointments:pass_offline": Rule(APPLICANT_PAGES, "/appointments/900001/pass.html"),
    "appointments:pass_png": Rule(APPLICANT_PAGES, "/appointments/900001/pass.png"),
    "appointments:cancel": Rule(APPLICANT_PAGES, "/appointments/900001/cancel", "post"),
    "appointments:wait": Rule(APPLICANT_PAGES, "/appointments/900001/wait"),
    "appointments:change": Rule(APPLICANT_PAGES, "/appointments/900001/change"),
    "appointments:pass_keys": Rule(EVERYONE, "/.well-known/cita-pass-keys.json"),
    "transparency:home": Rule(EVERYONE, "/transparency/"),
    "transparency:audit": Rule(EVERYONE, "/transparency/audit/"),
    "transparency:draws_json": Rule(EVERYONE, "/transparency/draws.json"),
    "transparency:draw_file": Rule(EVERYONE, "/transparency/draws/2026-12-01/manifest.json"),
    "transparency:draw": Rule(EVERYONE, "/transparency/draws/2026-12-01/"),
    # The JSON API (cita.api): each operation declares its callers (`auth=`); a refused caller gets a
    # problem, 401 when not signed in, 403 otherwise. Domain refusals (409 window closed, …) are admitted.
    "api:openapi-json": Rule(EVERYONE, "/api/v1/openapi.json"),
    "api:api-root": Rule(NOBODY, "/api/v1/"),
    "api:not_found": Rule(NOBODY, "/api/v1/no/such/operation"),
    "api:session": Rule(EVERYONE, "/api/v1/session"),
    "api:problems": Rule(EVERYONE, "/api/v1/problems"),
    "api:draw_current": Rule(EVERYONE, "/api/v1/draws/current"),
    "api:draws": Rule(EVERYONE, "/api/v1/draws"),
    "api:draw": Rule(EVERYONE, "/api/v1/draws/2026-12-01"),
    "api:ports": Rule(EVERYONE, "/api/v1/ports"),
    "api:pass_keys": Rule(EVERYONE, "/api/v1/pass-keys"),
    "api:group": Rule(APPLICANT, "/api/v1/me/group"),
    "api:requests": Rule(APPLICANT, "/api/v1/me/requests"),
    "api:request_submit": Rule(APPLICANT, "/api/v1/me/requests", "post", {"ports": ["SYS"]}, json=True),
    "api:request": Rule(APPLICANT, "/api/v1/me/requests/{request}"),
    "api:request_withdraw": Rule(APPLICANT, "/api/v1/me/requests/{request}/withdraw", "post", json=True),
    "api:offers": Rule(APPLICANT, "/api/v1/me/offers"),
    "api:offer": Rule(APPLICANT, "/api/v1/me/offers/900001"),
    "api:offer_confirm": Rule(APPLICANT, "/api/v1/me/offers/900001/confirm", "post", json=True),
    "api:offer_decline": Rule(APPLICANT, "/api/v1/me/offers/900001/decline", "post", json=True),
    "api:appointments": Rule(APPLICANT, "/api/v1/me/appointments"),
    "api:appointment": Rule(APPLICANT, "/api/v1/me/appointments/900001"),
    "api:appointment_pass": Rule(APPLICANT, "/api/v1/me/appointments/900001/pass"),
    "api:appointment_cancel": Rule(APPLICANT, "/api/v1/me/appointments/900001/cancel", "post", json=True),
    "api:pass_verify": Rule(
        OFFICERS, "/api/v1/officer/passes/verify", "post", {"payload": "{payload}"}, json=True
    ),
    "api:pass_check_in": Rule(
        OFFICERS, "/api/v1/officer/passes/check-in", "post", {"payload": "{payload}"}, json=True
    ),
    "api:manifest": Rule(OFFICERS, "/api/v1/officer/manifest"),
    "api:capacity_day": Rule(PLANNERS, "/api/v1/planner/capacity/{port}/2026-12-15"),
}
# Which callers each role an API operation declares stands for.
API_CALLERS = {
    Role.PUBLIC: EVERYONE,
    Role.APPLICANT: APPLICANT,
    Role.OFFICER: OFFICERS,
    Role.PLANNER: frozenset({"planner"}),
    Role.ADMIN: frozenset({"admin"}),
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


def test_every_api_operation_declares_the_callers_the_table_admits():
    mismatched = []
    for operation in api_operations():
        name = f"api:{operation.url_name}"
        declared = frozenset().union(
            *(API_CALLERS[role] for role in operation_roles(operation.auth_callbacks))
        )
        if name not in RULES or RULES[name].admits != declared:
            mismatched.append(f"{name}: declares {sorted(declared)}")
    assert not mismatched, "\n".join(mismatched)


def api_operations() -> list[Any]:
    """Every operation of the API."""
    return [
        operation
        for router in api._get_bound_routers()
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]


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
    appointment = access_objects(applicant=applicant, port=port)
    staff = {
        role: StaffFactory.create(role=role, **binding(role, port, shelter))
        for role in STAFF - set(SAME_ROLE)
    }
    staff["ngo_other"] = StaffFactory.create(role="ngo", shelter=other_shelter)
    staff["officer_other"] = StaffFactory.create(role="officer", port=other_port)
    pending = StaffFactory.create(role="planner")
    enrolling = StaffFactory.create(role="planner", totp=False)
    shelter_resident = resident(shelter=shelter, worker=staff["ngo"])
    closure = closed(
        other_port, start=clock.now().date() + dt.timedelta(days=30), actor=actor_of(staff["planner"])
    )
    closure_rebook(closure_id=closure.pk, actor=system("test"))  # nobody booked there: an empty plan
    objects = {
        "resident": shelter_resident.pk,
        "account": StaffFactory.create(role="auditor").pk,
        "port": port.code,
        "member": applicant.members.get(relationship="self").pk,
        "request": Offer.objects.get(pk=900_001).request_id,
        "payload": appointment.pass_payload,
        "today": appointment_today(applicant=applicant, port=port).pk,
        "resident_appointment": appointment_today(applicant=shelter_resident, port=port).pk,
        "closure": closure.pk,
        # Audit ids come from a sequence (decision 0012): not 1 in every test database.
        "audit_event": AuditEvent.objects.order_by("id").values_list("id", flat=True).first(),
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
    """The caller got the page (or a redirect that is not a sign-in or MFA step); for the API, the caller
    got past the access rules (a domain refusal such as "window closed" is an answer to an admitted one)."""
    if response.status_code in (401, 403, 404, 405):
        return False
    if is_problem(response):
        return response.status_code < 500
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
        data = {k: v.format(**objects) if isinstance(v, str) else v for k, v in rule.data.items()}
        for path in [rule.path.format(**objects), *NAMESPACE_SAMPLES.get(name, [])]:
            for caller, client in clients.items():
                if rule.json:
                    response = getattr(client, rule.method)(path, json.dumps(data), "application/json")
                else:
                    response = getattr(client, rule.method)(path, data)
                if admitted(response) != (caller in rule.admits):
                    failures.append(f"{name} {path} as {caller}: {response.status_code}")
                if path.startswith("/api/"):
                    failures.extend(api_refusal_faults(f"{name} {path} as {caller}", caller, rule, response))
                # Object scoping: what a colleague of another port or shelter may not see does not exist.
                colleague = SAME_ROLE.get(caller)
                if colleague in rule.admits and caller not in rule.admits and response.status_code != 404:
                    failures.append(f"{name} {path} as {caller}: {response.status_code}, expected 404")
                checked += 1
    api_rules = sum(name.startswith("api:") for name in RULES)
    print(
        f"route x role pairs checked: {checked} ({len(RULES)} routes x {len(CALLERS)} callers, + samples); "
        f"of them the API: {api_rules * len(CALLERS)} ({api_rules} routes)"
    )
    assert not failures, "\n".join(failures)


def is_problem(response: Any) -> bool:
    """An RFC 9457 problem body (every API error)."""
    return str(response.get("Content-Type", "")).startswith("application/problem+json")


def api_refusal_faults(label: str, caller: str, rule: Rule, response: Any) -> list[str]:
    """An API error is a problem body; a refused caller gets 401 when not signed in, 403 otherwise."""
    faults = []
    if response.status_code >= 400 and not is_problem(response):
        faults.append(f"{label}: {response.status_code} without a problem body")
    if rule.admits and caller not in rule.admits:
        expected = 401 if caller in NOT_SIGNED_IN else 403
        if response.status_code != expected:
            faults.append(f"{label}: {response.status_code}, expected {expected}")
    return faults
