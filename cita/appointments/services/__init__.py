"""Every write to appointments: issue (with its signed pass), cancel, check in, complete, no-show,
reminders; and the online pass check of the officer console.

The officer console's scan and per-member outcomes are in `cita.appointments.services.officer`; the
rebooking of a closed port's groups in `cita.appointments.services.rebooking`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cita.appointments.errors import (
    AlreadyCheckedIn,
    AppointmentStateError,
    CheckInEarly,
    PassKeyError,
    WrongPortOrDay,
)
from cita.appointments.models import Appointment, AppointmentState, MemberOutcome, Outcome
from cita.appointments.passes import (
    PassFields,
    PassRefused,
    keys_document,
    pass_check,
    pass_short_code,
    pass_sign,
    public_key_of,
)
from cita.audit.services import Event, audit_record, audit_record_many
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.crypto import CryptoKeyError, KeyRing
from cita.core.days import today_in
from cita.core.errors import PermissionDenied
from cita.core.locks import advisory_lock
from cita.draws.models import Offer
from cita.notifications.contract import MAX_PORT_ADDRESS
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue
from cita.ports.models import Port
from cita.ports.services import capacity_release

CANCEL_REASONS = ("applicant", "ngo", "staff", "port_closed", "other")


def signing_keys() -> KeyRing:
    """The pass key ring (`CITA_SIGNING_KEY`): the first key signs, every key verifies."""
    text = settings.CITA_SIGNING_KEY
    if not text and settings.DEBUG:
        # Development without generated secrets only (settings refuse to start like this in production).
        derived = hashlib.sha256(f"CITA_SIGNING_KEY:{settings.SECRET_KEY}".encode()).digest()
        text = f"dev:{base64.urlsafe_b64encode(derived).decode()}"
    try:
        return KeyRing.parse(text, name="CITA_SIGNING_KEY")
    except CryptoKeyError as exc:
        raise PassKeyError(str(exc)) from exc


def public_keys() -> dict[str, bytes]:
    """Key id → raw Ed25519 public key, for every key of the ring."""
    return {kid: public_key_of(seed) for kid, seed in signing_keys().keys.items()}


def public_keys_document() -> dict[str, object]:
    """The document published at `/.well-known/cita-pass-keys.json`."""
    ring = signing_keys()
    return keys_document(private_keys=ring.keys, current=ring.current)


def pass_url(appointment: Appointment) -> str:
    """The page of the printable pass."""
    return f"{settings.CITA_BASE_URL}/appointments/{appointment.pk}/pass"


def _sign(appointment: Appointment, *, issued_at: dt.datetime) -> tuple[str, str]:
    ring = signing_keys()
    payload = pass_sign(
        appointment_id=appointment.pk,
        port=appointment.port.code,
        day=appointment.day,
        slot=appointment.slot,
        group_size=appointment.group_size,
        issued_at=issued_at,
        kid=ring.current,
        private_key=ring.keys[ring.current],
    )
    return payload, ring.current


def pass_issue(appointment: Appointment, *, issued_at: dt.datetime) -> list[str]:
    """Sign the appointment's pass anew (its payload, key id and short code); the fields to save."""
    appointment.pass_payload, appointment.pass_kid = _sign(appointment, issued_at=issued_at)
    appointment.short_code = pass_short_code(appointment.pass_payload)
    return ["pass_payload", "pass_kid", "short_code"]


def _place(appointment: Appointment) -> dict[str, str]:
    port = appointment.port
    return {
        "port_name": port.name,
        "date": appointment.day.isoformat(),
        "slot": f"{appointment.slot:%H:%M}",
        "time_zone": port.time_zone,
    }


@transaction.atomic
def appointment_issue(*, offer: Offer, actor: Actor) -> Appointment:
    """Create the appointment of a confirmed offer, sign its pass, tell the group."""
    now = clock.now()
    request = offer.request
    appointment = Appointment.objects.create(
        offer=offer,
        applicant_id=offer.applicant_id,
        port_id=offer.port_id,
        day=offer.day,
        slot=offer.slot,
        group_size=offer.group_size,
        members=list(request.people.members),
        document_indexes=list(request.people.document_indexes),
        identities=request.people.identities,
        created_at=now,
        pass_payload="",
        pass_kid="",
        pass_issued_at=now,
    )
    appointment.save(update_fields=pass_issue(appointment, issued_at=now))
    audit_record(
        actor=actor,
        action="appointment.issued",
        object_type="appointment",
        object_id=appointment.pk,
        data={
            "offer": offer.pk,
            "applicant": appointment.applicant_id,
            "port": appointment.port.code,
            "day": appointment.day,
            "slot": f"{appointment.slot:%H:%M}",
            "group_size": appointment.group_size,
            "pass_kid": appointment.pass_kid,
        },
    )
    notice_enqueue(
        kind=NoticeKind.CONFIRMED,
        dedup_key=f"appointment:{appointment.pk}:confirmed",
        applicant=appointment.applicant,
        context={
            "appointment_id": appointment.pk,
            **_place(appointment),
            "port_address": appointment.port.address[:MAX_PORT_ADDRESS],
            "pass_url": pass_url(appointment),
        },
    )
    return appointment


