"""Operations of port officers (`/api/v1/officer/…`): check a scanned pass and check the group in at their
own port today, and the day's manifest counts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router

from cita.api.auth import OFFICER
from cita.api.errors import PassRefused
from cita.api.schemas import CheckedAppointmentOut, ManifestOut, PassCheckOut, PassIn, problems
from cita.appointments.selectors import manifest_counts_for_actor
from cita.appointments.services import appointment_check_in, pass_verify
from cita.core.http import actor_of
from cita.ports.selectors import port_for_actor, port_today

router = Router(tags=["officer"], auth=OFFICER)


@router.post(
    "/passes/verify",
    response={200: PassCheckOut, **problems(400, 401, 403, 404, 422)},
    url_name="pass_verify",
)
def pass_check(request: HttpRequest, data: PassIn) -> PassCheckOut:
    """Check a scanned pass for the officer's port today: signature, port, date and the appointment's state
    now. Changes nothing; `ok` false says why (`code`)."""
    port = port_for_actor(actor=actor_of(request))
    return PassCheckOut.of(pass_verify(payload=data.payload, port=port, day=port_today(port=port)))


@router.post(
    "/passes/check-in",
    response={200: CheckedAppointmentOut, **problems(400, 401, 403, 404, 409, 422)},
    url_name="pass_check_in",
)
def pass_check_in(request: HttpRequest, data: PassIn) -> CheckedAppointmentOut:
    """Check the group of a scanned pass in, exactly once, at the officer's port today; a pass that is not
    valid here now is refused (409 `pass_refused`, `reason` as the check's `code`)."""
    actor = actor_of(request)
    port = port_for_actor(actor=actor)
    check = pass_verify(payload=data.payload, port=port, day=port_today(port=port))
    if not check.ok or check.appointment is None:
        raise PassRefused(check.message, reason=check.code)
    return CheckedAppointmentOut.of(appointment_check_in(appointment=check.appointment, actor=actor))


@router.get("/manifest", response={200: ManifestOut, **problems(401, 403, 404, 422)}, url_name="manifest")
def manifest(request: HttpRequest, day: Annotated[dt.date | None, Query()] = None) -> ManifestOut:
    """How many appointments and people the officer's port has on `day` (default: today there), by state."""
    actor = actor_of(request)
    if day is None:
        day = port_today(port=port_for_actor(actor=actor))
    return ManifestOut.of(manifest_counts_for_actor(actor=actor, day=day))
