"""The officer console's writes: a scanned pass checked in (exactly once), and each member's outcome.

An officer works at one port on its current day (port time): `pass_verify` refuses passes of another
port or day, and outcomes are recorded only for that port's appointments of that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from cita.appointments.errors import AlreadyCheckedIn, AppointmentStateError, CheckInEarly, OutcomeRefused
from cita.appointments.models import Appointment, AppointmentState, MemberOutcome, Outcome
from cita.appointments.passes import PREFIX, short_code_normalise
from cita.appointments.selectors import officer_scope
from cita.appointments.services import PassCheck, appointment_check_in, pass_verify
from cita.audit.models import AuditEvent
from cita.audit.services import Event, audit_record, audit_record_many
from cita.core import clock
from cita.core.actors import Actor
from cita.core.errors import NotFound, PermissionDenied
from cita.ports.models import Port

# A pass is about 140 characters; anything much longer is not a pass (and is not worth verifying).
MAX_PAYLOAD = 400
# Wrong short codes are counted per officer over this window (CITA_OFFICER_CODE_LIMIT).
CODE_WINDOW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class ScanResult:
    """What the console shows after a scan: checked in now, checked in before (by whom, when), or why
    the pass is refused."""

    code: str
    message: str
    appointment: Appointment | None = None
    by: str = ""
    at: dt.datetime | None = None

    @property
    def checked_in_now(self) -> bool:
        """This scan checked the group in."""
        return self.code == "checked_in_now"

    @property
    def already(self) -> bool:
        """The group was checked in before this scan."""
        return self.code == "already_checked_in"

    @property
    def early(self) -> bool:
        """The group is long before its slot: the officer confirms, then scans again with `early_ok`."""
        return self.code == "early"


def officer_port_today(*, actor: Actor) -> tuple[Port, dt.date]:
    """The officer's port and its current day (port time)."""
    try:
        return officer_scope(actor=actor)
    except NotFound as exc:
        raise PermissionDenied("Only port officers use the officer console.") from exc


def _already(appointment: Appointment) -> ScanResult:
    at = appointment.checked_in_at
    assert at is not None
    local = at.astimezone(appointment.port.tz)
    return ScanResult(
        code="already_checked_in",
        message=f"Already checked in by {appointment.checked_in_by} at {local:%H:%M} ({local:%Z}), "
        f"{local:%Y-%m-%d}.",
        appointment=appointment,
        by=appointment.checked_in_by,
        at=at,
    )


def appointment_scan(*, payload: str, actor: Actor, early_ok: bool = False) -> ScanResult:
    """Verify a scanned pass, or a pass's short code typed by hand, at the officer's port today and check
    its group in (exactly once); a group long before its slot waits for `early_ok`.

    A refused pass is audited (`pass.refused`, with the reason code) as is a second scan of a pass
    already used (`pass.rescanned`); the check-in itself is `appointment.checked_in`.
    """
    port, today = officer_port_today(actor=actor)
    text = "".join(payload.split())[:MAX_PAYLOAD]
    if not text:
        return ScanResult(code="empty", message="Nothing was scanned. Scan the QR code of the pass.")
    code = None if text.upper().startswith(PREFIX) else short_code_normalise(text)
    if code is not None:
        found = _by_short_code(actor=actor, port=port, day=today, code=code)
        if isinstance(found, ScanResult):
            _audit_scan(actor=actor, port=port, result=found)
            return found
        text = found.pass_payload
    check: PassCheck = pass_verify(payload=text, port=port, day=today)
    if check.ok:
        assert check.appointment is not None
        try:
            appointment = appointment_check_in(appointment=check.appointment, actor=actor, early_ok=early_ok)
        except CheckInEarly as exc:  # not a refusal: the officer is asked first
            return ScanResult(code="early", message=exc.message, appointment=check.appointment)
        except AlreadyCheckedIn as exc:  # someone scanned it a moment before
            result = _already(exc.objects["appointment"])
        else:
            return ScanResult(
                code="checked_in_now",
                message=f"Checked in: group of {appointment.group_size}, slot {appointment.slot:%H:%M}.",
                appointment=appointment,
                by=appointment.checked_in_by,
                at=appointment.checked_in_at,
            )
    elif check.code == "checked_in":
        assert check.appointment is not None
        result = _already(check.appointment)
    else:
        result = ScanResult(
            code=check.code, message=f"Refused: {check.message}.", appointment=check.appointment
        )
    _audit_scan(actor=actor, port=port, result=result)
    return result


