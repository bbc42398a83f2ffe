"""Reads of the staff domain, scoped to the caller: accounts (admins), residents (their shelter's NGO
workers only), shelters' occupancy (planners and admins)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.selectors import appointment_get_for_actor, appointment_list_for_actor, wait_choice_for
from cita.conversations.models import InboundMessage
from cita.conversations.selectors import message_list_for_actor
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.days import today_in
from cita.core.errors import NotFound
from cita.draws.models import Offer, OfferState, PriorityFlag, Request, RequestState
from cita.draws.selectors import offer_list_for_actor, priority_tier, request_list_for_actor
from cita.registrations.models import Applicant, Consent, Member, Relationship, Shelter
from cita.registrations.selectors import applicant_get_for_actor, member_list_for_actor
from cita.staff.models import User

RESIDENT_SEARCH_MIN = 2


def staff_has_mfa(*, user: User) -> bool:
    """True when the staff member has a confirmed authenticator app (else they enrol one first)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(*, user: User) -> int:
    """How many unused recovery codes the staff member has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# -- accounts (admins) -------------------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN or actor.mfa_pending:
        raise NotFound("no such account")


def staff_list_for_actor(*, actor: Actor, role: str = "", active: bool | None = None) -> QuerySet[User]:
    """Every staff account, with whether MFA is set up (admins only)."""
    _require_admin(actor)
    users = User.objects.select_related("port", "shelter").annotate(
        mfa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )
    if role:
        users = users.filter(role=role)
    if active is not None:
        users = users.filter(is_active=active)
    return users.order_by("username")


def staff_get_for_actor(*, actor: Actor, user_id: int) -> User:
    """One staff account (admins only)."""
    user = staff_list_for_actor(actor=actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound("no such account")
    return user


def staff_is_locked(*, user: User) -> bool:
    """True while the account is locked after failed attempts."""
    return bool(user.locked_until and user.locked_until > clock.now())


# -- residents (NGO workers of their shelter) --------------------------------------------------------------


@dataclass(frozen=True)
class ResidentRow:
    """One resident in the shelter's list (decrypted for the NGO worker only)."""

    applicant_id: int
    name: str
    group_size: int
    language: str
    registered_at: dt.datetime
    step: str = "No request"
    deadline: dt.datetime | None = None
    time_zone: str = ""
    action_today: bool = False


@dataclass(frozen=True)
class ResidentStatus:
    """Where a resident stands: registration and consent, their latest requests and results, offers with
    their deadlines, appointments (with passes to print), and priority flags."""

    registered: bool
    group_size: int
    consent_version: str | None
    consent_current: bool
    requests: list[Request] = dataclasses.field(default_factory=list)
    offers: list[Offer] = dataclasses.field(default_factory=list)
    appointments: list[Appointment] = dataclasses.field(default_factory=list)
    flags: list[PriorityFlag] = dataclasses.field(default_factory=list)
    tier: int = 1

    @property
    def open_offers(self) -> list[Offer]:
        """Offers still waiting for the resident's answer."""
        return [o for o in self.offers if o.state == "open"]

    @property
    def urgent(self) -> bool:
        """An urgent flag is active."""
        return any(f.kind == "urgent" for f in self.flags)


def _require_ngo(actor: Actor) -> int:
    if actor.role is not Role.NGO or actor.shelter_id is None or actor.mfa_pending:
        raise NotFound("no such resident")
    return actor.shelter_id


def shelter_for_actor(*, actor: Actor) -> Shelter:
    """The shelter an NGO worker works for."""
    shelter = Shelter.objects.filter(pk=_require_ngo(actor)).first()
    if shelter is None:
        raise NotFound("no shelter")
    return shelter


@dataclass(frozen=True)
class _Step:
    text: str
    deadline: dt.datetime | None = None
    time_zone: str = ""
    action_today: bool = False


