"""Property-based tests of the API against its own OpenAPI document (schemathesis).

The application is called in-process through Django's WSGI handler, on the test database, as each kind of
caller: the public operations anonymously, the applicant's with an applicant's session (and CSRF token),
the officer's and planner's with theirs. Schemathesis generates valid and invalid input for every
operation; every response must be no server error and must conform to the document (status declared,
content type, body schema; invalid input refused with a 4xx). A bounded number of examples per operation
keeps the run short; `derandomize` draws the same inputs on every run.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.conftest import sign_in_applicant, sign_in_staff
from tests.factories.draws import appointments_made, open_draw, port_with_slots
from tests.factories.staff import StaffFactory

OPENAPI = "/api/v1/openapi.json"
# Examples per operation and generation mode; fixed-id runs add a few with the caller's real objects.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
REAL_IDS_EXAMPLES = 5
# Schema-valid input may still be refused by a domain rule (a port that takes no appointments, a window
# that is closed, an id that is another group's): those answers are declared problems, not rejections of
# well-formed data.
ACCEPTED = ["2xx", "400", "401", "403", "404", "409"]


@dataclass
class Figures:
    operations: set[str] = field(default_factory=set)
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def in_process() -> Iterator[WSGIHandler]:
    """Django's WSGI handler on the test database. Closing connections at the start and end of each request
    would close the test's own transaction (Django's test client switches this off the same way, and back
    on after each of its requests, so nothing else may use it meanwhile)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def world(db, frozen_clock) -> dict[str, Any]:
    """A day with appointments made, the next day's window open, and a signed-in caller of each role."""
    (appointment,) = appointments_made(frozen_clock)
    port_with_slots("ELP", slots=[("09:00", 5)], position=1, day=dt.date(2026, 12, 16))
    open_draw(frozen_clock, day=dt.date(2026, 12, 2))
    applicant = appointment.applicant
    offer = appointment.offer
    assert offer is not None
    sessions = {"public": Client(), "applicant": Client(), "officer": Client(), "planner": Client()}
    sign_in_applicant(sessions["applicant"], applicant)
    sign_in_staff(sessions["officer"], StaffFactory.create(role="officer", port=appointment.port))
    sign_in_staff(sessions["planner"], StaffFactory.create(role="planner"))
    callers = {}
    for tag, client in sessions.items():
        token = client.get("/api/v1/session").json()["csrf_token"]
        cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        # Accept-Encoding: the in-process client does not undo the gzip the server would apply.
        callers[tag] = {"cookies": cookies, "headers": {"X-CSRFToken": token, "Accept-Encoding": "identity"}}
    return {
        "callers": callers,
        "ids": {
            "request_id": offer.request_id,
            "offer_id": offer.pk,
            "appointment_id": appointment.pk,
            "draw_id": "2026-12-01",
            "port": appointment.port.code,
            "day": "2026-12-15",
        },
    }


def exercise(world: dict[str, Any], tags: set[str]) -> Figures:
    """Run every operation tagged with one of `tags` as the caller of that tag; collect what failed."""
    with in_process() as app:
        return _exercise(app, world, tags)


def _exercise(app: WSGIHandler, world: dict[str, Any], tags: set[str]) -> Figures:
    schema = schemathesis.openapi.from_wsgi(OPENAPI, app)
    schema.config.checks.positive_data_acceptance.expected_statuses = ACCEPTED

    @schema.auth(refresh_interval=None)  # per tag: no caching across operations
    class Session:
        """The caller's session cookie and CSRF token, as the signed-in caller of the operation's tag
        (schemathesis then also checks that the operation refuses requests without them)."""

        def get(self, case: Any, context: Any) -> dict[str, Any]:
            (tag,) = case.operation.tags
            return copy.deepcopy(world["callers"][tag])

        def set(self, case: Any, data: dict[str, Any], context: Any) -> None:
            case.cookies = {**(case.cookies or {}), **data["cookies"]}
            case.headers = {**(case.headers or {}), **data["headers"]}

    figures = Figures()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        (tag,) = operation.tags or ["?"]
        if tag not in tags:
            continue
        names = {p.name for p in operation.path_parameters}
        # Without parameters or body there is no invalid input to send (the auth is the caller's).
        takes_input = bool(list(operation.iter_parameters())) or bool(operation.body)
        runs: list[tuple[GenerationMode, dict[str, Any], int]] = [
            (mode, {}, count) for mode, count in EXAMPLES.items() if takes_input or mode.is_positive
        ]
        if names:
            real = {name: world["ids"][name] for name in names}
            runs.append((GenerationMode.POSITIVE, real, REAL_IDS_EXAMPLES))
        figures.operations.add(operation.label)
        for mode, fixed, count in runs:
            try:
                _run(operation, mode, fixed, count, schema, figures)
            except Exception as exc:  # a failing example: keep going, report every operation's
                figures.findings.append(
                    f"{operation.label} ({mode.value}, ids {fixed or 'generated'}):\n{exc}"
                )
    return figures


def _run(
    operation: Any, mode: GenerationMode, fixed: dict[str, Any], count: int, schema: Any, figures: Figures
):
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters=fixed or None, auth_storage=schema.auth
    )

    @given(case=strategy)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call()
        figures.examples += 1
        figures.statuses[response.status_code] = figures.statuses.get(response.status_code, 0) + 1
        case.validate_response(response)

    check()


def report(name: str, figures: Figures) -> None:
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(figures.statuses.items()))
    print(
        f"schemathesis {name}: {len(figures.operations)} operations, {figures.examples} examples, "
        f"{len(figures.findings)} findings; statuses {statuses}"
    )


def test_public_and_applicant_operations_conform_to_the_openapi_document(world):
    figures = exercise(world, {"public", "applicant"})
    report("public + applicant", figures)
    assert len(figures.operations) == 20
    assert figures.statuses.get(200, 0) > 0
    assert figures.statuses.get(422, 0) > 0
    assert not figures.findings, "\n\n".join(figures.findings)


def test_staff_operations_conform_to_the_openapi_document(world):
    figures = exercise(world, {"officer", "planner"})
    report("officer + planner", figures)
    assert len(figures.operations) == 4
    assert not figures.findings, "\n\n".join(figures.findings)
