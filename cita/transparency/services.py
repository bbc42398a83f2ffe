"""Refreshing the counts the dashboards and the public statistics show (derived data: each run writes the
same rows again from the live tables, so it is not audited; the job `transparency.figures` runs it)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum

from cita.appointments.models import Appointment, AppointmentState, MemberOutcome, Outcome
from cita.core import clock
from cita.core.days import reference_today
from cita.core.locks import advisory_lock
from cita.draws.models import Draw, DrawApplicant, DrawStatus, Offer, OfferState, Request
from cita.policy.selectors import policy_current
from cita.ports.models import Port, SlotCapacity
from cita.registrations.models import Member
from cita.transparency.models import BacklogFigures, PortDayFigures
from cita.transparency.selectors import RECOUNT_DAYS

MAX_DAYS = 120
# A group counts as waiting while it has asked in this many days and holds no appointment.
WAITING_ACTIVE_DAYS = 30
# Buckets of days waited (the last has no upper end).
BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 6),
    (7, 13),
    (14, 29),
    (30, 59),
    (60, 89),
    (90, 179),
    (180, None),
)
OUTCOME_FIELDS = {
    Outcome.PROCESSED_RELEASED: "processed_released",
    Outcome.DETAINED: "detained",
    Outcome.REMOVED: "removed",
    Outcome.REFERRED: "referred",
    Outcome.NO_SHOW: "member_no_show",
}
HELD = (AppointmentState.SCHEDULED, AppointmentState.CHECKED_IN, AppointmentState.COMPLETED)


def _request_days(start: dt.date, end: dt.date) -> set[dt.date]:
    """Days whose request counts may have changed since they were last counted: the draw is still open,
    or froze after the last count, or the day was never counted. Counting a frozen draw again would scan
    its million requests for nothing."""
    counted: dict[dt.date, dt.datetime] = {}
    for day, at in PortDayFigures.objects.filter(day__range=(start, end)).values_list("day", "computed_at"):
        counted[day] = min(at, counted.get(day, at))
    days = set()
    for day, status, frozen_at in Draw.objects.filter(
        round=1, appointment_date__range=(start, end)
    ).values_list("appointment_date", "status", "frozen_at"):
        last = counted.get(day)
        if status == DrawStatus.OPEN or last is None or (frozen_at is not None and frozen_at >= last):
            days.add(day)
    return days


@transaction.atomic
def figures_refresh(*, start: dt.date, end: dt.date) -> int:
    """Count again, for every port and each day from `start` to `end`, requests (by first choice), seats,
    offers, confirmations, appointments and what happened to them, and the outcomes of people; returns
    the rows written."""
    if end < start or (end - start).days >= MAX_DAYS:
        raise ValueError(f"refresh 1 to {MAX_DAYS} days at a time")
    advisory_lock("transparency.figures", "all")
    now = clock.now()
    ports = {p.code: p.pk for p in Port.objects.all()}
    cells: dict[tuple[int, dt.date], Counter[str]] = defaultdict(Counter)
    recount = _request_days(start, end)
    for day, code, groups, people in (
        Request.objects.filter(draw__round=1, draw__appointment_date__in=recount, withdrawn_at__isnull=True)
        .values_list("draw__appointment_date", "ports__0")
        .annotate(n_groups=Count("id"), n_people=Sum("group_size"))
    ):
        if code in ports:
            cells[(ports[code], day)].update(requests=groups, requested_people=people or 0)
    for port_id, day, seats in (
        SlotCapacity.objects.filter(day__range=(start, end))
        .values_list("port_id", "day")
        .annotate(seats=Sum("seats"))
    ):
        cells[(port_id, day)]["seats"] = seats or 0
    for port_id, day, made, confirmed in (
        Offer.objects.filter(day__range=(start, end))
        .values_list("port_id", "day")
        .annotate(made=Count("id"), confirmed=Count("id", filter=Q(state=OfferState.CONFIRMED)))
    ):
        cells[(port_id, day)].update(selections=made, confirmations=confirmed)
    for port_id, day, issued, checked, people, no_show, cancelled, rebooked in (
        Appointment.objects.filter(day__range=(start, end))
        .values_list("port_id", "day")
        .annotate(
            issued=Count("id"),
            checked=Count("id", filter=Q(checked_in_at__isnull=False)),
            people=Sum("group_size", filter=Q(checked_in_at__isnull=False)),
            no_show=Count("id", filter=Q(state=AppointmentState.NO_SHOW)),
            cancelled=Count("id", filter=Q(state=AppointmentState.CANCELLED)),
            rebooked=Count("id", filter=Q(state=AppointmentState.REBOOKED)),
        )
    ):
        cells[(port_id, day)].update(
            appointments=issued,
            check_ins=checked,
            people_checked_in=people or 0,
            no_shows=no_show,
            cancelled=cancelled,
            rebooked=rebooked,
        )
    for port_id, day, outcome, n in (
        MemberOutcome.objects.filter(appointment__day__range=(start, end))
        .values_list("appointment__port_id", "appointment__day", "outcome")
        .annotate(n=Count("id"))
    ):
        cells[(port_id, day)][OUTCOME_FIELDS[Outcome(outcome)]] = n
    existing = {(r.port_id, r.day): r for r in PortDayFigures.objects.filter(day__range=(start, end))}
    fields = [f.name for f in PortDayFigures._meta.get_fields() if f.name not in ("id", "port", "day")]
    writes = []
    day = start
    while day <= end:
        for port_id in ports.values():
            counts = cells.get((port_id, day), Counter())
            row = existing.get((port_id, day))
            if row is None and not counts:
                continue
            row = row or PortDayFigures(port_id=port_id, day=day)
            for name in fields:
                if name == "computed_at":
                    continue
                if name in ("requests", "requested_people") and day not in recount:
                    continue  # kept from the last count (the draw froze before it)
                setattr(row, name, counts.get(name, 0))
            row.computed_at = now
            writes.append(row)
        day += dt.timedelta(days=1)
    PortDayFigures.objects.bulk_create(
        writes,
        update_conflicts=True,
        unique_fields=["port", "day"],
        update_fields=fields,
    )
    return len(writes)


@dataclass(frozen=True)
class Bucket:
    label: str
    low: int
    high: int | None
    groups: int


def _bucket_label(low: int, high: int | None) -> str:
    return f"{low}-{high}" if high is not None else f"{low}+"


@transaction.atomic
def backlog_refresh(*, day: dt.date | None = None) -> BacklogFigures:
    """Count the groups waiting today (asked in the last 30 days, hold no appointment) by how long they
    have waited since their first request."""
    advisory_lock("transparency.backlog", "all")
    now = clock.now()
    day = day or reference_today(now=now)
    since = now - dt.timedelta(days=WAITING_ACTIVE_DAYS)
    waiting = DrawApplicant.objects.filter(
        Exists(Request.objects.filter(applicant_id=OuterRef("applicant_id"), created_at__gte=since))
    ).exclude(Exists(Appointment.objects.filter(applicant_id=OuterRef("applicant_id"), state__in=HELD)))
    by_since = dict(waiting.values_list("waiting_since").annotate(n=Count("applicant_id")))
    people = Member.objects.filter(applicant_id__in=waiting.values("applicant_id")).count()
    counts: Counter[int] = Counter()
    for waiting_since, n in by_since.items():
        counts[max((day - waiting_since).days, 0)] += n
    buckets = [
        Bucket(
            label=_bucket_label(low, high),
            low=low,
            high=high,
            groups=sum(n for d, n in counts.items() if d >= low and (high is None or d <= high)),
        )
        for low, high in BUCKETS
    ]
    total = sum(counts.values())
    median = None
    if total:
        seen = 0
        for days in sorted(counts):
            seen += counts[days]
            if seen * 2 >= total:
                median = days
                break
    row, _ = BacklogFigures.objects.update_or_create(
        day=day,
        defaults={
            "waiting": total,
            "people": people,
            "buckets": [b.__dict__ for b in buckets],
            "median_days": median,
            "computed_at": now,
        },
    )
    return row


def figures_refresh_due(*, now: dt.datetime | None = None) -> int:
    """What the job does: the days that can still change (two weeks back, up to the furthest draw) and
    today's backlog."""
    now = now or clock.now()
    today = reference_today(now=now)
    horizon = policy_current(at=now).horizon_days
    written = figures_refresh(
        start=today - dt.timedelta(days=RECOUNT_DAYS), end=today + dt.timedelta(days=horizon + 1)
    )
    backlog_refresh(day=today)
    return written
