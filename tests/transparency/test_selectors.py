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
