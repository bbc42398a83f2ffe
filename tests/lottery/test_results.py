"""results.csv writing (draw-v1 §Bundle layout)."""

from __future__ import annotations

import pytest

from cita.lottery import BundleError, Result, results_from_bytes, results_to_bytes


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


def test_results_read_back_are_the_results_written() -> None:
    results = [
        Result(ticket="K7Q2M9XW4D", port="SYS", slot="08:00", phase="reserve", order=1),
        Result(ticket="A1B2", port="ELP", slot="09:00", phase="lottery", order=2),
    ]
    assert results_from_bytes(results_to_bytes(results)) == results
    assert results_from_bytes(results_to_bytes([])) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ticket,port,slot,phase,order\n\xff\n", "is not ASCII text"),
        (b"ticket,port,slot,phase\n", "must begin with"),
        (b"ticket,port,slot,phase,order\nA1B2,ELP,09:00,lottery,2", "must begin with"),
        (b"ticket,port,slot,phase,order\nA1B2,ELP,09:00,lottery\n", "line 2: not a result line"),
        (b"ticket,port,slot,phase,order\nA1B2,ELP,09:00,second,2\n", "line 2: not a result line"),
        (b"ticket,port,slot,phase,order\nA1B2,ELP,09:00,lottery,-2\n", "line 2: not a result line"),
        (b"ticket,port,slot,phase,order\nA1B2,ELP,09:00,lottery,02\n", "not written the one way"),
        (b"ticket,port,slot,phase,order\na1b2,ELP,09:00,lottery,2\n", "not a result draw-v1 can write"),
    ],
)
def test_a_results_file_draw_v1_would_not_write_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        results_from_bytes(data)
