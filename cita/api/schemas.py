"""Input and output schemas of the API: one pair per operation where it takes input, never a model
wholesale. Outputs are built field by field from what a selector or service returned (`of(...)`), so a new
column never leaks by accident."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.conf import settings
from django.urls import reverse
from ninja import Schema
from pydantic import Field

from cita.api.problems import ProblemType
from cita.appointments.models import Appointment
from cita.appointments.selectors import ManifestCounts
from cita.appointments.services import PassCheck
from cita.draws.models import Offer, Request
from cita.ports.models import Port, SlotCapacity
from cita.registrations.models import Member

# Ids are PostgreSQL bigints.
MAX_ID = 2**63 - 1
PORT_CODE = r"^[A-Z]{3}$"
DRAW_ID = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(-[0-9]{1,3})?$"
PortCode = Annotated[str, Field(pattern=PORT_CODE, examples=["TIJ"])]
DrawId = Annotated[str, Field(pattern=DRAW_ID, examples=["2026-12-01"])]
Slot = Annotated[str, Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", examples=["08:00"])]


def _slot(value: dt.time) -> str:
    return f"{value:%H:%M}"


# -- problems ----------------------------------------------------------------------------------------------


class FieldErrorOut(Schema):
    field: str
    message: str
    type: str


class ProblemOut(Schema):
    """An RFC 9457 problem (`application/problem+json`); `code` and `field` are cita's own members."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None
    errors: list[FieldErrorOut] | None = None
    reason: str | None = Field(default=None, description="pass_refused only: why the pass was refused.")


def problems(*statuses: int) -> dict[int, type[ProblemOut]]:
    """The error responses an operation declares, each a problem body."""
    return dict.fromkeys(statuses, ProblemOut)


class ProblemTypeOut(Schema):
    code: str
    status: int
    title: str
    description: str

    @classmethod
    def of(cls, problem: ProblemType) -> ProblemTypeOut:
        return cls(
            code=problem.code, status=problem.status, title=problem.title, description=problem.description
        )


class ProblemTypesOut(Schema):
    problems: list[ProblemTypeOut]


# -- public ------------------------------------------------------------------------------------------------


class SessionOut(Schema):
    """Who the session cookie belongs to, and the CSRF token to send back on unsafe methods."""

    role: str | None = Field(description="applicant, officer, planner, …; null when not signed in")
    signing_in: bool = Field(description="a staff member who has not given the authenticator code yet")
    language: str
    csrf_token: str


class BeaconOut(Schema):
    source: str
    round: int
    value: str | None


class DrawOut(Schema):
    """A draw as published on the transparency pages (the seed and results once revealed)."""

    draw_id: DrawId
    round: int
    appointment_date: dt.date
    status: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    commitment: str
    server_seed: str | None
    beacon: BeaconOut | None
    reserve_percent: int
    entries_sha256: str | None
    results_sha256: str | None
    entries: int | None
    seats: int | None
    selected: int | None
    published_at: dt.datetime | None
    files: dict[str, str]

    @classmethod
    def of(cls, published: dict[str, Any]) -> DrawOut:
        return cls.model_validate(published)


class CurrentDrawOut(Schema):
    open: DrawOut | None = Field(description="The draw whose request window is open now, if any.")


class DrawListOut(Schema):
    draws: list[DrawOut]


class PortOut(Schema):
    code: PortCode
    name: str
    city: str
    address: str
    time_zone: str

    @classmethod
    def of(cls, port: Port) -> PortOut:
        return cls(
            code=port.code, name=port.name, city=port.city, address=port.address, time_zone=port.time_zone
        )


class PortListOut(Schema):
    ports: list[PortOut]


class PassKeyOut(Schema):
    kid: str
    public_key: str
    signing: bool


class PassKeysOut(Schema):
    """The keys that verify passes offline (`cita verify-pass --keys`)."""

    format: str
    algorithm: str
    payload: str
    keys: list[PassKeyOut]


# -- applicant ---------------------------------------------------------------------------------------------


class MemberOut(Schema):
    """A person of the caller's own group (the names are shown to the group only)."""

    id: int
    relationship: str
    given_names: str
    family_names: str
    date_of_birth: dt.date
    nationality: str
    document_type: str
    has_document: bool

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(
            id=member.pk,
            relationship=member.relationship,
            given_names=member.given_names,
            family_names=member.family_names,
            date_of_birth=member.date_of_birth,
            nationality=member.nationality,
            document_type=member.document_type,
            has_document=bool(member.document_index),
        )


class GroupOut(Schema):
    size: int
    members: list[MemberOut]


class RequestIn(Schema):
    ports: list[PortCode] = Field(min_length=1, max_length=30, description="Port codes, most wanted first.")


class RequestOut(Schema):
    """One request of the caller's group: its ticket (theirs to know) and where it stands."""

    id: int
    draw_id: str
    appointment_date: dt.date
    ticket: str
    ports: list[str]
    group_size: int
    state: str = Field(description="submitted, withdrawn, entered, selected or not_selected")
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, request: Request) -> RequestOut:
        return cls(
            id=request.pk,
            draw_id=request.draw.draw_id,
            appointment_date=request.draw.appointment_date,
            ticket=request.ticket,
            ports=list(request.ports),
            group_size=request.group_size,
            state=request.status.state,
            created_at=request.created_at,
            withdrawn_at=request.withdrawn_at,
            decided_at=request.status.decided_at,
        )


class RequestListOut(Schema):
    requests: list[RequestOut]


