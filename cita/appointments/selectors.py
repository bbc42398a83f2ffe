"""Reading appointments, scoped to the caller: the group's own, an officer's port's, or any for staff
who oversee every port."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Count, Model, Sum
from django.db.models.expressions import RawSQL

from cita.appointments.models import ACTIVE, Appointment, AppointmentState, MemberOutcome, Rebooking
from cita.appointments.passes import short_code_normalise
from cita.appointments.rebook_plan import (
    Group,
    Placement,
    Plan,
    Seats,
    Snapshot,
    plan_compute,
    plan_from_json,
    snapshot_from_json,
)
from cita.audit.models import AuditEvent
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.days import reference_today
from cita.core.errors import NotFound
from cita.core.rows import json_of, row_of, sql_fill, sql_of, sql_once
from cita.draws.models import Draw, DrawStatus, Offer, OfferState, Request, RequestState, RequestStatus
from cita.draws.selectors import draw_open_queryset, second_chance_queryset
from cita.notifications.selectors import unread_queryset
from cita.policy.models import DrawPolicy
from cita.ports.models import Port, PortClosure, SlotCapacity
from cita.ports.selectors import port_for_actor, port_today
from cita.registrations.identity import (
    BoundPerson,
    Change,
    Person,
    identity_compare,
    identity_load,
    person_of,
)
from cita.registrations.models import Applicant, Member, Relationship
from cita.registrations.selectors import applicant_get_for_actor

M = TypeVar("M", bound=Model)


def appointment_get_for_actor(*, actor: Actor, appointment_id: int) -> Appointment:
    """One appointment the actor may see: their group's (applicant, or NGO helping them), their port's
    (officer), any (planner, admin, auditor)."""
    rows = Appointment.objects.select_related("port", "applicant")
    if actor.role in (Role.APPLICANT, Role.NGO) and not actor.mfa_pending:
        rows = rows.filter(applicant=applicant_get_for_actor(actor=actor))
    elif actor.role is Role.OFFICER and not actor.mfa_pending and actor.port_id is not None:
        rows = rows.filter(port_id=actor.port_id)
    elif actor.role not in (Role.PLANNER, Role.ADMIN, Role.AUDITOR) or actor.mfa_pending:
        raise NotFound("no such appointment")
    appointment = rows.filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound("no such appointment")
    return appointment


def appointment_list_for_actor(*, actor: Actor, active_only: bool = True) -> list[Appointment]:
    """The actor's group's appointments, soonest first."""
    rows = Appointment.objects.filter(applicant=applicant_get_for_actor(actor=actor)).select_related("port")
    if active_only:
        rows = rows.filter(state__in=ACTIVE)
    return list(rows.order_by("day", "slot"))


@dataclass(frozen=True)
class ManifestCounts:
    """How many appointments and people a port has on one day, by state."""

    port_code: str
    day: dt.date
    appointments: int
    people: int
    by_state: dict[str, int]
    people_by_state: dict[str, int]


def manifest_counts_for_actor(*, actor: Actor, day: dt.date) -> ManifestCounts:
    """Counts of the officer's own port's manifest for `day` (every state, zero where none)."""
    port = port_for_actor(actor=actor)
    rows = (
        Appointment.objects.filter(port=port, day=day)
        .values("state")
        .annotate(n=Count("id"), people=Sum("group_size"))
    )
    by_state = dict.fromkeys(AppointmentState.values, 0)
    people_by_state = dict.fromkeys(AppointmentState.values, 0)
    for row in rows:
        by_state[row["state"]] = row["n"]
        people_by_state[row["state"]] = row["people"] or 0
    return ManifestCounts(
        port_code=port.code,
        day=day,
        appointments=sum(by_state.values()),
        people=sum(people_by_state.values()),
        by_state=by_state,
        people_by_state=people_by_state,
    )


# -- closures: who is affected, and what the rebooking starts from -------------------------------------------


class ClosureLike(Protocol):
    """What the rebooking needs of a closure (a stored `PortClosure`, or a planner's preview)."""

    @property
    def pk(self) -> int | None: ...
    @property
    def port(self) -> Port: ...
    @property
    def start(self) -> dt.date: ...
    @property
    def end(self) -> dt.date: ...
    @property
    def horizon_days(self) -> int: ...
    @property
    def any_port(self) -> bool: ...


@dataclass(frozen=True)
class RebookingInput:
    """The snapshot the plan is computed from, with the rows each group reference stands for."""

    snapshot: Snapshot
    appointments: dict[str, Appointment]
    offers: dict[str, Offer]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _root(appointment: Appointment) -> Appointment:
    """The first appointment of a chain of rebookings (the one its offer issued)."""
    seen = 0
    while appointment.rebooked_from_id is not None and seen < 100:
        appointment = Appointment.objects.select_related("offer__draw", "offer__request", "port").get(
            pk=appointment.rebooked_from_id
        )
        seen += 1
    return appointment


def _appointment_group(appointment: Appointment) -> Group:
    root = _root(appointment)
    ref = f"appointment:{appointment.pk}"
    offer = root.offer
    if offer is not None:
        order = (_iso(offer.draw.published_at or offer.created_at), offer.order, ref)
        ports = tuple(offer.request.ports)
    else:  # made without a draw (data loaded by hand): after every drawn group, by creation
        order = ("9999-12-31T00:00:00.000000Z", 0, f"{_iso(root.created_at)}|{ref}")
        ports = (root.port.code,)
    return Group(
        ref=ref,
        applicant=appointment.applicant_id,
        size=appointment.group_size,
        ports=ports,
        order=order,
        old_port=appointment.port.code,
        old_day=appointment.day.isoformat(),
        old_slot=f"{appointment.slot:%H:%M}",
    )


def _offer_group(offer: Offer) -> Group:
    ref = f"offer:{offer.pk}"
    return Group(
        ref=ref,
        applicant=offer.applicant_id,
        size=offer.group_size,
        ports=tuple(offer.request.ports),
        order=(_iso(offer.draw.published_at or offer.created_at), offer.order, ref),
        old_port=offer.port.code,
        old_day=offer.day.isoformat(),
        old_slot=f"{offer.slot:%H:%M}",
    )


def rebooking_input(*, closure: ClosureLike, now: dt.datetime, for_update: bool = False) -> RebookingInput:
    """The groups booked at the closed port on the closed days (scheduled appointments and open offers),
    in their original allocation order, and the free seats they may take: every active port's slots from
    tomorrow (reference time zone) to `horizon_days` after the closure ends, less closed port days.

    `for_update` locks those rows until the caller's transaction ends (the rebooking job), so the plan
    computed from them is exactly what it can apply.
    """
    first_day = reference_today(now=now) + dt.timedelta(days=1)
    last_day = closure.end + dt.timedelta(days=closure.horizon_days)
    appointments_q = Appointment.objects.filter(
        port=closure.port, day__range=(closure.start, closure.end), state=AppointmentState.SCHEDULED
    ).select_related("port", "offer__draw", "offer__request")
    offers_q = Offer.objects.filter(
        port=closure.port, day__range=(closure.start, closure.end), state=OfferState.OPEN
    ).select_related("port", "draw", "request")
    seats_q = (
        SlotCapacity.objects.filter(
            day__range=(first_day, last_day), port__active=True, left__gt=0, seats__gt=0
        )
        .select_related("port")
        .order_by("day", "port__position", "port__code", "slot")
    )
    if for_update:
        appointments_q = appointments_q.select_for_update(of=("self",))
        offers_q = offers_q.select_for_update(of=("self",))
        seats_q = seats_q.select_for_update(of=("self",))
    # Offers first: a confirmation in flight holds its offer's lock, so this waits for it and then finds
    # its appointment below (read after); the other order could miss a group confirmed in between.
    offers = {f"offer:{o.pk}": o for o in offers_q.order_by("id")}
    appointments = {f"appointment:{a.pk}": a for a in appointments_q.order_by("id")}
    groups = sorted(
        [
            *(_appointment_group(a) for a in appointments.values()),
            *(_offer_group(o) for o in offers.values()),
        ],
        key=lambda g: g.order,
    )
    closed = [
        (c.port_id, c.start, c.end)
        for c in PortClosure.objects.filter(reopened_at__isnull=True, end__gte=first_day, start__lte=last_day)
    ]
    if closure.pk is None:  # a preview: the closure is not stored yet
        closed.append((closure.port.pk, closure.start, closure.end))
    seats = [
        Seats(port=row.port.code, day=row.day.isoformat(), slot=f"{row.slot:%H:%M}", left=row.left)
        for row in seats_q
        if not any(port_id == row.port_id and start <= row.day <= end for port_id, start, end in closed)
    ]
    active = list(Port.objects.filter(active=True).order_by("position", "code").values_list("code", "city"))
    open_ports = tuple(code for code, _ in active)
    cities = dict(active)
    cities[closure.port.code] = closure.port.city
    snapshot = Snapshot(
        closure=closure.pk or 0,
        port=closure.port.code,
        start=closure.start.isoformat(),
        end=closure.end.isoformat(),
        first_day=first_day.isoformat(),
        last_day=last_day.isoformat(),
        any_port=closure.any_port,
        open_ports=open_ports,
        groups=tuple(groups),
        seats=tuple(seats),
        today=(first_day - dt.timedelta(days=1)).isoformat(),
        notice_days=settings.CITA_REBOOK_NOTICE_DAYS,
        cities=tuple(sorted(cities.items())),
    )
    return RebookingInput(snapshot=snapshot, appointments=appointments, offers=offers)


@dataclass(frozen=True)
class WaitChoice:
    """A rebooked group may give up its new appointment and wait for its first port instead: tier 0 in
    the draws for days from `from_day` (the day after the closure), keeping its place (waiting_since)."""

    appointment: Appointment
    closure: PortClosure
    first_port: Port
    from_day: dt.date


def wait_choice_for(*, appointment: Appointment, now: dt.datetime | None = None) -> WaitChoice | None:
    """The choice "I prefer to wait for my first port" of an appointment a closure moved away from the
    group's first port, while it is still to come; None when there is no such choice."""
    old = appointment.rebooked_from
    if appointment.state != AppointmentState.SCHEDULED or old is None or old.ended_reason != "port_closed":
        return None
    port = appointment.port
    starts = dt.datetime.combine(appointment.day, appointment.slot, tzinfo=port.tz)
    if (now or clock.now()) >= starts:
        return None
    root = _root(appointment)
    first = root.offer.request.ports[0] if root.offer is not None else root.port.code
    if first == port.code:
        return None
    closure = (
        PortClosure.objects.filter(port_id=old.port_id, start__lte=old.day, end__gte=old.day)
        .order_by("-created_at")
        .first()
    )
    first_port = Port.objects.filter(code=first).first()
    if closure is None or first_port is None:
        return None
    return WaitChoice(
        appointment=appointment,
        closure=closure,
        first_port=first_port,
        from_day=closure.end + dt.timedelta(days=1),
    )


@dataclass(frozen=True)
class SwapPlace:
    """One free place a group may move its appointment to: a port it ranked, a day, a slot."""

    port: Port
    day: dt.date
    slot: dt.time
    rank: int  # 1 is the group's first port

    @property
    def key(self) -> str:
        """The place as one form value: "SYS|2026-12-16|08:00"."""
        return f"{self.port.code}|{self.day.isoformat()}|{self.slot:%H:%M}"


def swap_closes_at(*, appointment: Appointment) -> dt.datetime:
    """The last moment the group may change its appointment: `CITA_SWAP_CLOSES_HOURS` before its slot."""
    starts = dt.datetime.combine(appointment.day, appointment.slot, tzinfo=appointment.port.tz)
    return starts - dt.timedelta(hours=settings.CITA_SWAP_CLOSES_HOURS)


def swap_open(*, appointment: Appointment, now: dt.datetime | None = None) -> bool:
    """The group may still change the port or day of this appointment (scheduled, not too close)."""
    if appointment.state != AppointmentState.SCHEDULED:
        return False
    return (now or clock.now()) < swap_closes_at(appointment=appointment)


def swap_places(*, appointment: Appointment, now: dt.datetime | None = None) -> list[SwapPlace]:
    """The free places this appointment may move to, in the group's ranking, then by day and slot.

    Only seats the draws have already handed out are offered: days whose draw has published (a seat a
    draw still to run will give is never taken from its entrants), at ports the group ranked, open that
    day, with room for the whole group, starting `CITA_SWAP_CLOSES_HOURS` or more from now. Empty when
    the appointment can no longer be changed.
    """
    now = now or clock.now()
    if not swap_open(appointment=appointment, now=now):
        return []
    root = _root(appointment)
    ranked = list(root.offer.request.ports) if root.offer is not None else [root.port.code]
    rank = {code: i + 1 for i, code in enumerate(ranked)}
    published = Draw.objects.filter(
        status=DrawStatus.PUBLISHED, round=1, appointment_date__gte=reference_today(now=now)
    ).values_list("appointment_date", flat=True)
    rows = SlotCapacity.objects.filter(
        port__code__in=ranked,
        port__active=True,
        day__in=list(published),
        left__gte=appointment.group_size,
    ).select_related("port")
    closed = [
        (c.port_id, c.start, c.end)
        for c in PortClosure.objects.filter(reopened_at__isnull=True, port__code__in=ranked)
    ]
    earliest = now + dt.timedelta(hours=settings.CITA_SWAP_CLOSES_HOURS)
    places = [
        SwapPlace(port=row.port, day=row.day, slot=row.slot, rank=rank[row.port.code])
        for row in rows
        if (row.port_id, row.day, row.slot) != (appointment.port_id, appointment.day, appointment.slot)
        and not any(port_id == row.port_id and start <= row.day <= end for port_id, start, end in closed)
        and dt.datetime.combine(row.day, row.slot, tzinfo=row.port.tz) >= earliest
    ]
    return sorted(places, key=lambda p: (p.rank, p.day, p.slot))


@dataclass(frozen=True)
class OfferWaitChoice:
    """An open offer a closure moved away from the group's first port may be given back to wait for that
    port, as a rebooked appointment may (`WaitChoice`): tier 0 in the draws for days from `from_day`."""

    offer: Offer
    closure: PortClosure
    first_port: Port
    from_day: dt.date


def offer_wait_choice_for(*, offer: Offer, now: dt.datetime | None = None) -> OfferWaitChoice | None:
    """The choice "I prefer to wait for my first port" of an open offer a closure's rebooking moved to
    another port (its `offer.moved` audit event names the closure), until its deadline; None otherwise."""
    if offer.state != OfferState.OPEN or (now or clock.now()) >= offer.deadline:
        return None
    first = offer.request.ports[0]
    if first == offer.port.code:
        return None
    moved = (
        AuditEvent.objects.filter(action="offer.moved", object_type="offer", object_id=str(offer.pk))
        .order_by("-id")
        .values_list("data", flat=True)
        .first()
    )
    if moved is None:
        return None
    closure = PortClosure.objects.filter(pk=moved["closure"]).select_related("port").first()
    first_port = Port.objects.filter(code=first).first()
    if closure is None or first_port is None:
        return None
    return OfferWaitChoice(
        offer=offer, closure=closure, first_port=first_port, from_day=closure.end + dt.timedelta(days=1)
    )


# -- the officer console: one port, its current day ---------------------------------------------------------


def officer_scope(*, actor: Actor) -> tuple[Port, dt.date]:
    """The officer's port and its current day (port time); anyone else finds nothing."""
    port = port_for_actor(actor=actor)
    return port, port_today(port=port)


@dataclass(frozen=True)
class ManifestRow:
    """One group on the day's manifest: the appointment, the principal's name, outcomes recorded."""

    appointment: Appointment
    principal: str
    outcomes: int
    # The people differ from those bound to the pass (changed, removed or added since the draw).
    changed: bool = False


@dataclass(frozen=True)
class Manifest:
    """The day's appointments at a port, by slot, with counts."""

    port: Port
    day: dt.date
    rows: list[ManifestRow]
    counts: dict[str, int]
    # The search the rows answer ("" for the whole day); the counts are always the whole day's.
    query: str = ""


def _bound_principal(appointment: Appointment) -> str:
    """The principal's name as bound to the pass (empty when the appointment has no snapshot)."""
    for person in identity_load(appointment.identities) or []:
        if person.relationship == Relationship.SELF:
            return person.full_name
    return ""


def _differs(appointment: Appointment, members: list[Member]) -> bool:
    snapshot = identity_load(appointment.identities)
    if snapshot is None:
        return False
    compared = identity_compare(bound=snapshot, now=[person_of(m) for m in members])
    return any(row.change != Change.SAME for row in compared)


def _folded(text: str) -> str:
    """Lower case without accents: "perez" finds "Pérez"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matches(row: ManifestRow, query: str) -> bool:
    code = short_code_normalise(query)
    if code is not None and row.appointment.short_code == code:
        return True
    return _folded(query.strip()) in _folded(row.principal)


def officer_manifest(*, actor: Actor, query: str = "") -> Manifest:
    """Today's appointments at the officer's port (names of the principals decrypted: the officer's port,
    today only), with the counts of groups and people in each state; with `query`, only the groups whose
    principal's name holds it or whose pass has it as short code."""
    port, day = officer_scope(actor=actor)
    appointments = list(
        Appointment.objects.filter(port=port, day=day)
        .exclude(state__in=(AppointmentState.CANCELLED, AppointmentState.REBOOKED))
        .annotate(n_outcomes=Count("outcomes"))
        .select_related("port")
        .order_by("slot", "id")
    )
    people: dict[int, list[Member]] = {}
    for member in Member.objects.filter(applicant_id__in=[a.applicant_id for a in appointments]):
        people.setdefault(member.applicant_id, []).append(member)
    principals = {
        applicant_id: m.full_name
        for applicant_id, group in people.items()
        for m in group
        if m.relationship == Relationship.SELF
    }
    counts = {
        "groups": len(appointments),
        "people": sum(a.group_size for a in appointments),
        "waiting": sum(1 for a in appointments if a.state == AppointmentState.SCHEDULED),
        "checked_in": sum(1 for a in appointments if a.state == AppointmentState.CHECKED_IN),
        "completed": sum(1 for a in appointments if a.state == AppointmentState.COMPLETED),
        "no_show": sum(1 for a in appointments if a.state == AppointmentState.NO_SHOW),
        "people_checked_in": sum(
            a.group_size
            for a in appointments
            if a.state in (AppointmentState.CHECKED_IN, AppointmentState.COMPLETED)
        ),
    }
    rows = [
        ManifestRow(
            appointment=a,
            principal=_bound_principal(a) or principals.get(a.applicant_id, ""),
            outcomes=a.n_outcomes,
            changed=_differs(a, people.get(a.applicant_id, [])),
        )
        for a in appointments
    ]
    if query.strip():
        rows = [row for row in rows if _matches(row, query)]
    return Manifest(port=port, day=day, rows=rows, counts=counts, query=query.strip())


def officer_appointment_get(*, actor: Actor, appointment_id: int) -> Appointment:
    """One appointment at the officer's port today; any other (another port, another day) is not found."""
    port, day = officer_scope(actor=actor)
    appointment = (
        Appointment.objects.select_related("port", "applicant")
        .filter(pk=appointment_id, port=port, day=day)
        .first()
    )
    if appointment is None:
        raise NotFound("no such appointment")
    return appointment


@dataclass(frozen=True)
class GroupMember:
    """A person of the appointment's group as the officer sees them (decrypted), with their outcome:
    `bound` is the person as they were when the group entered the draw (what the pass stands for),
    `member` the row now (None when removed), `change` how they differ (cita.registrations.identity)."""

    member_id: int
    member: Member | None
    outcome: str
    outcome_label: str
    bound: Person | None = None
    now: Person | None = None
    change: str = Change.SAME

    @property
    def shown(self) -> Person | None:
        """The identity the officer checks the documents against: the one bound to the pass."""
        return self.bound or self.now


def officer_group(*, actor: Actor, appointment_id: int) -> tuple[Appointment, list[GroupMember]]:
    """The appointment and its people, names and documents decrypted, for an officer of its port on its
    day only (the selector refuses every other caller, port and day). People are shown as they were when
    the group entered the draw, each flagged when changed, removed or added since."""
    appointment = officer_appointment_get(actor=actor, appointment_id=appointment_id)
    people = {m.pk: m for m in Member.objects.filter(applicant_id=appointment.applicant_id)}
    outcomes = {o.member_id: o for o in MemberOutcome.objects.filter(appointment=appointment)}
    snapshot = identity_load(appointment.identities)
    if snapshot is None:  # an appointment older than snapshots: the people as they are now
        compared = [
            BoundPerson(bound=None, now=person_of(people[i]) if i in people else None, change=Change.SAME)
            for i in appointment.members
        ]
        ids = list(appointment.members)
    else:
        now = [person_of(m) for m in people.values()]
        compared = identity_compare(bound=snapshot, now=now)
        ids = [row.shown.member_id for row in compared]
    members = []
    for member_id, row in zip(ids, compared, strict=True):
        outcome = outcomes.get(member_id)
        members.append(
            GroupMember(
                member_id=member_id,
                member=people.get(member_id) if row.change != Change.REMOVED else None,
                outcome=outcome.outcome if outcome else "",
                outcome_label=outcome.get_outcome_display() if outcome else "",
                bound=row.bound,
                now=row.now,
                change=row.change,
            )
        )
    return appointment, members


# -- what a closure does to each group (the planner's preview, and the result page) -------------------------


@dataclass(frozen=True)
class ClosureSpec:
    """A closure the planner is about to confirm (not stored yet)."""

    port: Port
    start: dt.date
    end: dt.date
    horizon_days: int
    any_port: bool
    pk: int | None = None


@dataclass(frozen=True)
class PlanRow:
    """One group of a rebooking: where it was, where it goes (or that it is escalated)."""

    position: int
    ref: str
    kind: str
    object_id: int
    size: int
    ports: tuple[str, ...]
    old_day: str
    old_slot: str
    placement: Placement
    new_appointment: int | None = None


def plan_rows(
    snapshot: Snapshot, plan: Plan, *, new_appointments: dict[int, int] | None = None
) -> list[PlanRow]:
    """The snapshot's groups with their placements, in plan order."""
    groups = {g.ref: g for g in snapshot.groups}
    rows = []
    for position, placement in enumerate(plan.placements, start=1):
        group = groups[placement.ref]
        kind, _, number = group.ref.partition(":")
        rows.append(
            PlanRow(
                position=position,
                ref=group.ref,
                kind=kind,
                object_id=int(number),
                size=group.size,
                ports=group.ports,
                old_day=group.old_day,
                old_slot=group.old_slot,
                placement=placement,
                new_appointment=(new_appointments or {}).get(int(number)) if kind == "appointment" else None,
            )
        )
    return rows


def closure_preview(*, spec: ClosureSpec) -> tuple[Snapshot, Plan, list[PlanRow]]:
    """Every group a closure would affect, in the order the rebooking takes them, with where the plan
    would place each if it ran now (it runs on the state when the job starts, which may differ)."""
    snapshot = rebooking_input(closure=spec, now=clock.now()).snapshot
    plan = plan_compute(snapshot)
    return snapshot, plan, plan_rows(snapshot, plan)


def rebooking_rows(*, rebooking: Rebooking) -> list[PlanRow]:
    """The stored rebooking of a closure, group by group, with the new appointment of each placed one."""
    snapshot, plan = snapshot_from_json(rebooking.snapshot), plan_from_json(rebooking.plan)
    old_ids = [int(g.ref.partition(":")[2]) for g in snapshot.groups if g.ref.startswith("appointment:")]
    new = dict(Appointment.objects.filter(rebooked_from_id__in=old_ids).values_list("rebooked_from_id", "pk"))
    return plan_rows(snapshot, plan, new_appointments=new)


def appointment_replacement(*, appointment: Appointment) -> Appointment | None:
    """The appointment that replaced this one (a closure's rebooking), following the chain to the newest;
    None when nothing replaced it."""
    newest = None
    current = appointment
    for _ in range(100):
        following = Appointment.objects.filter(rebooked_from=current).select_related("port").first()
        if following is None:
            break
        newest = current = following
    return newest


def appointment_arrive_by(*, appointment: Appointment) -> dt.time:
    """The time the group should be at the port: `CITA_PASS_ARRIVE_MINUTES` before its slot."""
    start = dt.datetime.combine(appointment.day, appointment.slot)
    return (start - dt.timedelta(minutes=settings.CITA_PASS_ARRIVE_MINUTES)).time()


def group_bound_people(*, applicant_id: int) -> tuple[str, list[BoundPerson]] | None:
    """The people the group's current holding is for, as they were when it asked, compared with now:
    ("appointment" | "offer" | "request", rows); None when it holds nothing with a snapshot."""
    bound: str | None = None
    kind = ""
    appointment = (
        Appointment.objects.filter(applicant_id=applicant_id, state__in=ACTIVE)
        .order_by("-created_at")
        .first()
    )
    if appointment is not None:
        kind, bound = "appointment", appointment.identities
    else:
        offer = (
            Offer.objects.filter(applicant_id=applicant_id, state=OfferState.OPEN)
            .select_related("request__people")
            .first()
        )
        if offer is not None:
            kind, bound = "offer", offer.request.people.identities
        else:
            request = (
                Request.objects.filter(
                    applicant_id=applicant_id,
                    withdrawn_at__isnull=True,
                    status__state__in=(RequestState.SUBMITTED, RequestState.ENTERED),
                )
                .select_related("people")
                .first()
            )
            if request is not None:
                kind, bound = "request", request.people.identities
    people = identity_load(bound)
    if people is None:
        return None
    now = [person_of(m) for m in Member.objects.filter(applicant_id=applicant_id)]
    return kind, identity_compare(bound=people, now=now)


def appointment_member_list(*, appointment: Appointment) -> list[Person]:
    """The people an appointment is for, principal first: as they were when the group entered the draw
    (the pass stands for them), or, for an appointment older than snapshots, those still in the group."""
    bound = identity_load(appointment.identities)
    if bound is not None:
        return sorted(bound, key=lambda p: (p.relationship != Relationship.SELF, p.member_id))
    members = Member.objects.filter(applicant_id=appointment.applicant_id, pk__in=appointment.members)
    return [person_of(m) for m in sorted(members, key=lambda m: (m.relationship != Relationship.SELF, m.pk))]


# -- the status page in one statement ----------------------------------------------------------------------


@dataclass(frozen=True)
class CycleRows:
    """What the applicant's status page reads, all from one statement (`cycle_rows_for_actor`)."""

    ports: list[Port]  # every port, in display order (inactive ones too)
    draw: Draw | None  # the round-1 draw open now (`draw_open_now`)
    policy: DrawPolicy | None  # the policy in force now (`policy_current`), None when none is stored
    latest: Request | None  # the newest request, with its draw, status, offer (port, draw, appointment)
    appointment: Appointment | None  # the soonest active appointment, with its port
    second_chance: Draw | None  # the pending second chance of `latest`'s day (`second_chance_pending`)
    members: int
    unread: int


# Stand-ins for compiling the status page's statement once (`sql_once`): no row has these values.
_APPLICANT, _NOW = -7_000_000_010, dt.datetime(1901, 1, 1, tzinfo=dt.UTC)


def _cycle_statement() -> tuple[str, tuple[Any, ...]]:
    """The status page's statement with stand-ins for the applicant and the moment (compiled once)."""
    a, now = _APPLICANT, _NOW
    open_draw, p1 = sql_of(draw_open_queryset(now=now).values("pk")[:1])
    policy, p2 = sql_of(DrawPolicy.objects.filter(effective_from__lte=now).order_by("-effective_from")[:1])
    latest, p3 = sql_of(
        Request.objects.filter(applicant_id=a).order_by("-created_at", "-id").values("pk")[:1]
    )
    booked, p4 = sql_of(
        Appointment.objects.filter(applicant_id=a, state__in=ACTIVE).order_by("day", "slot").values("pk")[:1]
    )
    unread, p5 = sql_of(
        unread_queryset(applicant_id=a).values("applicant_id").annotate(n=Count("pk")).values("n")
    )
    day_of_latest = RawSQL("(SELECT coalesce(d.first_id, d.id) FROM latest_draw d)", ())
    pending = second_chance_queryset(first_id=day_of_latest)
    second, p6 = sql_of(pending.values("pk")[:1])
    # Only compiled querysets are put into the text; every value is a parameter.
    statement = f"""
    WITH latest(latest_id) AS {latest},
             latest_draw AS (SELECT d.* FROM draws_draw d JOIN draws_request r ON r.draw_id = d.id
                             WHERE r.id = (SELECT latest_id FROM latest)),
             offer AS (SELECT o.* FROM draws_offer o WHERE o.request_id = (SELECT latest_id FROM latest))
        SELECT
            (SELECT jsonb_agg(to_jsonb(p) ORDER BY p.position, p.code) FROM ports_port p),
            (SELECT to_jsonb(d) FROM draws_draw d WHERE d.id = {open_draw}),
            (SELECT to_jsonb(p) FROM {policy} p),
            (SELECT to_jsonb(r) FROM draws_request r WHERE r.id = (SELECT latest_id FROM latest)),
            (SELECT to_jsonb(s) FROM draws_requeststatus s
             WHERE s.request_id = (SELECT latest_id FROM latest)),
            (SELECT to_jsonb(d) FROM latest_draw d),
            (SELECT to_jsonb(o) FROM offer o),
            (SELECT to_jsonb(d) FROM draws_draw d WHERE d.id = (SELECT o.draw_id FROM offer o)),
            (SELECT to_jsonb(x) FROM appointments_appointment x
             WHERE x.offer_id = (SELECT o.id FROM offer o)),
            (SELECT to_jsonb(x) FROM appointments_appointment x WHERE x.id = {booked}),
            (SELECT to_jsonb(d) FROM draws_draw d WHERE d.id = {second}),
            (SELECT count(*) FROM registrations_member m WHERE m.applicant_id = %s),
            coalesce({unread}, 0)
    """  # noqa: S608
    return statement, (*p3, *p1, *p2, *p4, *p6, a, *p5)


def cycle_rows_for_actor(*, actor: Actor, applicant: Applicant, now: dt.datetime) -> CycleRows:
    """The rows of the actor's group's status page in one round trip (the page is the crowd's: after a draw
    every applicant opens it). `applicant` is the one `applicant_get_for_actor` gave for this actor.

    The filters are the selectors' own querysets (`draw_open_queryset`, `policy_current`'s, the active
    appointments, `second_chance_queryset`, `unread_queryset`), compiled into one statement.
    """
    if applicant.pk != actor.applicant_id:
        raise NotFound("no applicant")
    statement, params = sql_once("appointments.cycle_rows", _cycle_statement, stand_ins=[_APPLICANT, _NOW])
    with connection.cursor() as cursor:
        cursor.execute(statement, sql_fill(params, {_APPLICANT: applicant.pk, _NOW: now}))
        row = cursor.fetchone()
    ports_json, draw, policy_row, request, status, request_draw, offer, offer_draw, issued, appointment = row[
        :10
    ]
    ports = [p for p in (row_of(Port, p) for p in json_of(ports_json) or []) if p is not None]
    by_id = {p.pk: p for p in ports}
    latest_row = row_of(Request, request)
    if latest_row is not None:
        Request.draw.field.set_cached_value(latest_row, row_of(Draw, request_draw))
        Request.status.related.set_cached_value(latest_row, row_of(RequestStatus, status))
        offer_row = row_of(Offer, offer)
        if offer_row is not None:
            Offer.port.field.set_cached_value(offer_row, by_id[offer_row.port_id])
            Offer.draw.field.set_cached_value(offer_row, row_of(Draw, offer_draw))
            Offer.appointment.related.set_cached_value(offer_row, row_of(Appointment, issued))
        Request.offer.related.set_cached_value(latest_row, offer_row)
    booked_row = row_of(Appointment, appointment)
    if booked_row is not None:
        Appointment.port.field.set_cached_value(booked_row, by_id[booked_row.port_id])
    return CycleRows(
        ports=ports,
        draw=row_of(Draw, draw),
        policy=row_of(DrawPolicy, policy_row),
        latest=latest_row,
        appointment=booked_row,
        second_chance=row_of(Draw, row[10]),
        members=int(row[11]),
        unread=int(row[12]),
    )
