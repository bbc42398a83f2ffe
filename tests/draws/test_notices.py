"""The result notices of a draw: written after the results commit, in batches, each exactly once."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from cita.draws.models import Draw, Offer
from cita.draws.services import draw_close, draw_notify, draws_notify_due
from cita.notifications.models import Notice
from cita.notifications.rendering import render
from cita.ports.models import SlotCapacity
from tests.factories.draws import (
    APPOINTMENT_DAY,
    DRAW_DAY,
    JOB,
    WINDOW_CLOSES,
    open_draw,
    port_with_slots,
    submitted,
)


@pytest.fixture
def published(db, frozen_clock) -> Draw:
    port_with_slots("SYS", slots=[("08:00", 3)])
    draw = open_draw(frozen_clock)
    for _ in range(12):
        submitted(ports=["SYS"], draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    return draw_close(draw=draw, actor=JOB)


def test_each_group_hears_its_result_once_with_the_agreed_context(published):
    assert not Notice.objects.filter(
        kind__in=["selected", "not_selected"]
    ).exists()  # not in the draw's own transaction
    batches = draw_notify(draw=published, actor=JOB, batch=4)
    assert batches == 4  # 9 not selected in batches of 4, then the closing batch
    selected = Notice.objects.filter(kind="selected")
    not_selected = Notice.objects.filter(kind="not_selected")
    assert selected.count() == 3
    assert not_selected.count() == 9
    offer = Offer.objects.select_related("port", "request").first()
    assert offer is not None
    notice = selected.get(applicant=offer.applicant)
    assert notice.context == {
        "ticket": offer.request.ticket,
        "offer_id": offer.pk,
        "port_code": "SYS",
        "port_name": offer.port.name,
        "date": "2026-12-15",
        "slot": "08:00",
        "deadline": (WINDOW_CLOSES + dt.timedelta(hours=23)).isoformat(),
        "time_zone": offer.port.time_zone,
    }
    sample = not_selected.first()
    assert sample is not None
    # The draw by its days (issue 15, item 8) and where to look the ticket up (item 9).
    assert set(sample.context) == {"ticket", "draw_id", "appointment_date", "draw_date", "lookup_url"}
    assert sample.context["draw_date"] == "2026-12-02"  # the window closes on 2 December
    assert sample.context["lookup_url"] == "http://testserver/transparency/draws/2026-12-01/"
    words = render(kind="not_selected", context=sample.context, language="en")
    assert (
        "not selected in the draw of Wednesday, December 2, 2026 for appointments on Tuesday," in words.body
    )
    assert "look it up on the draw's page: http://testserver/transparency/draws/2026-12-01/" in words.body
    spanish = render(kind="not_selected", context=sample.context, language="es")
    assert "sorteo del miércoles" in spanish.body
    published.refresh_from_db()
    assert published.notices_done
    assert draw_notify(draw=published, actor=JOB) == 0
    assert draws_notify_due(actor=JOB) == 0
    assert Notice.objects.filter(kind__in=["selected", "not_selected"]).count() == 12


def test_a_notify_run_cut_short_continues_where_it_stopped(published):
    from cita.draws.services.notices import _notify_batch

    assert _notify_batch(draw_pk=published.pk, batch=5)
    assert Notice.objects.filter(kind="not_selected").count() == 5
    # Pretend the progress mark was lost: the dedup keys still keep every notice single.
    Draw.objects.filter(pk=published.pk).update(notified_upto=0)
    assert draws_notify_due(actor=JOB) == 1
    assert Notice.objects.filter(kind="not_selected").count() == 9
    assert Notice.objects.filter(kind="selected").count() == 3


def test_a_draw_published_while_a_notify_job_waits_is_served_by_that_job(
    transactional_db, frozen_clock, caplog
):
    # Real commits: the jobs are queued when each draw's results commit, outside any transaction.
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.models import ProcrastinateJob

    port = port_with_slots("SYS", slots=[("08:00", 3)])
    SlotCapacity.objects.create(
        port=port, day=APPOINTMENT_DAY + dt.timedelta(days=1), slot=dt.time(8), seats=3, left=3
    )
    draws = []
    for day in (DRAW_DAY, DRAW_DAY + dt.timedelta(days=1)):
        draw = open_draw(frozen_clock, day=day)
        for _ in range(4):
            submitted(ports=["SYS"], draw=draw)
        frozen_clock.set(draw.closes_at)
        draws.append(draw_close(draw=draw, actor=JOB))
    # One job waits (its queueing lock refused a second one), and nothing was logged as a failure.
    waiting = ProcrastinateJob.objects.filter(task_name="draws.notify", status="todo")
    assert waiting.count() == 1
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    app.tasks["draws.notify"](**waiting.get().args)
    for draw in draws:
        draw.refresh_from_db()
        assert draw.notices_done
    assert Notice.objects.filter(kind__in=["selected", "not_selected"]).count() == 8
