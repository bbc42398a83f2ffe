"""The recent rates the simulator is calibrated with: sums over the 30 days before today, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from cita.transparency.selectors import recent_rates
from tests.factories.transparency import recent_history

pytestmark = pytest.mark.django_db


def test_the_rates_of_the_30_days_before_today_are_sums_of_those_days(frozen_clock):
    recent_history()
    rates = recent_rates()  # the clock says 1 December (Tijuana): November counts
    assert (rates.first, rates.last, rates.days) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30), 30)
    assert (rates.offers, rates.confirmed) == (150, 130)
    assert (rates.held, rates.no_shows) == (125, 10)
    assert (rates.released, rates.detained, rates.removed, rates.seen) == (220, 50, 30, 300)
    assert rates.new_groups == 3
    assert rates.seats == {"ELP": 150, "SYS": 300}
    assert rates.confirm_rate == pytest.approx(130 / 150)
    assert rates.no_show_rate == pytest.approx(10 / 125)


def test_with_nothing_recorded_no_rate_is_measured(frozen_clock):
    rates = recent_rates(today=dt.date(2026, 12, 1))
    assert (rates.confirm_rate, rates.no_show_rate, rates.seen, rates.new_groups, rates.seats) == (
        None,
        None,
        0,
        0,
        {},
    )


def test_selection_by_group_size_counts_the_entries_of_published_draws_and_their_selections(frozen_clock):
    from cita.draws.models import Offer
    from cita.draws.services import draw_close, request_withdraw
    from cita.transparency.selectors import selection_by_group_size
    from tests.factories.draws import DRAW_DAY, JOB, WINDOW_CLOSES, open_draw, port_with_slots, submitted
    from tests.factories.registrations import actor_for

    port_with_slots("SYS", slots=[("08:00", 4)])
    draw = open_draw(frozen_clock)
    sizes = [1, 1, 1, 2, 2, 3, 6, 7]
    requests = [submitted(ports=["SYS"], size=size) for size in sizes]
    withdrawn = submitted(ports=["SYS"], size=1)
    request_withdraw(request=withdrawn, actor=actor_for(withdrawn.applicant))
    # An open draw counts nothing yet.
    assert selection_by_group_size(start=DRAW_DAY, end=DRAW_DAY) == []
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=draw, actor=JOB)
    chosen = {o.request_id for o in Offer.objects.all()}
    rows = selection_by_group_size(start=DRAW_DAY, end=DRAW_DAY)
    expected: dict[str, tuple[int, int]] = {}
    for request, size in zip(requests, sizes, strict=True):
        label = "6+" if size >= 6 else str(size)
        entered, selected = expected.get(label, (0, 0))
        expected[label] = (entered + 1, selected + (request.pk in chosen))
    assert [(r.label, r.entered, r.selected) for r in rows] == [(k, *v) for k, v in expected.items()]
    assert sum(r.selected for r in rows) == len(chosen) > 0
    # Another range of draw days counts nothing.
    assert (
        selection_by_group_size(start=DRAW_DAY + dt.timedelta(days=1), end=DRAW_DAY + dt.timedelta(days=30))
        == []
    )