def _resident_steps(shelter_id: int, now: dt.datetime) -> dict[int, _Step]:
    """Each resident's current step with its deadline (issue 15, item 4), in a few queries: an offer to
    confirm, a closure choice, an appointment (today or tomorrow needs the worker), a request in a draw.
    For residents without a phone the worker is their only channel, so what cannot wait is marked."""
    steps: dict[int, _Step] = {}
    requests = (
        Request.objects.filter(applicant__shelter_id=shelter_id, withdrawn_at__isnull=True)
        .select_related("draw", "status")
        .order_by("applicant_id", "-created_at")
    )
    words: dict[str, str] = {
        RequestState.SUBMITTED: "Asked: in the draw for {day}",
        RequestState.ENTERED: "Asked: in the draw for {day}",
        RequestState.NOT_SELECTED: "Not selected for {day}: ask again",
    }
    seen: set[int] = set()
    for request in requests:
        if request.applicant_id in seen:
            continue  # only the newest request says where the group is
        seen.add(request.applicant_id)
        text = words.get(request.state)
        if text:
            steps[request.applicant_id] = _Step(text.format(day=f"{request.draw.appointment_date:%a %d %b}"))
    for offer in Offer.objects.filter(
        applicant__shelter_id=shelter_id, state=OfferState.OPEN, deadline__gt=now
    ).select_related("port"):
        steps[offer.applicant_id] = _Step(
            f"Offer to confirm: {offer.port.name}, {offer.day:%a %d %b} {offer.slot:%H:%M}",
            offer.deadline,
            offer.port.time_zone,
            action_today=True,
        )
    appointments = Appointment.objects.filter(
        applicant__shelter_id=shelter_id, state__in=(AppointmentState.SCHEDULED, AppointmentState.CHECKED_IN)
    ).select_related("port", "rebooked_from")
    for appointment in appointments:
        port = appointment.port
        starts = dt.datetime.combine(appointment.day, appointment.slot, tzinfo=port.tz)
        if appointment.state == AppointmentState.CHECKED_IN:
            steps[appointment.applicant_id] = _Step(f"Checked in at {port.name}")
            continue
        place = f"{port.name}, {appointment.day:%a %d %b} {appointment.slot:%H:%M}"
        if appointment.rebooked_from_id is not None and wait_choice_for(appointment=appointment, now=now):
            steps[appointment.applicant_id] = _Step(
                f"Closure choice: keep {place} or wait for the first port", starts, port.time_zone, True
            )
            continue
        days_left = (appointment.day - today_in(port.tz, now=now)).days
        steps[appointment.applicant_id] = _Step(
            f"Appointment: {place}", starts, port.time_zone, action_today=days_left <= 1
        )
    return steps


def resident_list_for_actor(*, actor: Actor, query: str = "") -> list[ResidentRow]:
    """The residents of the worker's shelter, those who need action today first (by deadline), then the
    others newest first; each with its current step and deadline; `query` matches the principal's names.

    Names are sealed at rest, so the match runs here over the shelter's residents (hundreds, not millions).
    """
    shelter_id = _require_ngo(actor)
    applicants = (
        Applicant.objects.filter(shelter_id=shelter_id)
        .annotate(size=Count("members"))
        .order_by("-created_at", "-id")
    )
    principals = {
        m.applicant_id: m.full_name
        for m in Member.objects.filter(applicant__shelter_id=shelter_id, relationship=Relationship.SELF)
    }
    needle = " ".join(query.split()).casefold()
    now = clock.now()
    steps = _resident_steps(shelter_id, now)
    rows = []
    for applicant in applicants:
        name = principals.get(applicant.pk, "")
        if len(needle) >= RESIDENT_SEARCH_MIN and needle not in name.casefold():
            continue
        step = steps.get(applicant.pk) or _Step("No request" if applicant.size else "Group not registered")
        rows.append(
            ResidentRow(
                applicant_id=applicant.pk,
                name=name,
                group_size=applicant.size,
                language=applicant.get_language_display(),
                registered_at=applicant.created_at,
                step=step.text,
                deadline=step.deadline,
                time_zone=step.time_zone,
                action_today=step.action_today,
            )
        )
    urgent = sorted((r for r in rows if r.action_today), key=lambda r: (r.deadline or now, r.applicant_id))
    return urgent + [r for r in rows if not r.action_today]


def residents_needing_action(*, actor: Actor) -> int:
    """How many of the shelter's residents need the worker today (the NGO home page's count)."""
    return sum(1 for row in resident_list_for_actor(actor=actor) if row.action_today)


def resident_get_for_actor(*, actor: Actor, applicant_id: int) -> Applicant:
    """One resident of the worker's shelter; anyone else is not found (as in the applicant flow)."""
    _require_ngo(actor)
    return applicant_get_for_actor(actor=dataclasses.replace(actor, applicant_id=applicant_id))


def resident_messages_for_actor(*, actor: Actor, applicant_id: int) -> list[InboundMessage]:
    """The text messages one resident of the worker's shelter sent, with cita's replies, newest first;
    anyone else's are not found."""
    resident = resident_get_for_actor(actor=actor, applicant_id=applicant_id)
    return message_list_for_actor(actor=dataclasses.replace(actor, applicant_id=resident.pk))


