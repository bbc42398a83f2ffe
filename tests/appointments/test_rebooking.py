"""Closing a port rebooks its groups (shared/DESIGN.md, "Closures and rebooking"): allocation order, the
earliest day at a ranked port, never a seat someone holds, escalation, notices, replay, idempotence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from cita.appointments.errors import RebookingNotReady
from cita.appointments.models import Appointment, AppointmentState, Rebooking
from cita.appointments.rebook_plan import (
    Group,
    Seats,
    Snapshot,
    plan_compute,
    sha256_of,
    snapshot_to_json,
)
from cita.appointments.selectors import rebooking_input
from cita.appointments.services import pass_verify
from cita.appointments.services.rebooking import closure_rebook, rebooking_audit_hashes, rebooking_replay
from cita.audit.models import AuditEvent
from cita.core import clock
from cita.draws.models import Draw, Offer, OfferState, PriorityFlag
from cita.notifications.models import Notice, NoticeKind
from cita.ports.models import SlotCapacity
from cita.ports.services import capacity_release
from tests.factories.closures import Ask, booked, closed, slots
from tests.factories.draws import APPOINTMENT_DAY, JOB, port_with_slots, staff_actor
from tests.factories.staff import StaffFactory

D = APPOINTMENT_DAY  # 2026-12-15
D1, D2, D3 = (D + dt.timedelta(days=n) for n in (1, 2, 3))

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner():
    return staff_actor(StaffFactory.create(role="planner"))


@pytest.fixture
def ports():
    """SYS (to close) with room for everyone on D; TIJ and NOG with seats only after D."""
    sys_ = port_with_slots("SYS", slots=[("08:00", 40)], position=1, name="San Ysidro")
    tij = port_with_slots("TIJ", slots=[], position=2, name="Tijuana")
    nog = port_with_slots("NOG", slots=[], position=3, name="Nogales")
    return sys_, tij, nog


def naive_plan(snapshot: Snapshot) -> dict[str, tuple[str, str, str] | None]:
    """The rule of shared/DESIGN.md written as plainly as possible, to check the real plan against: each
    group in order takes the smallest (rank of the port, day, slot) with room among its ranked ports; if
    none and the planner allows it, the smallest (day, position of the port, slot) at any other open port.
    A port in another city than the closed one counts only on days `notice_days` or more after `today`."""
    free = {(s.day, s.port, s.slot): s.left for s in snapshot.seats}
    cities = dict(snapshot.cities)
    far_from = (
        (dt.date.fromisoformat(snapshot.today) + dt.timedelta(days=snapshot.notice_days)).isoformat()
        if snapshot.today
        else ""
    )

    def allowed(day: str, port: str) -> bool:
        return cities.get(port) == cities.get(snapshot.port, "?") or day >= far_from

    result: dict[str, tuple[str, str, str] | None] = {}
    for group in sorted(snapshot.groups, key=lambda g: g.order):
        # (sort key, (port, day, slot)) of every slot the group fits in.
        fits = [
            ((f"{group.ports.index(port):03d}", day, slot), (port, day, slot))
            for (day, port, slot), left in free.items()
            if port in group.ports and left >= group.size and allowed(day, port)
        ]
        if not fits and snapshot.any_port:
            fits = [
                ((day, f"{snapshot.open_ports.index(port):03d}", slot), (port, day, slot))
                for (day, port, slot), left in free.items()
                if port not in group.ports and left >= group.size and allowed(day, port)
            ]
        if not fits:
            result[group.ref] = None
            continue
        port, day, slot = min(fits)[1]
        free[(day, port, slot)] -= group.size
        result[group.ref] = (port, day, slot)
    return result


def test_the_plan_places_each_group_on_the_earliest_day_at_a_port_it_ranked_in_allocation_order():
    def group(n: int, size: int, ports: tuple[str, ...]) -> Group:
        return Group(
            f"appointment:{n}",
            n,
            size,
            ports,
            ("2026-12-02T19:00:00.000000Z", n, ""),
            "SYS",
            "2026-12-15",
            "08:00",
        )

    snapshot = Snapshot(
        closure=1,
        port="SYS",
        start="2026-12-15",
        end="2026-12-15",
        first_day="2026-12-03",
        last_day="2026-12-22",
        any_port=False,
        open_ports=("SYS", "TIJ", "NOG"),
        groups=(
            group(1, 2, ("SYS", "TIJ")),
            group(2, 2, ("SYS", "TIJ", "NOG")),
            group(3, 3, ("SYS", "NOG")),
            group(4, 2, ("SYS", "TIJ")),
            group(5, 1, ("SYS",)),
        ),
        seats=(
            Seats("TIJ", "2026-12-16", "08:00", 3),
            Seats("TIJ", "2026-12-16", "10:00", 2),
            Seats("NOG", "2026-12-17", "09:00", 10),
        ),
    )
    plan = plan_compute(snapshot)
    # The first group takes TIJ 08:00 on D+1 (1 seat left), the second no longer fits there and takes
    # 10:00; the third ranked NOG: D+2; the fourth's ports are full: escalated; the fifth ranked only SYS.
    assert [(p.port, p.day, p.slot) for p in plan.placements] == [
        ("TIJ", "2026-12-16", "08:00"),
        ("TIJ", "2026-12-16", "10:00"),
        ("NOG", "2026-12-17", "09:00"),
        (None, None, None),
        (None, None, None),
    ]
    assert (plan.placed, plan.escalated) == (3, 2)
    assert {p.ref: (p.port, p.day, p.slot) if p.placed else None for p in plan.placements} == naive_plan(
        snapshot
    )


def test_groups_move_in_allocation_order_to_the_earliest_day_at_a_port_they_ranked(
    frozen_clock, ports, planner
):
    sys_, tij, nog = ports
    slots(tij, day=D1, seats=[("08:00", 3), ("10:00", 2)])
    slots(nog, day=D2, seats=[("09:00", 10)])
    offers = booked(
        frozen_clock,
        [
            Ask(size=2, ports=["SYS", "TIJ"], language="es"),
            Ask(size=2, ports=["SYS", "TIJ", "NOG"], language="ht"),
            Ask(size=3, ports=["SYS", "NOG"], language="fr"),
            Ask(size=2, ports=["SYS", "TIJ"], language="pt"),
            Ask(size=1, ports=["SYS"], language="en"),
        ],
    )
    by_order = [Appointment.objects.get(offer=o) for o in offers]
    closure = closed(sys_, start=D, actor=planner)
    with transaction.atomic():
        expected = naive_plan(rebooking_input(closure=closure, now=clock.now()).snapshot)

    rebooking = closure_rebook(closure_id=closure.pk, actor=JOB)

    assert rebooking is not None
    # The plan took the groups in the draw's order (offer order), every one of them.
    assert [g["ref"] for g in rebooking.snapshot["groups"]] == [f"appointment:{a.pk}" for a in by_order]
    placed = {}
    for old in by_order:
        old.refresh_from_db()
        assert old.state == AppointmentState.REBOOKED
        new = Appointment.objects.filter(rebooked_from=old).first()
        placed[f"appointment:{old.pk}"] = (
            (new.port.code, new.day.isoformat(), f"{new.slot:%H:%M}") if new else None
        )
    assert placed == expected
    assert rebooking.placed == sum(1 for p in expected.values() if p) >= 3
    for old in by_order:
        if placed[f"appointment:{old.pk}"] is None:
            flag = PriorityFlag.objects.get(applicant=old.applicant, ended_at__isnull=True)
            assert (flag.kind, flag.draws_remaining) == ("displaced", 3)
        else:
            assert not PriorityFlag.objects.filter(applicant=old.applicant).exists()


def test_every_group_is_told_once_in_its_language_and_the_new_pass_works_while_the_old_does_not(
    frozen_clock, ports, planner
):
    sys_, tij, _ = ports
    slots(tij, day=D1, seats=[("08:00", 2)])
    offers = booked(
        frozen_clock, [Ask(size=2, ports=["SYS", "TIJ"], language="ht"), Ask(size=1, ports=["SYS"])]
    )
    first = Appointment.objects.get(offer__in=offers, group_size=2)  # ranked TIJ too
    second = Appointment.objects.get(offer__in=offers, group_size=1)  # ranked SYS only
    closure = closed(sys_, start=D, actor=planner)
    closure_rebook(closure_id=closure.pk, actor=JOB)

    new = Appointment.objects.get(rebooked_from=first)
    told = Notice.objects.get(applicant=first.applicant, kind=NoticeKind.REBOOKED)
    assert told.language == "ht"
    assert told.context["placed"] is True
    assert told.context["appointment_id"] == new.pk
    assert (told.context["port_name"], told.context["date"], told.context["slot"]) == (
        "Tijuana",
        "2026-12-16",
        "08:00",
    )
    assert told.context["old_port_name"] == "San Ysidro"
    assert told.context["pass_url"].endswith(f"/appointments/{new.pk}/pass")
    not_placed = Notice.objects.get(applicant=second.applicant, kind=NoticeKind.REBOOKED)
    assert not_placed.language == "es"
    assert not_placed.context == {
        "appointment_id": second.pk,
        "placed": False,
        "old_port_name": "San Ysidro",
        "old_date": "2026-12-15",
    }
    assert Notice.objects.filter(kind=NoticeKind.REBOOKED).count() == 2

    frozen_clock.set(dt.datetime(2026, 12, 16, 17, 0, tzinfo=dt.UTC))  # D+1, 09:00 in Tijuana
    assert pass_verify(payload=new.pass_payload, port=tij, day=D1).ok
    first.refresh_from_db()
    assert pass_verify(payload=first.pass_payload, port=sys_, day=D).code == "rebooked"


def test_the_job_run_again_changes_nothing_and_sends_nothing_more(frozen_clock, ports, planner):
    sys_, tij, _ = ports
    slots(tij, day=D1, seats=[("08:00", 10)])
    booked(frozen_clock, [Ask(size=2, ports=["SYS", "TIJ"]) for _ in range(3)])
    closure = closed(sys_, start=D, actor=planner)
    first = closure_rebook(closure_id=closure.pk, actor=JOB)
    state = (
        list(Appointment.objects.values_list("pk", "state", "port_id", "day")),
        list(SlotCapacity.objects.values_list("pk", "seats", "left")),
        Notice.objects.count(),
        AuditEvent.objects.count(),
    )

    again = closure_rebook(closure_id=closure.pk, actor=JOB)

    assert again == first
    assert state == (
        list(Appointment.objects.values_list("pk", "state", "port_id", "day")),
        list(SlotCapacity.objects.values_list("pk", "seats", "left")),
        Notice.objects.count(),
        AuditEvent.objects.count(),
    )


def test_seats_are_taken_only_from_the_free_pool_and_the_closed_day_keeps_none(frozen_clock, ports, planner):
    sys_, tij, _ = ports
    slots(tij, day=D1, seats=[("08:00", 5)])
    booked(frozen_clock, [Ask(size=2, ports=["SYS", "TIJ"]) for _ in range(4)])
    # Someone else already holds 2 of TIJ's 5 seats (an appointment made before the closure).
    assert SlotCapacity.objects.filter(port=tij, day=D1).update(left=3) == 1
    closure = closed(sys_, start=D, actor=planner)
    closure_rebook(closure_id=closure.pk, actor=JOB)

    row = SlotCapacity.objects.get(port=tij, day=D1)
    assert (row.seats, row.left) == (5, 1)  # one group of 2 placed; the holder's 2 seats untouched
    assert Appointment.objects.filter(port=tij, state="scheduled").count() == 1
    assert not SlotCapacity.objects.filter(port=sys_, day=D).exists()  # the closed day has no seat left
    assert Rebooking.objects.get().escalated == 3


def test_a_seat_given_back_on_a_closed_day_vanishes_instead_of_reopening(frozen_clock, ports, planner):
    sys_, _, _ = ports
    booked(frozen_clock, [Ask(size=2, ports=["SYS"])])
    closure = closed(sys_, start=D, actor=planner)
    row = SlotCapacity.objects.get(port=sys_, day=D)
    assert (row.seats, row.left) == (2, 0)  # only the booked seats remain until the rebooking
    with transaction.atomic():
        capacity_release(port_id=sys_.pk, day=D, slot=dt.time(8), seats=2)
    row.refresh_from_db()
    assert (row.seats, row.left) == (0, 0)
    assert closure.seats_withdrawn == 38


def test_any_port_is_used_only_when_the_planner_allows_it_and_only_after_the_ranked_ones(
    frozen_clock, ports, planner
):
    sys_, tij, nog = ports
    slots(nog, day=D1, seats=[("08:00", 10)])
    slots(tij, day=D3, seats=[("08:00", 10)])
    booked(frozen_clock, [Ask(size=1, ports=["SYS", "TIJ"]), Ask(size=1, ports=["SYS"])])
    closure = closed(sys_, start=D, actor=planner, any_port=True)
    closure_rebook(closure_id=closure.pk, actor=JOB)

    first = Appointment.objects.get(rebooked_from__offer__request__ports=["SYS", "TIJ"])
    second = Appointment.objects.get(rebooked_from__offer__request__ports=["SYS"])
    assert (first.port.code, first.day) == ("TIJ", D3)  # ranked port, later day, beats NOG on D+1
    assert (second.port.code, second.day) == ("NOG", D1)  # ranked only SYS: any open port
    audit = AuditEvent.objects.get(action="appointment.rebooked", object_id=str(second.rebooked_from_id))
    assert audit.data["via"] == "any_port"


def test_an_open_offer_at_the_closed_port_moves_with_its_deadline_or_is_declined_with_priority(
    frozen_clock, ports, planner
):
    sys_, tij, _ = ports
    slots(tij, day=D1, seats=[("08:00", 2)])
    offers = booked(
        frozen_clock, [Ask(size=2, ports=["SYS", "TIJ"]), Ask(size=2, ports=["SYS", "TIJ"])], confirm=False
    )
    closure = closed(sys_, start=D, actor=planner)
    closure_rebook(closure_id=closure.pk, actor=JOB)

    moved, declined = (Offer.objects.get(pk=o.pk) for o in offers)
    assert (moved.state, moved.port.code, moved.day, moved.deadline) == (
        "open",
        "TIJ",
        D1,
        offers[0].deadline,
    )
    assert declined.state == OfferState.DECLINED
    assert declined.settled_reason == "port closed"
    told = Notice.objects.get(applicant=moved.applicant, dedup_key__startswith="closure:")
    assert (told.kind, told.context["port_name"], told.context["date"]) == (
        "deadline_reminder",
        "Tijuana",
        "2026-12-16",
    )
    assert PriorityFlag.objects.filter(applicant=declined.applicant, kind="displaced").exists()
    assert SlotCapacity.objects.get(port=tij, day=D1).left == 0


def test_the_stored_plan_replays_from_its_snapshot_and_matches_the_audit_log(frozen_clock, ports, planner):
    sys_, tij, nog = ports
    slots(tij, day=D1, seats=[("08:00", 3)])
    slots(nog, day=D2, seats=[("08:00", 3)])
    booked(frozen_clock, [Ask(size=s, ports=["SYS", "TIJ", "NOG"]) for s in (1, 2, 3, 2, 1)])
    closure = closed(sys_, start=D, actor=planner)
    with transaction.atomic():
        # The same starting state read twice gives the same snapshot, hence the same plan.
        one = rebooking_input(closure=closure, now=clock.now()).snapshot
        two = rebooking_input(closure=closure, now=clock.now()).snapshot
    assert sha256_of(snapshot_to_json(one)) == sha256_of(snapshot_to_json(two))
    rebooking = closure_rebook(closure_id=closure.pk, actor=JOB)
    assert rebooking is not None
    assert rebooking.snapshot_sha256 == sha256_of(snapshot_to_json(one))

    replay = rebooking_replay(rebooking=rebooking)
    assert replay.same
    assert replay.snapshot_intact
    assert rebooking_audit_hashes(closure=closure) == {
        "snapshot_sha256": rebooking.snapshot_sha256,
        "plan_sha256": rebooking.plan_sha256,
    }
    # A tampered plan no longer matches what the snapshot gives.
    rebooking.plan["placements"][0]["slot"] = "23:59"
    assert not rebooking_replay(rebooking=rebooking).same


def test_the_plan_refuses_groups_out_of_allocation_order():
    group = Group(
        "appointment:1", 1, 1, ("AAA",), ("2026-12-02T19:00:00.000000Z", 2, "a"), "SYS", "2026-12-15", "08:00"
    )
    earlier = Group(
        "appointment:2", 2, 1, ("AAA",), ("2026-12-02T19:00:00.000000Z", 1, "b"), "SYS", "2026-12-15", "08:00"
    )
    snapshot = Snapshot(
        closure=1,
        port="SYS",
        start="2026-12-15",
        end="2026-12-15",
        first_day="2026-12-03",
        last_day="2026-12-22",
        any_port=False,
        open_ports=("AAA",),
        groups=(group, earlier),
        seats=(Seats("AAA", "2026-12-16", "08:00", 1),),
    )
    with pytest.raises(ValueError, match="allocation order"):
        plan_compute(snapshot)


def test_a_closed_day_whose_draw_is_still_publishing_makes_the_rebooking_wait(frozen_clock, ports, planner):
    sys_, _, _ = ports
    booked(frozen_clock, [Ask(size=1, ports=["SYS"])])
    Draw.objects.filter(draw_id="2026-12-01").update(status="frozen", server_seed=None, results_sha256=None)
    closure = closed(sys_, start=D, actor=planner)
    with pytest.raises(RebookingNotReady):
        closure_rebook(closure_id=closure.pk, actor=JOB)
    assert not Rebooking.objects.exists()
