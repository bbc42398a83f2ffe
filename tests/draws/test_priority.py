"""Priority: urgent flags (tier 0 until served or revoked), displaced groups (tier 0 for N draws)."""

from __future__ import annotations

import datetime as dt

import pytest

from cita.audit.models import AuditEvent
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.draws.errors import InvalidPriority
from cita.draws.models import Draw, PriorityFlag
from cita.draws.services import draw_close, priority_flag, priority_grant_displaced, priority_revoke
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, port_with_slots, submitted
from tests.factories.registrations import ShelterFactory, registered_group

OFFICER = Actor(role=Role.OFFICER, user_id=3, port_id=1)


def tiers(draw: Draw) -> dict[str, str]:
    """ticket → tier, from the published entries.csv."""
    lines = bytes(draw.files.get(name="entries.csv").content).decode().splitlines()[1:]
    return {line.split(",")[0]: line.split(",")[2] for line in lines}


@pytest.mark.django_db
def test_an_urgent_group_is_tier_zero_and_the_reason_stays_out_of_the_audit_log(frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 2)])
    draw = open_draw(frozen_clock)
    urgent, plain = submitted(ports=["SYS"]), submitted(ports=["SYS"])
    flag = priority_flag(applicant=urgent.applicant, reason="Pregnant, needs care soon", actor=OFFICER)
    assert flag.reason == "Pregnant, needs care soon"
    event = AuditEvent.objects.get(action="priority.flagged")
    assert "Pregnant" not in str(event.data)
    assert event.actor == "officer:3"
    frozen_clock.set(WINDOW_CLOSES)
    draw = draw_close(draw=draw, actor=JOB)
    assert tiers(draw) == {urgent.ticket: "0", plain.ticket: "1"}


@pytest.mark.django_db
def test_flagging_needs_a_reason_and_the_right_to_flag(frozen_clock):
    group = registered_group()
    with pytest.raises(InvalidPriority):
        priority_flag(applicant=group, reason="  ", actor=OFFICER)
    with pytest.raises(PermissionDenied):
        priority_flag(applicant=group, reason="x", actor=Actor(role=Role.AUDITOR, user_id=4))
    with pytest.raises(PermissionDenied):
        priority_flag(applicant=group, reason="x", actor=Actor(role=Role.APPLICANT, applicant_id=group.pk))
    shelter, other = ShelterFactory.create(), ShelterFactory.create()
    group.shelter = shelter
    group.save()
    with pytest.raises(PermissionDenied):
        priority_flag(applicant=group, reason="x", actor=Actor(role=Role.NGO, user_id=5, shelter_id=other.pk))
    assert priority_flag(
        applicant=group, reason="x", actor=Actor(role=Role.NGO, user_id=5, shelter_id=shelter.pk)
    )


@pytest.mark.django_db
def test_flagging_twice_keeps_one_flag_and_revoking_ends_it(frozen_clock):
    group = registered_group()
    first = priority_flag(applicant=group, reason="a", actor=OFFICER)
    assert priority_flag(applicant=group, reason="b", actor=OFFICER) == first
    priority_revoke(flag=first, actor=OFFICER)
    first.refresh_from_db()
    assert first.ended_reason == "revoked"
    assert first.ended_at == frozen_clock.now()
    assert AuditEvent.objects.filter(action="priority.revoked").count() == 1


