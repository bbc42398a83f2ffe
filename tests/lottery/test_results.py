"""results.csv writing (draw-v1 §Bundle layout)."""

from __future__ import annotations

import pytest

from cita.lottery import BundleError, Result, results_to_bytes


def test_results_are_written_in_the_order_given_with_a_final_newline() -> None:
    results = [
        Result(ticket="K7Q2M9XW4D", port="SYS", slot="08:00", phase="reserve", order=1),
        Result(ticket="A1B2", port="ELP", slot="09:00", phase="lottery", order=2),
    ]
    assert results_to_bytes(results) == (
        b"ticket,port,slot,phase,order\nK7Q2M9XW4D,SYS,08:00,reserve,1\nA1B2,ELP,09:00,lottery,2\n"
    )


def test_with_nobody_selected_the_file_is_the_header_and_its_newline() -> None:
    assert results_to_bytes([]) == b"ticket,port,slot,phase,order\n"


@pytest.mark.parametrize(
    "result",
    [
        Result(ticket="k7q2", port="SYS", slot="08:00", phase="reserve", order=1),
        Result(ticket="K7Q2", port="S,S", slot="08:00", phase="reserve", order=1),
        Result(ticket="K7Q2", port="SYS", slot="08:00\n", phase="reserve", order=1),
        Result(ticket="K7Q2", port="SYS", slot="08:00", phase="second", order=1),  # type: ignore[arg-type]
        Result(ticket="K7Q2", port="SYS", slot="08:00", phase="lottery", order=0),
        Result(ticket="K7Q2", port="SYS", slot="08:00", phase="lottery", order=True),
        Result(ticket=None, port="SYS", slot="08:00", phase="lottery", order=1),  # type: ignore[arg-type]
    ],
)
def test_a_result_draw_v1_cannot_hold_is_not_written(result: Result) -> None:
    with pytest.raises(BundleError, match=r"^results\.csv: not a result draw-v1 can write: Result\("):
        results_to_bytes([result])
