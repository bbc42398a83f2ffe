"""`cita draw run --date`: the due steps of one day's draw, by hand, safe to repeat."""

from __future__ import annotations

import datetime as dt

import pytest

from cita.cli import main
from cita.draws.models import Draw, DrawStatus
from tests.factories.draws import WINDOW_CLOSES, WINDOW_OPENS, port_with_slots, submitted


@pytest.mark.django_db
def test_draw_run_opens_then_publishes_then_has_nothing_left_to_do(frozen_clock, capsys):
    port_with_slots("SYS", slots=[("08:00", 2)])
    frozen_clock.set(WINDOW_OPENS + dt.timedelta(minutes=5))
    assert main(["draw", "run", "--date", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("opened 2026-12-01: commitment ")
    for _ in range(3):
        submitted(ports=["SYS"])
    frozen_clock.set(WINDOW_CLOSES)
    assert main(["draw", "run", "--date", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "2026-12-01: published, 3 entries, 2 selected, 2 seats" in out
    assert "2026-12-01-2: open until" in out
    draw = Draw.objects.get(draw_id="2026-12-01")
    assert draw.status == DrawStatus.PUBLISHED
    assert draw.notices_done
    assert main(["draw", "run", "--date", "2026-12-01"]) == 0
    assert "published" in capsys.readouterr().out


@pytest.mark.django_db
def test_draw_run_says_when_there_is_nothing_to_run(frozen_clock, capsys):
    frozen_clock.set(WINDOW_OPENS - dt.timedelta(hours=1))
    assert main(["draw", "run", "--date", "2026-12-01"]) == 2
    assert "there is no draw 2026-12-01" in capsys.readouterr().err
    assert main(["draw", "run", "--date", "1 December"]) == 2
