"""The draw itself: open (commit), freeze, reveal, compute, publish, second chances, result notices.

Every step is idempotent and runs under a transaction-level advisory lock on the draw, so running a job
twice, or again after a crash, changes nothing more (docs/daily-cycle.md). The allocation is always
`cita.lottery`'s: this module only gathers its inputs from the database and applies its results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import replace
from time import perf_counter

import psycopg
from django.db import connection, transaction
from django.db.models import F, Q

from cita.audit.services import Event, audit_record, audit_record_many
from cita.core import clock
from cita.core.actors import Actor
from cita.core.crypto import seal, unseal
from cita.core.days import day_start, reference_time_zone, reference_today
from cita.core.jobs import defer_on_commit
from cita.core.locks import advisory_lock, crash_point
from cita.draws.beacon import Beacon, ChainInfo, beacon_from_settings
from cita.draws.bulk import OfferRow, entries_export, file_bytes, offers_insert
from cita.draws.errors import BeaconUnavailable, DrawNotDue, DrawStateError
from cita.draws.models import (
    Draw,
    DrawApplicant,
    DrawStatus,
    Offer,
    OfferState,
    PriorityFlag,
    PriorityKind,
    Request,
    RequestState,
)
from cita.draws.selectors import people_busy
from cita.draws.services.offers import offers_expire_due
from cita.draws.services.passed_over import draws_passed_over_due, passed_over_end
from cita.lottery import (
    Beacon as LotteryBeacon,
)
from cita.lottery import (
    Capacity,
    Manifest,
    commitment_compute,
    draw_allocate,
    entries_from_bytes,
    manifest_from_bytes,
    manifest_to_bytes,
    results_to_bytes,
    seed_new,
)
from cita.lottery.pause import collector_paused
from cita.policy.selectors import PolicyValues, policy_current
from cita.ports.models import Port, SlotCapacity
from cita.ports.services import capacity_release, capacity_take

log = logging.getLogger(__name__)

SEED_CONTEXT = "draws.draw.seed"
MANIFEST, ENTRIES, RESULTS = "manifest.json", "entries.csv", "results.csv"
# A beacon round is usually published seconds after its time; only a longer silence is an alert.
BEACON_GRACE = dt.timedelta(minutes=2)


class _Steps:
    """How long each step of a draw job took, logged in one line at the end (operations, benchmarks)."""

    def __init__(self, draw_id: str, *, job: str) -> None:
        self.draw_id = draw_id
        self.job = job
        self.seconds: dict[str, float] = {}
        self._last = perf_counter()

    def mark(self, step: str) -> None:
        now = perf_counter()
        self.seconds[step] = round(now - self._last, 3)
        self._last = now

    def log(self) -> None:
        log.info("draw job steps", extra={"draw": self.draw_id, "job": self.job, "seconds": self.seconds})


_steps: ContextVar[_Steps | None] = ContextVar("draw_steps", default=None)


def _mark(step: str) -> None:
    steps = _steps.get()
    if steps is not None:
        steps.mark(step)


# --- open: commit to a seed before any request exists -----------------------------------------------


def _beacon_fields(*, freeze_at: dt.datetime, known: Draw | None = None) -> dict[str, object]:
    """The beacon source and round a draw freezing at `freeze_at` mixes in ({} with no beacon).

    The chain's genesis and period come from the beacon, or, when it cannot be reached, from the last
    draw that recorded them for the same source (they never change for a chain).
    """
    beacon = beacon_from_settings()
    if beacon is None:
        return {}
    info: ChainInfo | None = None
    if known is not None and known.beacon_source == beacon.source and known.beacon_genesis is not None:
        info = ChainInfo(genesis_time=known.beacon_genesis, period=int(known.beacon_period or 0))
    if info is None:
        try:
            info = beacon.info()
        except BeaconUnavailable:
            earlier = (
                Draw.objects.filter(beacon_source=beacon.source, beacon_genesis__isnull=False)
                .order_by("-opens_at")
                .first()
            )
            if earlier is None:
                raise
            info = ChainInfo(
                genesis_time=int(earlier.beacon_genesis or 0), period=int(earlier.beacon_period or 0)
            )
    return {
        "beacon_source": beacon.source,
        "beacon_round": info.round_at(freeze_at),
        "beacon_genesis": info.genesis_time,
        "beacon_period": info.period,
    }


def draw_open(*, day: dt.date, actor: Actor) -> Draw:
    """Open the request window of `day` (reference time zone): a fresh sealed seed, its commitment
    published and audited, the beacon round fixed. Returns the existing draw when it is open already."""
    existing = Draw.objects.filter(draw_id=day.isoformat()).first()
    if existing is not None:
        return existing
    now = clock.now()
    values = policy_current(at=now)
    opens_at, closes_at = values.window(day)
    if not opens_at <= now < closes_at:
        raise DrawNotDue(
            f"the window of {day} runs from {opens_at:%Y-%m-%d %H:%M} to {closes_at:%Y-%m-%d %H:%M} UTC"
        )
    beacon = _beacon_fields(freeze_at=closes_at)
    return _draw_commit(
        draw_id=day.isoformat(),
        appointment_date=day + dt.timedelta(days=values.horizon_days),
        values=values,
        opens_at=opens_at,
        closes_at=closes_at,
        beacon=beacon,
        first=None,
        actor=actor,
    )


@transaction.atomic
def _draw_commit(
    *,
    draw_id: str,
    appointment_date: dt.date,
    values: PolicyValues,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    beacon: dict[str, object],
    first: Draw | None,
    round_number: int = 1,
    actor: Actor,
) -> Draw:
    advisory_lock("draws.open", draw_id)
    existing = Draw.objects.filter(draw_id=draw_id).first()
    if existing is not None:
        return existing
    server_seed, commitment = seed_new()
    draw = Draw.objects.create(
        draw_id=draw_id,
        first=first,
        round=round_number,
        appointment_date=appointment_date,
        policy=values.policy,
        reserve_percent=values.reserve_percent,
        confirm_hours=values.confirm_hours,
        group_size_limit=values.group_size_limit,
        time_zone=str(reference_time_zone()),
        opens_at=opens_at,
        closes_at=closes_at,
        commitment=commitment,
        seed_sealed=seal(server_seed, context=SEED_CONTEXT),
        created_at=clock.now(),
        **beacon,
    )
    del server_seed  # from here on only the sealed copy exists, until the reveal
    audit_record(
        actor=actor,
        action="draw.opened",
        object_type="draw",
        object_id=draw.draw_id,
        data={
            "round": draw.round,
            "appointment_date": appointment_date,
            "commitment": commitment,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "beacon_source": draw.beacon_source,
            "beacon_round": draw.beacon_round,
            "reserve_percent": draw.reserve_percent,
            "confirm_hours": draw.confirm_hours,
            "group_size_limit": draw.group_size_limit,
            "policy": values.policy.pk if values.policy else None,
        },
    )
    return draw


def draw_open_due(*, actor: Actor, now: dt.datetime | None = None) -> list[Draw]:
    """Open every request window that should be open now and is not (the job `draws.open_due`)."""
    now = now or clock.now()
    local = reference_today(now=now)
    values = policy_current(at=now)
    opened = []
    for day in (local - dt.timedelta(days=1), local):
        opens_at, closes_at = values.window(day)
        if opens_at <= now < closes_at and not Draw.objects.filter(draw_id=day.isoformat()).exists():
            try:
                opened.append(draw_open(day=day, actor=actor))
            except BeaconUnavailable as exc:
                log.error(
                    "draw window cannot open: beacon unreachable", extra={"day": str(day), "error": str(exc)}
                )
    return opened


# --- close: freeze, reveal, compute, publish ------------------------------------------------------------


def draw_close(*, draw: Draw, actor: Actor) -> Draw:
    """Run the due steps of a draw whose window has closed: freeze its entries, and, once the beacon value
    is known (or without a beacon), reveal the seed, compute with `cita.lottery`, apply and publish.

    Two transactions: the freeze commits first (seats held, entries.csv published), then the computation
    reads the frozen entries.csv back and publishes the results. Idempotent: a published draw is returned
    unchanged; a crash anywhere leaves the last committed step, and the next run goes on from there.
    """
    if draw.status in (DrawStatus.PUBLISHED, DrawStatus.SKIPPED):
        return draw
    now = clock.now()
    if now < draw.closes_at:
        raise DrawNotDue(f"draw {draw.draw_id} closes at {draw.closes_at:%Y-%m-%d %H:%M} UTC")
    if draw.round > 1:
        # The previous round's offers end at this draw's close; their released seats are what it draws.
        offers_expire_due(actor=actor, now=now)
    beacon_value, beacon_error = None, ""
    if draw.beacon_round is not None and draw.beacon_value is None:
        # Fetched before the transactions: retries must not hold the draw's locks.
        beacon_value, beacon_error = _beacon_fetch(draw)
    if draw.status == DrawStatus.OPEN:
        draw = _draw_freeze(draw_pk=draw.pk, actor=actor, beacon_value=beacon_value)
        crash_point("draws.close.after_freeze")
    if draw.status in (DrawStatus.FROZEN, DrawStatus.BEACON_WAIT):
        draw = _draw_compute(
            draw_pk=draw.pk, actor=actor, beacon_value=beacon_value, beacon_error=beacon_error
        )
    return draw


def _beacon_fetch(draw: Draw) -> tuple[str | None, str]:
    beacon: Beacon | None = beacon_from_settings()
    if beacon is None or beacon.source != draw.beacon_source:
        return None, f"the configured beacon is not {draw.beacon_source!r}, the one this draw committed to"
    try:
        return beacon.value(int(draw.beacon_round or 0)), ""
    except BeaconUnavailable as exc:
        return None, str(exc)


@transaction.atomic
def _draw_freeze(*, draw_pk: int, actor: Actor, beacon_value: str | None = None) -> Draw:
    """Freeze a closed draw: hold its seats, publish entries.csv and the manifest without seed (a second
    chance with no seats released is skipped instead). Does nothing to a draw that is not open."""
    draw = Draw.objects.select_for_update().get(pk=draw_pk)
    advisory_lock("draws.close", draw.draw_id)
    if draw.status != DrawStatus.OPEN:
        return draw
    now = clock.now()
    if now < draw.closes_at:
        raise DrawNotDue(f"draw {draw.draw_id} closes at {draw.closes_at:%Y-%m-%d %H:%M} UTC")
    if draw.beacon_value is None and beacon_value is not None:
        draw.beacon_value = beacon_value
    steps = _Steps(draw.draw_id, job="freeze")
    _steps.set(steps)
    frozen = _freeze(draw=draw, now=now, actor=actor)
    if not frozen:
        return _skip(draw=draw, now=now, actor=actor)
    steps.log()
    return draw


@transaction.atomic
def _draw_compute(
    *, draw_pk: int, actor: Actor, beacon_value: str | None = None, beacon_error: str = ""
) -> Draw:
    """Reveal, compute and publish a frozen draw once its beacon value is known (or it has no beacon):
    results.csv and the final manifest, the offers, the unused seats given back, every request's result
    (derived from the draw's new status: docs/daily-cycle.md) and the result notices owed. Without the
    beacon value the draw waits. Does nothing to a draw that is not frozen."""
    draw = Draw.objects.select_for_update().get(pk=draw_pk)
    advisory_lock("draws.close", draw.draw_id)
    if draw.status not in (DrawStatus.FROZEN, DrawStatus.BEACON_WAIT):
        return draw
    now = clock.now()
    if draw.beacon_value is None and beacon_value is not None:
        draw.beacon_value = beacon_value
    if draw.beacon_round is not None and draw.beacon_value is None:
        _beacon_wait(draw=draw, now=now, error=beacon_error, actor=actor)
        return draw
    steps = _Steps(draw.draw_id, job="compute")
    _steps.set(steps)
    _publish(draw=draw, now=now, actor=actor)
    steps.log()
    crash_point("draws.close.before_commit")
    # The result notices are owed from this commit on (`notices_done` is false): `draws.notify` writes
    # them in bulk right after, `draws.notify_due` is the net.
    defer_on_commit("draws.notify", net="draws.notify_due", draw_id=draw.draw_id)
    return draw


def _capacity_round_one(draw: Draw) -> tuple[list[SlotCapacity], list[int]]:
    """The day's slots of active ports (port order, then time) and the seats each gives this draw."""
    rows = list(
        SlotCapacity.objects.select_for_update(of=("self",))
        .filter(day=draw.appointment_date, port__active=True)
        .select_related("port")
        .order_by("port__position", "port__code", "slot")
    )
    return rows, [row.left for row in rows]


def _capacity_next_round(draw: Draw) -> tuple[list[SlotCapacity], list[int]]:
    """The round-1 slot list, each with the seats the previous round's offers gave back (at most what is
    still free in the slot)."""
    first = draw.first
    assert first is not None
    previous = Draw.objects.get(first=first, round=draw.round - 1) if draw.round > 2 else first
    released: Counter[tuple[int, dt.time]] = Counter()
    for port_id, slot, size in Offer.objects.filter(
        draw=previous, state__in=(OfferState.DECLINED, OfferState.EXPIRED)
    ).values_list("port_id", "slot", "group_size"):
        released[(port_id, slot)] += size
    listed = manifest_from_bytes(file_bytes(first, MANIFEST)).capacity
    ports = {p.code: p for p in Port.objects.filter(code__in={c.port for c in listed})}
    rows_by_key = {
        (row.port_id, row.slot): row
        for row in SlotCapacity.objects.select_for_update(of=("self",))
        .filter(day=draw.appointment_date, port__code__in=list(ports))
        .select_related("port")
    }
    rows, seats = [], []
    for listed_slot in listed:
        key = (ports[listed_slot.port].pk, dt.time.fromisoformat(listed_slot.slot))
        row = rows_by_key.get(key)
        if row is None:  # the slot was removed since round 1: nothing to give
            row = SlotCapacity(
                port=ports[listed_slot.port], day=draw.appointment_date, slot=key[1], seats=0, left=0
            )
        rows.append(row)
        seats.append(min(released[key], row.left))
    return rows, seats


def _freeze(*, draw: Draw, now: dt.datetime, actor: Actor) -> bool:
    """Fix the draw's capacity (holding its seats) and entries; store and audit entries.csv and the
    unrevealed manifest. False, with nothing done, for a second chance with no seats to draw.

    Every request of the draw is `entered` from here on: its state follows from the draw's status."""
    first = draw.first or draw
    rows, seats = _capacity_round_one(draw) if draw.round == 1 else _capacity_next_round(draw)
    if draw.round > 1 and sum(seats) == 0:
        return False
    capacity = tuple(
        Capacity(port=row.port.code, slot=f"{row.slot:%H:%M}", seats=n)
        for row, n in zip(rows, seats, strict=True)
    )
    # Hold the seats: they are this draw's until its results are applied (then unallocated ones go back).
    for row, n in zip(rows, seats, strict=True):
        if n > 0 and not capacity_take(port_id=row.port_id, day=row.day, slot=row.slot, seats=n):
            raise DrawStateError(f"seats of {row} changed while the draw held its lock")
    _mark("freeze: capacity")
    in_capacity = {c.port for c in capacity}
    missing = set(Port.objects.values_list("code", flat=True)) - in_capacity
    entries = entries_export(
        draw_pk=first.pk,
        state=RequestState.SUBMITTED if draw.round == 1 else RequestState.NOT_SELECTED,
        missing_ports=missing,
        second_chance=draw.round > 1,
    )
    _mark("freeze: entries out")
    entries_sha256 = hashlib.sha256(entries).hexdigest()
    manifest = Manifest(
        draw_id=draw.draw_id,
        appointment_date=draw.appointment_date,
        commitment=draw.commitment,
        server_seed=None,
        beacon=None,
        reserve_percent=draw.reserve_percent,
        capacity=capacity,
        entries_sha256=entries_sha256,
    )
    entry_count = entries.count(b"\n") - 1
    if draw.round == 1:
        _displaced_count_down(draw=draw, now=now)
    _mark("freeze: priorities")
    _file_put(draw, ENTRIES, entries, now)
    _file_put(draw, MANIFEST, manifest_to_bytes(manifest), now)
    _mark("freeze: files")
    draw.status = DrawStatus.FROZEN
    draw.entries_sha256 = entries_sha256
    draw.entries_count = entry_count
    draw.seats = sum(seats)
    draw.frozen_at = now
    draw.save(
        update_fields=["status", "entries_sha256", "entries_count", "seats", "frozen_at", "beacon_value"]
    )
    audit_record(
        actor=actor,
        action="draw.frozen",
        object_type="draw",
        object_id=draw.draw_id,
        data={
            "entries_sha256": entries_sha256,
            "entries": entry_count,
            "seats": draw.seats,
            "round": draw.round,
        },
    )
    return True


def _displaced_count_down(*, draw: Draw, now: dt.datetime) -> None:
    """A displaced group entered in this draw has one draw of priority less (a group waiting for its
    first port only in draws for days from its `from_day`)."""
    entered = Request.objects.filter(draw=draw, withdrawn_at__isnull=True).values("applicant_id")
    flags = PriorityFlag.objects.filter(
        Q(from_day__isnull=True) | Q(from_day__lte=draw.appointment_date),
        kind=PriorityKind.DISPLACED,
        ended_at__isnull=True,
        draws_remaining__gt=0,
        applicant_id__in=entered,
    )
    flags.update(draws_remaining=F("draws_remaining") - 1)
    PriorityFlag.objects.filter(kind=PriorityKind.DISPLACED, ended_at__isnull=True, draws_remaining=0).update(
        ended_at=now, ended_reason="used"
    )


def _beacon_wait(*, draw: Draw, now: dt.datetime, error: str, actor: Actor) -> None:
    """The beacon value is not there yet: wait (never draw without it); past the grace time, alert."""
    draw.beacon_attempts += 1
    draw.beacon_error = error[:300]
    due = ChainInfo(genesis_time=int(draw.beacon_genesis or 0), period=int(draw.beacon_period or 1)).time_of(
        int(draw.beacon_round or 0)
    )
    alert = now >= due + BEACON_GRACE + 2 * dt.timedelta(seconds=int(draw.beacon_period or 0))
    fields = ["beacon_attempts", "beacon_error", "status"]
    if alert and draw.status != DrawStatus.BEACON_WAIT:
        draw.status = DrawStatus.BEACON_WAIT
        audit_record(
            actor=actor,
            action="draw.beacon_unavailable",
            object_type="draw",
            object_id=draw.draw_id,
            data={
                "beacon_source": draw.beacon_source,
                "beacon_round": draw.beacon_round,
                "error": error[:300],
            },
        )
    draw.save(update_fields=fields)
    if alert:
        log.error(
            "draw waits for the beacon",
            extra={
                "draw": draw.draw_id,
                "beacon_round": draw.beacon_round,
                "attempts": draw.beacon_attempts,
                "error": error,
            },
        )


def _reveal(draw: Draw) -> str:
    """The server seed, unsealed, checked against the commitment published at opening."""
    server_seed = unseal(draw.seed_sealed, context=SEED_CONTEXT)
    if commitment_compute(server_seed) != draw.commitment:
        raise DrawStateError(f"draw {draw.draw_id}: the sealed seed does not match its commitment")
    return server_seed


def _skip(*, draw: Draw, now: dt.datetime, actor: Actor) -> Draw:
    """A second chance with no seats to draw: reveal its seed (so its commitment can be checked) and stop."""
    draw.server_seed = _reveal(draw)
    draw.status = DrawStatus.SKIPPED
    draw.seats = 0
    draw.published_at = now
    draw.save(update_fields=["server_seed", "status", "seats", "published_at", "beacon_value"])
    audit_record(
        actor=actor,
        action="draw.skipped",
        object_type="draw",
        object_id=draw.draw_id,
        data={"reason": "no seats released", "server_seed": draw.server_seed},
    )
    return draw


def _publish(*, draw: Draw, now: dt.datetime, actor: Actor) -> None:
    """Reveal, compute with `cita.lottery` on the frozen entries.csv, make the offers, give the unused
    seats back, publish. Every request's result follows: selected with its offer, not selected without."""
    first = draw.first or draw
    server_seed = _reveal(draw)
    # The bundle as frozen and published: the one parse of entries.csv is the lottery's own check of it.
    manifest = manifest_from_bytes(file_bytes(draw, MANIFEST))
    entries_csv = file_bytes(draw, ENTRIES)
    _mark("read entries")
    beacon = None
    if draw.beacon_round is not None:
        beacon = LotteryBeacon(
            source=draw.beacon_source, round=int(draw.beacon_round), value=str(draw.beacon_value)
        )
    manifest = replace(manifest, server_seed=server_seed, beacon=beacon)
    # The lottery pauses the cycle collector while it reads and while it allocates; paused across both
    # (and the freeing of the entries), it does not scan the million-item columns in between either.
    with collector_paused():
        entries = entries_from_bytes(entries_csv, ports={slot.port for slot in manifest.capacity})
        del entries_csv
        allocation = draw_allocate(manifest=manifest, entries=entries)
        del entries
    results_csv = results_to_bytes(allocation.results)
    results_sha256 = hashlib.sha256(results_csv).hexdigest()
    manifest = replace(manifest, results_sha256=results_sha256)
    _mark("compute")
    crash_point("draws.close.after_compute")

    deadline = now + dt.timedelta(hours=draw.confirm_hours)
    # Entered (round 1) or not selected (second chances) → selected, by the offer: only requests still live
    # and never selected qualify, and the offer's unique request refuses a second selection.
    offers = offers_insert(
        draw_pk=draw.pk,
        first_pk=first.pk,
        results=allocation.results,
        day=draw.appointment_date,
        deadline=deadline,
        now=now,
    )
    if len(offers) != len(allocation.results):
        raise DrawStateError(
            f"draw {draw.draw_id}: {len(allocation.results) - len(offers)} selected requests are no longer "
            "entered"
        )
    # A group selected now has no more need of its size priority (it ends here, not at confirmation).
    passed_over_end(applicant_ids=[offer.applicant_id for offer in offers], actor=actor, draw=draw)
    _mark("apply: offers")
    # Seats the allocation left unused go back to the slots; the offers keep theirs.
    used: Counter[tuple[int, dt.time]] = Counter()
    for offer in offers:
        used[(offer.port_id, offer.slot)] += offer.group_size
    slot_ports = {
        port.code: port.pk for port in Port.objects.filter(code__in={c.port for c in manifest.capacity})
    }
    for slot in manifest.capacity:
        key = (slot_ports[slot.port], dt.time.fromisoformat(slot.slot))
        unused = slot.seats - used[key]
        if unused > 0:
            capacity_release(port_id=key[0], day=draw.appointment_date, slot=key[1], seats=unused)
    _mark("apply: seats")
    crash_point("draws.close.after_apply")
    if draw.round > 1:
        _decline_conflicts(draw=draw, offers=offers, now=now, actor=actor)
    _file_put(draw, RESULTS, results_csv, now)
    _file_put(draw, MANIFEST, manifest_to_bytes(manifest), now)
    draw.server_seed = server_seed
    draw.results_sha256 = results_sha256
    draw.entries_sha256 = manifest.entries_sha256
    draw.entries_count = allocation.entries
    draw.seats = allocation.seats
    draw.selected_count = len(allocation.results)
    draw.published_at = now
    draw.deadline = deadline
    draw.status = DrawStatus.PUBLISHED
    draw.save()
    # One event covers every request's result: the hashes pin entries.csv and results.csv, which name
    # each ticket's outcome (docs/decisions/0002-audit-granularity-of-draws.md).
    audit_record(
        actor=actor,
        action="draw.published",
        object_type="draw",
        object_id=draw.draw_id,
        data={
            "round": draw.round,
            "server_seed": server_seed,
            "beacon_round": draw.beacon_round,
            "beacon_value": draw.beacon_value,
            "entries_sha256": manifest.entries_sha256,
            "results_sha256": results_sha256,
            "entries": allocation.entries,
            "selected": len(allocation.results),
            "seats": allocation.seats,
            "reserve_used": allocation.reserve_used,
            "lottery_used": allocation.lottery_used,
            "deadline": deadline,
        },
    )
    _mark("publish")
    if allocation.results:
        _next_round_commit(draw=draw, actor=actor)
    _mark("next round")


def _decline_conflicts(*, draw: Draw, offers: Iterable[OfferRow], now: dt.datetime, actor: Actor) -> None:
    """A second chance may pick a group that has since asked again or got an appointment: its offer is
    declined on its behalf at once and the seats go to the next round (one person, one booking)."""
    events = []
    for offer in offers:
        DrawApplicant.objects.select_for_update().filter(applicant_id=offer.applicant_id).first()
        request = Request.objects.select_related("people", "applicant", "draw").get(pk=offer.request_id)
        if not people_busy(
            applicant=request.applicant, documents=list(request.people.document_indexes), draw=request.draw
        ):
            continue
        Offer.objects.filter(pk=offer.id, state=OfferState.OPEN).update(
            state=OfferState.DECLINED, settled_at=now, settled_reason="holds another booking"
        )
        capacity_release(
            port_id=offer.port_id, day=draw.appointment_date, slot=offer.slot, seats=offer.group_size
        )
        events.append(
            Event(
                "offer.declined",
                "offer",
                str(offer.id),
                {"draw": draw.draw_id, "reason": "holds another booking"},
            )
        )
    if events:
        audit_record_many(actor=actor, events=events)


def _next_round_commit(*, draw: Draw, actor: Actor) -> Draw | None:
    """Commit to the seed of the next second chance now, before anyone knows which offers will lapse.

    It runs at this round's deadline over the seats its offers give back. There is no next round when its
    own offers could not be confirmed before the appointment day begins (reference time zone).
    """
    first = draw.first or draw
    assert draw.deadline is not None
    closes_at = draw.deadline
    if closes_at + dt.timedelta(hours=draw.confirm_hours) > _day_begins(first.appointment_date):
        return None
    try:
        beacon = _beacon_fields(freeze_at=closes_at, known=draw)
    except BeaconUnavailable as exc:
        log.error(
            "second chance not committed: beacon unreachable", extra={"draw": draw.draw_id, "error": str(exc)}
        )
        return None
    values = PolicyValues(
        window_opens=dt.time(0),
        window_closes=dt.time(0),
        horizon_days=0,
        reserve_percent=first.reserve_percent,
        confirm_hours=first.confirm_hours,
        group_size_limit=first.group_size_limit,
        policy=first.policy,
    )
    return _draw_commit(
        draw_id=f"{first.draw_id}-{draw.round + 1}",
        appointment_date=first.appointment_date,
        values=values,
        opens_at=clock.now(),
        closes_at=closes_at,
        beacon=beacon,
        first=first,
        round_number=draw.round + 1,
        actor=actor,
    )


def _day_begins(day: dt.date) -> dt.datetime:
    """When `day` begins at the first of the draw's ports to reach it: ports east of the reference zone
    (El Paso, Laredo) start their day one or two hours before Tijuana does."""
    zones = set(
        Port.objects.filter(pk__in=SlotCapacity.objects.filter(day=day).values("port_id")).values_list(
            "time_zone", flat=True
        )
    )
    return min(day_start(day, tz) for tz in {reference_time_zone(), *map(zoneinfo.ZoneInfo, zones)})


def _file_put(draw: Draw, name: str, content: bytes, now: dt.datetime) -> None:
    """Store one bundle file. The bytes go as a binary parameter bound by the server: quoting 35 MB of
    entries into the SQL text (Django's client-side binding) would cost more than the draw itself."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            "INSERT INTO draws_drawfile (draw_id, name, content, sha256, size, updated_at) "
            "VALUES (%s, %s, %b, %s, %s, %s) ON CONFLICT (draw_id, name) DO UPDATE SET "
            "content = EXCLUDED.content, sha256 = EXCLUDED.sha256, size = EXCLUDED.size, "
            "updated_at = EXCLUDED.updated_at",
            [draw.pk, name, content, hashlib.sha256(content).hexdigest(), len(content), now],
        )


def draws_close_due(*, actor: Actor, now: dt.datetime | None = None) -> list[Draw]:
    """Run `draw_close` for every draw whose window has closed and that is not published yet; first, the
    size priority owed by draws published since the last run, so that no draw freezes without it."""
    now = now or clock.now()
    draws_passed_over_due(actor=actor)
    due = list(
        Draw.objects.filter(
            status__in=(DrawStatus.OPEN, DrawStatus.FROZEN, DrawStatus.BEACON_WAIT), closes_at__lte=now
        ).order_by("closes_at", "round")
    )
    done = []
    for draw in due:
        try:
            done.append(draw_close(draw=draw, actor=actor))
        except Exception:
            log.exception("draw step failed", extra={"draw": draw.draw_id})
            raise
    return done