def _move(appointment: Appointment, *, to: str, expected: str, **fields: object) -> bool:
    """Move an appointment from `expected` to `to` with a guarded UPDATE; False when it was not there."""
    updated = Appointment.objects.filter(pk=appointment.pk, state=expected).update(state=to, **fields)
    return updated == 1


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, reason: str, actor: Actor) -> Appointment:
    """Cancel a scheduled appointment: its seats go back to the slot and the group is told."""
    if reason not in CANCEL_REASONS:
        raise ValueError(f"reason must be one of {CANCEL_REASONS}")
    own = actor.role in (Role.APPLICANT, Role.NGO) and actor.applicant_id == appointment.applicant_id
    staff = actor.role in (Role.PLANNER, Role.ADMIN, Role.SYSTEM) or (
        actor.role is Role.OFFICER and actor.port_id == appointment.port_id
    )
    if not (own or staff) or actor.mfa_pending:
        raise PermissionDenied(_("You cannot cancel this appointment."))
    now = clock.now()
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("port").get(pk=appointment.pk)
    )
    if not _move(
        appointment,
        to=AppointmentState.CANCELLED,
        expected=AppointmentState.SCHEDULED,
        ended_at=now,
        ended_reason=reason,
    ):
        raise AppointmentStateError(_("Only a scheduled appointment can be cancelled."))
    capacity_release(
        port_id=appointment.port_id, day=appointment.day, slot=appointment.slot, seats=appointment.group_size
    )
    appointment.refresh_from_db()
    audit_record(
        actor=actor,
        action="appointment.cancelled",
        object_type="appointment",
        object_id=appointment.pk,
        data={"reason": reason},
    )
    notice_enqueue(
        kind=NoticeKind.CANCELLED,
        dedup_key=f"appointment:{appointment.pk}:cancelled",
        applicant=appointment.applicant,
        context={
            "appointment_id": appointment.pk,
            "port_name": appointment.port.name,
            "date": appointment.day.isoformat(),
            "reason": reason,
        },
    )
    return appointment


def _officer_at(actor: Actor, appointment: Appointment) -> None:
    if actor.role is Role.OFFICER and not actor.mfa_pending:
        if actor.port_id != appointment.port_id:
            raise WrongPortOrDay(f"This appointment is at {appointment.port.code}, not at your port.")
        return
    if actor.role in (Role.ADMIN, Role.SYSTEM) and not actor.mfa_pending:
        return
    raise PermissionDenied("Only port officers check passes in.")


@transaction.atomic
def appointment_check_in(*, appointment: Appointment, actor: Actor, early_ok: bool = True) -> Appointment:
    """Check the group in at its port on its day, exactly once; a second attempt says who did it, when.

    With `early_ok` false, a group more than `CITA_CHECKIN_EARLY_MINUTES` before its slot is refused with
    `CheckInEarly` (the console asks the officer to confirm, then calls again with it true)."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("port").get(pk=appointment.pk)
    )
    _officer_at(actor, appointment)
    now = clock.now()
    today = today_in(appointment.port.tz, now=now)
    if appointment.state in (AppointmentState.CHECKED_IN, AppointmentState.COMPLETED):
        at = appointment.checked_in_at
        assert at is not None
        local = at.astimezone(appointment.port.tz)
        raise AlreadyCheckedIn(
            f"Already checked in by {appointment.checked_in_by} at {local:%Y-%m-%d %H:%M} "
            f"({appointment.port.time_zone}).",
            by=appointment.checked_in_by,
            at=at,
            appointment=appointment,
        )
    if appointment.day != today:
        raise WrongPortOrDay(
            f"This appointment is for {appointment.day.isoformat()}, not today ({today.isoformat()})."
        )
    starts = dt.datetime.combine(appointment.day, appointment.slot, tzinfo=appointment.port.tz)
    if not early_ok and starts - now > dt.timedelta(minutes=settings.CITA_CHECKIN_EARLY_MINUTES):
        raise CheckInEarly(
            f"This group is early (slot {appointment.slot:%H:%M}). Check in anyway?",
            slot=appointment.slot,
            appointment=appointment,
        )
    if not _move(
        appointment,
        to=AppointmentState.CHECKED_IN,
        expected=AppointmentState.SCHEDULED,
        checked_in_at=now,
        checked_in_by=actor.label,
    ):
        raise AppointmentStateError(f"This appointment is {appointment.get_state_display().lower()}.")
    appointment.refresh_from_db()
    audit_record(
        actor=actor,
        action="appointment.checked_in",
        object_type="appointment",
        object_id=appointment.pk,
        data={"port": appointment.port.code, "day": appointment.day},
    )
    return appointment


@transaction.atomic
def appointment_complete(*, appointment: Appointment, actor: Actor) -> Appointment:
    """Close a checked-in appointment once the officer has recorded the group's outcomes."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("port").get(pk=appointment.pk)
    )
    _officer_at(actor, appointment)
    now = clock.now()
    if not _move(
        appointment,
        to=AppointmentState.COMPLETED,
        expected=AppointmentState.CHECKED_IN,
        ended_at=now,
        ended_reason="completed",
    ):
        raise AppointmentStateError("Only a checked-in appointment can be completed.")
    appointment.refresh_from_db()
    audit_record(
        actor=actor, action="appointment.completed", object_type="appointment", object_id=appointment.pk
    )
    return appointment


