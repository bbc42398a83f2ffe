"""The public "Is this appointment real?" check (issue 14): anyone pastes a pass, or types its short code,
and learns whether it is valid, used, cancelled, moved or not found, with its port and day and never a
name. Limited per network address; every check is audited (the result and a short keyed hash of the
address). A short code finds only a current pass: a pass signed anew (a person left, the place changed)
has a new code, and the old one is not found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.passes import PassRefused, pass_check, short_code_normalise
from cita.appointments.services import public_keys
from cita.audit.services import audit_record, audit_source_limit
from cita.core.actors import Actor, Role


@dataclass(frozen=True)
class PublicCheck:
    """What the public may know of a pass: its state, and where and when (no names, no group)."""

    status: str  # valid | used | cancelled | moved | not_found
    port_name: str = ""
    day: dt.date | None = None
    slot: dt.time | None = None


def _appointment(text: str) -> Appointment | None:
    """The appointment whose current pass is this text: the whole pass, or its short code."""
    code = short_code_normalise(text)
    if code is not None:
        return Appointment.objects.select_related("port").filter(short_code=code).first()
    try:
        fields = pass_check(text, keys=public_keys())
    except PassRefused:
        return None
    appointment = Appointment.objects.select_related("port").filter(pk=fields.appointment_id).first()
    if appointment is None or appointment.pass_payload != text.strip().upper():
        return None
    return appointment


def _result(payload: str) -> PublicCheck:
    appointment = _appointment(payload)
    if appointment is None:
        return PublicCheck("not_found")
    if appointment.state == AppointmentState.REBOOKED:
        moved = Appointment.objects.select_related("port").filter(rebooked_from=appointment).first()
        target = moved or appointment
        return PublicCheck("moved", target.port.name, target.day, target.slot)
    status = {
        AppointmentState.SCHEDULED: "valid",
        AppointmentState.CHECKED_IN: "used",
        AppointmentState.COMPLETED: "used",
    }.get(AppointmentState(appointment.state), "cancelled")
    return PublicCheck(status, appointment.port.name, appointment.day, appointment.slot)


@transaction.atomic
def pass_public_check(*, payload: str, ip: str) -> PublicCheck:
    """Check a pass for anyone (see the module); `TooManyChecks` past the limit for the address."""
    source = audit_source_limit(
        action="pass.public_check",
        ip=ip,
        purpose="pass_check_ip",
        limit=int(settings.CITA_PASS_CHECK_LIMIT),
        message=_("You checked many passes in a short time. Wait 15 minutes and try again."),
        field="payload",
    )
    result = _result(payload)
    audit_record(
        actor=Actor(role=Role.PUBLIC),
        action="pass.public_check",
        object_type="pass",
        object_id="-",
        data={"source": source, "result": result.status},
    )
    return result