def _by_short_code(*, actor: Actor, port: Port, day: dt.date, code: str) -> Appointment | ScanResult:
    """The appointment at `port` on `day` whose pass has this short code; refused past the officer's limit
    of wrong codes (`CITA_OFFICER_CODE_LIMIT` per 15 minutes) or when no pass of that port and day has it."""
    wrong = AuditEvent.objects.filter(
        action="pass.refused",
        actor=actor.label,
        at__gt=clock.now() - CODE_WINDOW,
        data__code="unknown_code",
    ).count()
    if wrong >= settings.CITA_OFFICER_CODE_LIMIT:
        return ScanResult(
            code="too_many_codes",
            message="Too many wrong codes in 15 minutes. Scan the QR code of the pass, or wait.",
        )
    found = Appointment.objects.filter(port=port, day=day, short_code=code).first()
    if found is not None:
        return found
    return ScanResult(
        code="unknown_code",
        message=f"No pass with this code at {port.code} today. Check the code, or scan the QR code.",
    )


@transaction.atomic
def _audit_scan(*, actor: Actor, port: Port, result: ScanResult) -> None:
    appointment = result.appointment
    audit_record(
        actor=actor,
        action="pass.rescanned" if result.already else "pass.refused",
        object_type="appointment" if appointment else "port",
        object_id=appointment.pk if appointment else port.code,
        data={"port": port.code, "code": result.code},
    )


def _check_outcomes(appointment: Appointment, outcomes: Mapping[int, str]) -> None:
    members = set(appointment.members)
    for member_id, outcome in outcomes.items():
        if member_id not in members:
            raise OutcomeRefused(f"Person {member_id} is not in this group.", field=f"member_{member_id}")
        if outcome not in Outcome.values:
            raise OutcomeRefused(f"Unknown outcome {outcome!r}.", field=f"member_{member_id}")


@transaction.atomic
def outcomes_record(*, appointment: Appointment, outcomes: Mapping[int, str], actor: Actor) -> Appointment:
    """Record (or correct, the same day) the outcome of members of a checked-in group; once every member
    has one, the appointment is completed. Only an officer of the appointment's port, on its day."""
    port, today = officer_port_today(actor=actor)
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("port").get(pk=appointment.pk)
    )
    if appointment.port_id != port.pk or appointment.day != today:
        raise PermissionDenied("Outcomes are recorded at the appointment's port, on its day.")
    if appointment.state not in (AppointmentState.CHECKED_IN, AppointmentState.COMPLETED):
        raise AppointmentStateError("Check the group in before recording outcomes.")
    _check_outcomes(appointment, outcomes)
    now = clock.now()
    existing = {row.member_id: row for row in MemberOutcome.objects.filter(appointment=appointment)}
    events = []
    for member_id, outcome in sorted(outcomes.items()):
        row = existing.get(member_id)
        if row is None:
            MemberOutcome.objects.create(
                appointment=appointment,
                member_id=member_id,
                outcome=outcome,
                recorded_at=now,
                recorded_by=actor.label,
            )
            events.append(
                Event(
                    "outcome.recorded",
                    "appointment",
                    str(appointment.pk),
                    {"member": member_id, "outcome": outcome},
                )
            )
        elif row.outcome != outcome:
            previous = row.outcome
            MemberOutcome.objects.filter(pk=row.pk).update(
                outcome=outcome, recorded_at=now, recorded_by=actor.label
            )
            events.append(
                Event(
                    "outcome.corrected",
                    "appointment",
                    str(appointment.pk),
                    {"member": member_id, "outcome": outcome, "previous": previous},
                )
            )
    done = set(existing) | set(outcomes)
    if appointment.state == AppointmentState.CHECKED_IN and set(appointment.members) <= done:
        moved = Appointment.objects.filter(pk=appointment.pk, state=AppointmentState.CHECKED_IN).update(
            state=AppointmentState.COMPLETED, ended_at=now, ended_reason="completed"
        )
        if moved:
            events.append(
                Event("appointment.completed", "appointment", str(appointment.pk), {"members": len(done)})
            )
    if events:
        audit_record_many(actor=actor, events=events)
    appointment.refresh_from_db()
    return appointment