@transaction.atomic
def appointments_mark_no_shows(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Mark `no_show` every appointment still scheduled once its day has ended at its port."""
    now = now or clock.now()
    advisory_lock("appointments.no_shows", "all")
    latest = (now + dt.timedelta(days=1)).date()
    candidates = (
        Appointment.objects.select_for_update(of=("self",))
        .filter(state=AppointmentState.SCHEDULED, day__lt=latest)
        .select_related("port", "applicant")
    )
    events = []
    outcomes: list[MemberOutcome] = []
    for appointment in candidates:
        day_end = dt.datetime.combine(
            appointment.day + dt.timedelta(days=1), dt.time(0), tzinfo=appointment.port.tz
        )
        if now < day_end:
            continue
        if not _move(
            appointment,
            to=AppointmentState.NO_SHOW,
            expected=AppointmentState.SCHEDULED,
            ended_at=now,
            ended_reason="no_show",
        ):
            continue
        # Nobody of the group came: each member's outcome is a no-show (the dashboards count people).
        outcomes.extend(
            MemberOutcome(
                appointment=appointment,
                member_id=member,
                outcome=Outcome.NO_SHOW,
                recorded_at=now,
                recorded_by=actor.label,
            )
            for member in appointment.members
        )
        events.append(
            Event(
                "appointment.no_show",
                "appointment",
                str(appointment.pk),
                {"day": appointment.day, "outcome": Outcome.NO_SHOW, "members": list(appointment.members)},
            )
        )
        notice_enqueue(
            kind=NoticeKind.NO_SHOW,
            dedup_key=f"appointment:{appointment.pk}:no_show",
            applicant=appointment.applicant,
            context={
                "appointment_id": appointment.pk,
                "port_name": appointment.port.name,
                "date": appointment.day.isoformat(),
            },
        )
    if events:
        MemberOutcome.objects.bulk_create(outcomes)
        audit_record_many(actor=actor, events=events)
    return len(events)


@transaction.atomic
def appointments_remind_day_before(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Remind each group the day before its appointment (once), with the port's address and the pass."""
    now = now or clock.now()
    advisory_lock("appointments.day_before", "all")
    soon = (now + dt.timedelta(days=2)).date()
    candidates = (
        Appointment.objects.select_for_update(of=("self",))
        .filter(state=AppointmentState.SCHEDULED, day_before_sent_at__isnull=True, day__lte=soon)
        .select_related("port", "applicant")
    )
    sent = 0
    for appointment in candidates:
        local_today = today_in(appointment.port.tz, now=now)
        if appointment.day != local_today + dt.timedelta(days=1):
            continue
        notice_enqueue(
            kind=NoticeKind.DAY_BEFORE,
            dedup_key=f"appointment:{appointment.pk}:day_before",
            applicant=appointment.applicant,
            context={
                "appointment_id": appointment.pk,
                **_place(appointment),
                "port_address": appointment.port.address[:90],
                "pass_url": pass_url(appointment),
            },
        )
        Appointment.objects.filter(pk=appointment.pk).update(day_before_sent_at=now)
        sent += 1
    return sent


@dataclass(frozen=True)
class PassCheck:
    """The online answer about a scanned pass: genuine and valid here today, or why not."""

    ok: bool
    code: str
    message: str
    fields: PassFields | None = None
    appointment: Appointment | None = None


def pass_verify(*, payload: str, port: Port | str, day: dt.date) -> PassCheck:
    """Check a scanned pass for `port` on `day`: signature, port, date, and the appointment's state now
    (cancelled, rebooked, no-show, or checked in already: by whom and when)."""
    code = port.code if isinstance(port, Port) else port
    try:
        fields = pass_check(payload, keys=public_keys(), port=code, day=day)
    except PassRefused as exc:
        return PassCheck(False, exc.code, exc.message, exc.fields)
    appointment = Appointment.objects.select_related("port").filter(pk=fields.appointment_id).first()
    if appointment is None:
        return PassCheck(False, "unknown_appointment", "no such appointment", fields)
    if appointment.pass_payload != payload.strip().upper():
        return PassCheck(False, "superseded", "a newer pass replaced this one", fields, appointment)
    if appointment.state in (AppointmentState.CHECKED_IN, AppointmentState.COMPLETED):
        at = appointment.checked_in_at
        assert at is not None
        local = at.astimezone(appointment.port.tz)
        return PassCheck(
            False,
            "checked_in",
            f"already checked in by {appointment.checked_in_by} at {local:%H:%M} "
            f"({appointment.port.time_zone})",
            fields,
            appointment,
        )
    if appointment.state != AppointmentState.SCHEDULED:
        return PassCheck(
            False,
            appointment.state,
            f"the appointment is {appointment.get_state_display().lower()}",
            fields,
            appointment,
        )
    return PassCheck(True, "valid", "valid pass", fields, appointment)