def resident_members_for_actor(*, actor: Actor, applicant_id: int) -> QuerySet[Member]:
    """The travel group of one resident of the worker's shelter, principal first."""
    _require_ngo(actor)
    return member_list_for_actor(actor=dataclasses.replace(actor, applicant_id=applicant_id))


def resident_consents_for_actor(*, actor: Actor, applicant_id: int) -> QuerySet[Consent]:
    """The consents on record for one resident of the worker's shelter, newest first."""
    applicant = resident_get_for_actor(actor=actor, applicant_id=applicant_id)
    return applicant.consents.order_by("-at")


def resident_status_for_actor(*, actor: Actor, applicant_id: int) -> ResidentStatus:
    """Where one resident stands, for their NGO worker: registration, the latest requests with their
    results, offers with their deadlines, appointments, and active priority flags (all scoped to the
    worker's shelter through the selectors of each domain)."""
    from django.conf import settings

    applicant = resident_get_for_actor(actor=actor, applicant_id=applicant_id)
    acting = dataclasses.replace(actor, applicant_id=applicant.pk)
    consent = applicant.consents.order_by("-at").first()
    size = applicant.members.count()
    return ResidentStatus(
        registered=applicant.members.filter(relationship=Relationship.SELF).exists(),
        group_size=size,
        consent_version=consent.text_version if consent else None,
        consent_current=bool(consent and consent.text_version == settings.CITA_CONSENT_VERSION),
        requests=request_list_for_actor(actor=acting, limit=5),
        offers=offer_list_for_actor(actor=acting, limit=5),
        appointments=appointment_list_for_actor(actor=acting, active_only=False)[-5:][::-1],
        flags=list(
            PriorityFlag.objects.filter(applicant=applicant, ended_at__isnull=True).order_by("-created_at")
        ),
        tier=priority_tier(applicant=applicant),
    )


def resident_appointment_for_actor(*, actor: Actor, applicant_id: int, appointment_id: int) -> Appointment:
    """One appointment of a resident of the worker's shelter (to print its pass)."""
    applicant = resident_get_for_actor(actor=actor, applicant_id=applicant_id)
    return appointment_get_for_actor(
        actor=dataclasses.replace(actor, applicant_id=applicant.pk), appointment_id=appointment_id
    )


def acting_for_label(*, actor: Actor) -> str | None:
    """The name of the resident an NGO worker is acting for (for the banner), or None."""
    if actor.role is not Role.NGO or actor.applicant_id is None:
        return None
    try:
        applicant = applicant_get_for_actor(actor=actor)
    except NotFound:
        return None
    principal = applicant.members.filter(relationship=Relationship.SELF).first()
    return principal.full_name if principal else f"resident {applicant.pk}"


# -- shelters (planners and admins) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ShelterOccupancy:
    """One shelter's capacity, occupancy and registered residents."""

    shelter: Shelter
    residents: int

    @property
    def percent(self) -> int | None:
        """Occupancy as a whole percentage of capacity (None without a capacity)."""
        cap = self.shelter.capacity
        return round(100 * self.shelter.occupancy / cap) if cap else None

    @property
    def over(self) -> bool:
        """More people than places."""
        return self.shelter.occupancy > self.shelter.capacity


@dataclass(frozen=True)
class OccupancyTable:
    rows: list[ShelterOccupancy]
    capacity: int
    occupancy: int
    residents: int


def shelter_occupancy_for_actor(*, actor: Actor) -> OccupancyTable:
    """Occupancy of every shelter with totals (planners and admins)."""
    if actor.role not in (Role.PLANNER, Role.ADMIN) or actor.mfa_pending:
        raise NotFound("no shelters")
    rows = [
        ShelterOccupancy(shelter=s, residents=s.n_residents)
        for s in Shelter.objects.annotate(n_residents=Count("residents")).order_by("city", "name")
    ]
    return OccupancyTable(
        rows=rows,
        capacity=sum(r.shelter.capacity for r in rows),
        occupancy=sum(r.shelter.occupancy for r in rows),
        residents=sum(r.residents for r in rows),
    )


# -- who did it: actor labels shown with the staff member's name --------------------------------------------


def staff_names(*, labels: Iterable[str]) -> dict[str, str]:
    """`officer:12` → `Ana Ruiz (officer:12)` for staff labels (other labels are left out)."""
    ids = {}
    for label in labels:
        role, _, number = label.partition(":")
        if role in {r.value for r in Role} and number.isdigit():
            ids[label] = int(number)
    users = {u.pk: u for u in User.objects.filter(pk__in=set(ids.values()))}
    names = {}
    for label, user_id in ids.items():
        user = users.get(user_id)
        if user is not None:
            names[label] = f"{user.get_full_name() or user.username} ({label})"
    return names
