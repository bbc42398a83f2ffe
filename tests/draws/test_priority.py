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
