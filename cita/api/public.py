"""Public operations: the session's CSRF token, problem types, draws as published, ports, pass keys."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from ninja import Path, Query, Router

from cita.api.auth import PUBLIC
from cita.api.problems import problem_types
from cita.api.schemas import (
    DRAW_ID,
    CurrentDrawOut,
    DrawListOut,
    DrawOut,
    PassKeysOut,
    PortListOut,
    PortOut,
    ProblemTypeOut,
    ProblemTypesOut,
    SessionOut,
    problems,
)
from cita.appointments.services import public_keys_document
from cita.core.actors import Role
from cita.core.http import actor_of
from cita.core.replica import replica_reads
from cita.draws.selectors import draw_get, draw_open_now
from cita.ports.selectors import port_list
from cita.transparency.selectors import draw_public, draws_public

router = Router(tags=["public"])
PUBLISHED = "public, max-age=60"


@router.get("/session", auth=PUBLIC, response=SessionOut, url_name="session")
def session(request: HttpRequest, response: HttpResponse) -> SessionOut:
    """Who this session belongs to, and the CSRF token for unsafe methods (also set as a cookie)."""
    actor = actor_of(request)
    response["Cache-Control"] = "no-store"
    return SessionOut(
        role=None if actor.role is Role.PUBLIC else actor.role.value,
        signing_in=actor.mfa_pending,
        language=request.LANGUAGE_CODE,
        csrf_token=get_token(request),
    )


@router.get("/problems", auth=PUBLIC, response=ProblemTypesOut, url_name="problems")
def problem_list(request: HttpRequest) -> ProblemTypesOut:
    """Every problem type (`code`) the API answers with; each problem's `type` points here."""
    return ProblemTypesOut(problems=[ProblemTypeOut.of(p) for p in problem_types()])


@router.get("/draws/current", auth=PUBLIC, response=CurrentDrawOut, url_name="draw_current")
@replica_reads
def draw_current(request: HttpRequest, response: HttpResponse) -> CurrentDrawOut:
    """The draw whose request window is open now (null between windows)."""
    draw = draw_open_now()
    response["Cache-Control"] = PUBLISHED
    return CurrentDrawOut(open=DrawOut.of(draw_public(draw)) if draw else None)


@router.get("/draws", auth=PUBLIC, response={200: DrawListOut, **problems(422)}, url_name="draws")
@replica_reads
def draw_list(
    request: HttpRequest,
    response: HttpResponse,
    limit: Annotated[int, Query(ge=1, le=200)] = 30,
) -> DrawListOut:
    """The latest draws, newest first, as the transparency pages publish them."""
    response["Cache-Control"] = PUBLISHED
    return DrawListOut(draws=[DrawOut.of(d) for d in draws_public(limit=limit)])


@router.get("/draws/{draw_id}", auth=PUBLIC, response={200: DrawOut, **problems(404, 422)}, url_name="draw")
@replica_reads
def draw_detail(
    request: HttpRequest, response: HttpResponse, draw_id: Annotated[str, Path(pattern=DRAW_ID)]
) -> DrawOut:
    """One draw by its id (`2026-12-01`, second chances `2026-12-01-2`)."""
    response["Cache-Control"] = PUBLISHED
    return DrawOut.of(draw_public(draw_get(draw_id=draw_id)))


@router.get("/ports", auth=PUBLIC, response=PortListOut, url_name="ports")
@replica_reads
def ports(request: HttpRequest, response: HttpResponse) -> PortListOut:
    """The ports that take appointments, in display order (rank them in a request)."""
    response["Cache-Control"] = PUBLISHED
    return PortListOut(ports=[PortOut.of(p) for p in port_list()])


@router.get("/pass-keys", auth=PUBLIC, response=PassKeysOut, url_name="pass_keys")
@replica_reads
def pass_keys(request: HttpRequest, response: HttpResponse) -> PassKeysOut:
    """The public keys that verify passes offline, every key id still in the ring."""
    response["Cache-Control"] = "public, max-age=300"
    return PassKeysOut.model_validate(public_keys_document())