@pytest.mark.django_db
def test_a_displaced_group_comes_first_in_its_next_draws_only(frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 0)])
    for offset in (1, 2):
        port_with_slots("SYS", slots=[("08:00", 0)], day=dt.date(2026, 12, 15) + dt.timedelta(days=offset))
    group = registered_group()
    flag = priority_grant_displaced(applicant=group, actor=JOB, draws=2)
    with pytest.raises(PermissionDenied):
        priority_grant_displaced(applicant=group, actor=OFFICER)
    seen = []
    for day in range(3):
        draw = open_draw(frozen_clock, day=dt.date(2026, 12, 1) + dt.timedelta(days=day))
        from cita.draws.services import request_submit
        from tests.factories.registrations import actor_for

        request = request_submit(applicant=group, ports=["SYS"], actor=actor_for(group), draw=draw)
        frozen_clock.set(draw.closes_at)
        seen.append(tiers(draw_close(draw=draw, actor=JOB))[request.ticket])
    assert seen == ["0", "0", "1"]
    flag.refresh_from_db()
    assert (flag.draws_remaining, flag.ended_reason) == (0, "used")
    assert PriorityFlag.objects.filter(ended_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_groups_a_draw_passed_over_for_their_size_come_first_until_a_draw_selects_them(frozen_clock):
    """Three seats of one at San Ysidro: the families of two can never fit, and every one of them whose
    turn came before a single traveller's was passed over for its size. Which ones, the published bundle
    alone says (cita.lottery.passed_over); they, and only they, are tier 0 in the next draw they enter,
    and being selected ends it."""
    from cita.appointments.services.run import cycle_run_due
    from cita.draws.models import Offer, PriorityKind, Request
    from cita.draws.services import request_submit
    from cita.lottery import entries_from_bytes, manifest_from_bytes, passed_over, results_from_bytes
    from tests.factories.draws import APPOINTMENT_DAY, DRAW_DAY
    from tests.factories.registrations import actor_for

    port = port_with_slots("SYS", slots=[("08:00", 1), ("09:00", 1), ("10:00", 1)])
    draw = open_draw(frozen_clock)
    families = [submitted(ports=["SYS"], size=2) for _ in range(40)]
    singles = [submitted(ports=["SYS"]) for _ in range(3)]
    frozen_clock.set(WINDOW_CLOSES)
    draw = draw_close(draw=draw, actor=JOB)
    files = {f.name: bytes(f.content) for f in draw.files.all()}
    manifest = manifest_from_bytes(files["manifest.json"])
    expected = passed_over(
        manifest=manifest,
        entries=entries_from_bytes(files["entries.csv"], ports={"SYS"}),
        results=results_from_bytes(files["results.csv"]),
    )
    assert expected
    assert expected <= {r.ticket for r in families}
    # The next run of the jobs grants the priority, once.
    cycle_run_due(actor=JOB)
    cycle_run_due(actor=JOB)
    flagged = set(
        PriorityFlag.objects.filter(kind=PriorityKind.PASSED_OVER, ended_at__isnull=True).values_list(
            "applicant_id", flat=True
        )
    )
    assert flagged == set(Request.objects.filter(ticket__in=expected).values_list("applicant_id", flat=True))
    event = AuditEvent.objects.get(action="priority.passed_over")
    assert event.data["flagged"] == len(expected)
    assert not any(ticket in str(event.data) for ticket in expected)

    # The next day's draw: the flagged families are tier 0, everyone else tier 1; all are selected there.
    from cita.ports.models import SlotCapacity

    SlotCapacity.objects.create(
        port=port, day=APPOINTMENT_DAY + dt.timedelta(days=1), slot=dt.time(8), seats=200, left=200
    )
    selected = set(Offer.objects.filter(draw=draw).values_list("applicant_id", flat=True))
    again = [r.applicant for r in families + singles if r.applicant_id not in selected]
    second = open_draw(frozen_clock, day=DRAW_DAY + dt.timedelta(days=1))
    tickets = {
        request_submit(applicant=group, ports=["SYS"], actor=actor_for(group), draw=second).ticket: group.pk
        for group in again
    }
    frozen_clock.set(WINDOW_CLOSES + dt.timedelta(days=1))
    second = draw_close(draw=second, actor=JOB)
    assert {ticket for ticket, tier in tiers(second).items() if tier == "0"} == {
        ticket for ticket, group in tickets.items() if group in flagged
    }
    assert not PriorityFlag.objects.filter(kind=PriorityKind.PASSED_OVER, ended_at__isnull=True).exists()
    assert (
        set(
            PriorityFlag.objects.filter(kind=PriorityKind.PASSED_OVER, ended_reason="selected").values_list(
                "applicant_id", flat=True
            )
        )
        == flagged
    )