class OfferOut(Schema):
    """A seat offered to the caller's group: where, when, and until when to confirm."""

    id: int
    draw_id: str
    port: PortCode
    port_name: str
    time_zone: str
    day: dt.date
    slot: Slot
    group_size: int
    state: str = Field(description="open, confirmed, expired or declined")
    deadline: dt.datetime
    settled_at: dt.datetime | None

    @classmethod
    def of(cls, offer: Offer) -> OfferOut:
        return cls(
            id=offer.pk,
            draw_id=offer.draw.draw_id,
            port=offer.port.code,
            port_name=offer.port.name,
            time_zone=offer.port.time_zone,
            day=offer.day,
            slot=_slot(offer.slot),
            group_size=offer.group_size,
            state=offer.state,
            deadline=offer.deadline,
            settled_at=offer.settled_at,
        )


class OfferListOut(Schema):
    offers: list[OfferOut]


class AppointmentOut(Schema):
    """An appointment of the caller's group, with the page of its printable pass."""

    id: int
    port: PortCode
    port_name: str
    port_address: str
    time_zone: str
    day: dt.date
    slot: Slot
    group_size: int
    state: str = Field(description="scheduled, checked_in, completed, cancelled, rebooked or no_show")
    checked_in_at: dt.datetime | None
    ended_at: dt.datetime | None
    pass_url: str

    @classmethod
    def of(cls, appointment: Appointment) -> AppointmentOut:
        port = appointment.port
        return cls(
            id=appointment.pk,
            port=port.code,
            port_name=port.name,
            port_address=port.address,
            time_zone=port.time_zone,
            day=appointment.day,
            slot=_slot(appointment.slot),
            group_size=appointment.group_size,
            state=appointment.state,
            checked_in_at=appointment.checked_in_at,
            ended_at=appointment.ended_at,
            pass_url=settings.CITA_BASE_URL + reverse("appointments:pass", args=[appointment.pk]),
        )


class AppointmentListOut(Schema):
    appointments: list[AppointmentOut]


class PassOut(Schema):
    """The signed pass: the text its QR code holds (docs/daily-cycle.md, "Passes")."""

    appointment_id: int
    payload: str
    kid: str
    issued_at: dt.datetime
    png_url: str

    @classmethod
    def of(cls, appointment: Appointment) -> PassOut:
        return cls(
            appointment_id=appointment.pk,
            payload=appointment.pass_payload,
            kid=appointment.pass_kid,
            issued_at=appointment.pass_issued_at,
            png_url=settings.CITA_BASE_URL + reverse("appointments:pass_png", args=[appointment.pk]),
        )


# -- officer -----------------------------------------------------------------------------------------------


class PassIn(Schema):
    payload: str = Field(min_length=1, max_length=512, description="The text of the scanned QR code.")


class CheckedAppointmentOut(Schema):
    """An appointment as the officer's pass check sees it: no names, only what the pass proves."""

    id: int
    port: PortCode
    day: dt.date
    slot: Slot
    group_size: int
    state: str
    checked_in_at: dt.datetime | None
    checked_in_by: str

    @classmethod
    def of(cls, appointment: Appointment) -> CheckedAppointmentOut:
        return cls(
            id=appointment.pk,
            port=appointment.port.code,
            day=appointment.day,
            slot=_slot(appointment.slot),
            group_size=appointment.group_size,
            state=appointment.state,
            checked_in_at=appointment.checked_in_at,
            checked_in_by=appointment.checked_in_by,
        )


class PassCheckOut(Schema):
    """The online check of a pass at the officer's port today: valid, or the reason it is not."""

    ok: bool
    code: str = Field(
        description="valid, or why not: malformed, bad_signature, unknown_key, other_port, other_date, "
        "unknown_appointment, superseded, checked_in, cancelled, rebooked, no_show, completed"
    )
    message: str
    appointment: CheckedAppointmentOut | None

    @classmethod
    def of(cls, check: PassCheck) -> PassCheckOut:
        return cls(
            ok=check.ok,
            code=check.code,
            message=check.message,
            appointment=CheckedAppointmentOut.of(check.appointment) if check.appointment else None,
        )


class ManifestOut(Schema):
    """Counts of the officer's port's manifest for one day, by appointment state (people = group sizes)."""

    port: PortCode
    day: dt.date
    appointments: int
    people: int
    appointments_by_state: dict[str, int]
    people_by_state: dict[str, int]

    @classmethod
    def of(cls, counts: ManifestCounts) -> ManifestOut:
        return cls(
            port=counts.port_code,
            day=counts.day,
            appointments=counts.appointments,
            people=counts.people,
            appointments_by_state=counts.by_state,
            people_by_state=counts.people_by_state,
        )


# -- planner -----------------------------------------------------------------------------------------------


class SlotOut(Schema):
    slot: Slot
    seats: int
    left: int
    booked: int

    @classmethod
    def of(cls, row: SlotCapacity) -> SlotOut:
        return cls(slot=_slot(row.slot), seats=row.seats, left=row.left, booked=row.booked)


class CapacityDayOut(Schema):
    """Seats of one port on one day, per slot, with totals."""

    port: PortCode
    day: dt.date
    seats: int
    left: int
    slots: list[SlotOut]

    @classmethod
    def of(cls, *, port: Port, day: dt.date, rows: list[SlotCapacity]) -> CapacityDayOut:
        return cls(
            port=port.code,
            day=day,
            seats=sum(r.seats for r in rows),
            left=sum(r.left for r in rows),
            slots=[SlotOut.of(r) for r in rows],
        )
