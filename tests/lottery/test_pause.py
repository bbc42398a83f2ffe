"""The cycle collector is paused around bulk work and left as it was found."""

from __future__ import annotations

import gc

from cita.lottery.pause import collector_paused


def test_the_collector_is_paused_then_enabled_again() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
