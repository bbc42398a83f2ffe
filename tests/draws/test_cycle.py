"""A whole day of the system, with a controlled clock, through the jobs' own entry point."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services import pass_verify
from cita.appointments.services.offers import offer_confirm, offer_decline
from cita.appointments.services.run import cycle_run_due
from cita.draws.models import Draw, DrawStatus, Offer, OfferState, Request, RequestState
from cita.notifications.models import Notice
from cita.policy.services import policy_set
from cita.ports.models import SlotCapacity
from tests.factories.draws import JOB, WINDOW_CLOSES, WINDOW_OPENS, port_with_slots, submitted
from tests.factories.registrations import actor_for

ROOT = Path(__file__).resolve().parents[2]


def fetch_bundle(client, draw_id: str, folder: Path) -> Path:
    """Download a draw's files from the URLs draws.json lists, into `folder`."""
    listing = client.get("/transparency/draws.json").json()
    entry = next(d for d in listing["draws"] if d["draw_id"] == draw_id)
    folder.mkdir(parents=True)
    for name, url in entry["files"].items():
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200
        (folder / name).write_bytes(response.content)
    return folder


def cita_verify(folder: Path) -> subprocess.CompletedProcess[str]:
    """`cita draw verify FOLDER`, as anyone would run it."""
    return subprocess.run(
        [sys.executable, "-m", "cita", "draw", "verify", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def seats_held() -> dict[tuple[str, dt.time], int]:
    """Seats taken in each slot (seats - left)."""
    return {(s.port.code, s.slot): s.seats - s.left for s in SlotCapacity.objects.select_related("port")}


def seats_owed() -> dict[tuple[str, dt.time], int]:
    """Seats that open offers and live appointments hold, per slot."""
    owed: Counter[tuple[str, dt.time]] = Counter()
    for offer in Offer.objects.filter(state=OfferState.OPEN).select_related("port"):
        owed[(offer.port.code, offer.slot)] += offer.group_size
    for appointment in Appointment.objects.filter(state=AppointmentState.SCHEDULED).select_related("port"):
        owed[(appointment.port.code, appointment.slot)] += appointment.group_size
    return owed


@pytest.mark.django_db
def test_a_whole_day_from_window_to_second_chance_publishes_bundles_that_verify(
    frozen_clock, client, tmp_path
):
    port_with_slots("SYS", slots=[("08:00", 4), ("09:00", 4)], position=0)
    port_with_slots("ELP", slots=[("08:00", 3)], position=1)
    frozen_clock.set(WINDOW_OPENS - dt.timedelta(hours=1))
    policy_set(
        effective_from=frozen_clock.now(),
        window_opens=dt.time(12),
        window_closes=dt.time(11),
        horizon_days=14,
        reserve_percent=25,
        confirm_hours=23,
        group_size_limit=8,
        actor=JOB,
    )
    # Before the window opens, the job opens nothing.
    assert cycle_run_due(actor=JOB) == []
    frozen_clock.set(WINDOW_OPENS)
    assert cycle_run_due(actor=JOB) == ["opened 2026-12-01"]
    draw = Draw.objects.get(draw_id="2026-12-01")
    assert (draw.status, draw.appointment_date, draw.reserve_percent) == (
        DrawStatus.OPEN,
        dt.date(2026, 12, 15),
        25,
    )
    listed = client.get("/transparency/draws.json").json()["draws"][0]
    assert listed["commitment"] == draw.commitment
    assert listed["server_seed"] is None
    assert listed["files"] == {}

    frozen_clock.advance(hours=1)
    requests = [
        submitted(ports=["SYS", "ELP"] if i % 3 else ["ELP", "SYS"], size=1 + i % 3) for i in range(24)
    ]
    assert len({r.ticket for r in requests}) == 24

    # Window closes: freeze, reveal, compute, publish, all in the job.
    frozen_clock.set(WINDOW_CLOSES)
    assert cycle_run_due(actor=JOB)[0] == "2026-12-01: published"
    draw.refresh_from_db()
    assert draw.status == DrawStatus.PUBLISHED
    assert draw.entries_count == 24
    offers = list(Offer.objects.filter(draw=draw).select_related("applicant", "port").order_by("order"))
    assert draw.selected_count is not None
    assert len(offers) == draw.selected_count > 0
    assert sum(o.group_size for o in offers) <= 11
    assert {r.state for r in Request.objects.all()} == {RequestState.SELECTED, RequestState.NOT_SELECTED}
    assert seats_held() == dict(seats_owed().items()) | {k: 0 for k in seats_held() if k not in seats_owed()}
    notices = Counter(Notice.objects.values_list("kind", flat=True))
    assert notices["selected"] == len(offers)
    assert notices["not_selected"] == 24 - len(offers)

    first = fetch_bundle(client, "2026-12-01", tmp_path / "round1")
    result = cita_verify(first)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("verified 2026-12-01")
    manifest = json.loads((first / "manifest.json").read_bytes())
    assert manifest["server_seed"]
    assert manifest["reserve_percent"] == 25

    # Some confirm, one declines, the rest let the deadline pass.
    frozen_clock.advance(hours=1)
    confirmed = offers[: len(offers) // 2]
    appointments = [offer_confirm(offer=o, actor=actor_for(o.applicant)) for o in confirmed]
    offer_decline(offer=offers[-1], actor=actor_for(offers[-1].applicant))
    second = Draw.objects.get(first=draw, round=2)
    assert second.status == DrawStatus.OPEN
    assert second.closes_at == draw.deadline

    frozen_clock.set(draw.deadline + dt.timedelta(minutes=1))
    lines = cycle_run_due(actor=JOB)
    assert any("expired" in line for line in lines)
    assert "2026-12-01-2: published" in lines
    second.refresh_from_db()
    released = sum(o.group_size for o in offers[len(offers) // 2 :])
    assert second.seats == released
    assert second.entries_count == 24 - len(offers)
    assert seats_held() == dict(seats_owed().items()) | {k: 0 for k in seats_held() if k not in seats_owed()}
    lucky = list(Offer.objects.filter(draw=second).select_related("applicant"))
    assert lucky, "released seats went to groups not selected in round 1"
    assert all(o.request.draw_id == draw.pk for o in lucky)
    appointments += [offer_confirm(offer=o, actor=actor_for(o.applicant)) for o in lucky]

    second_bundle = fetch_bundle(client, "2026-12-01-2", tmp_path / "round2")
    result = cita_verify(second_bundle)
    assert result.returncode == 0, result.stderr

    # Every confirmation issued a pass that checks out at its port on its day.
    for appointment in appointments:
        check = pass_verify(payload=appointment.pass_payload, port=appointment.port, day=appointment.day)
        assert check.ok, check.message
    assert Notice.objects.filter(kind="confirmed").count() == len(appointments)
    # Running the jobs again changes nothing.
    before = (list(Offer.objects.values_list("pk", "state")), Notice.objects.count())
    cycle_run_due(actor=JOB)
    assert before == (list(Offer.objects.values_list("pk", "state")), Notice.objects.count())


@pytest.mark.django_db
def test_a_tampered_results_file_fails_verification(frozen_clock, client, tmp_path):
    port_with_slots("SYS", slots=[("08:00", 2)])
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    for _ in range(5):
        submitted(ports=["SYS"])
    frozen_clock.set(WINDOW_CLOSES)
    cycle_run_due(actor=JOB)
    folder = fetch_bundle(client, "2026-12-01", tmp_path / "b")
    lines = (folder / "results.csv").read_text().splitlines()
    swapped = lines[1].split(",")
    tickets = [line.split(",")[0] for line in (folder / "entries.csv").read_text().splitlines()[1:]]
    swapped[0] = next(t for t in tickets if t not in {line.split(",")[0] for line in lines[1:]})
    (folder / "results.csv").write_text("\n".join([lines[0], ",".join(swapped), *lines[2:]]) + "\n")
    result = cita_verify(folder)
    assert result.returncode == 1
    assert "NOT verified" in result.stderr
    assert "line 2" in result.stderr
