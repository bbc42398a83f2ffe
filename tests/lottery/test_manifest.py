"""manifest.json: strict reading of any JSON layout, one canonical way of writing it."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from cita.lottery import (
    Beacon,
    BundleError,
    Capacity,
    Manifest,
    commitment_compute,
    manifest_check,
    manifest_from_bytes,
    manifest_to_bytes,
)
from tests.lottery.builders import SEED

BASE: dict[str, Any] = {
    "format": "cita-draw-v1",
    "draw_id": "2026-12-01",
    "appointment_date": "2026-12-15",
    "commitment": commitment_compute(SEED),
    "server_seed": SEED,
    "beacon": {"source": "drand quicknet", "round": 1234, "value": "c0ffee"},
    "reserve_percent": 10,
    "capacity": [
        {"port": "SYS", "slot": "08:00", "seats": 40},
        {"port": "SYS", "slot": "09:00", "seats": 40},
        {"port": "ELP", "slot": "08:00", "seats": 25},
    ],
    "entries_sha256": "ab" * 32,
    "results_sha256": "cd" * 32,
}

CANONICAL = f"""{{
  "format": "cita-draw-v1",
  "draw_id": "2026-12-01",
  "appointment_date": "2026-12-15",
  "commitment": "{commitment_compute(SEED)}",
  "server_seed": "{SEED}",
  "beacon": {{"source": "drand quicknet", "round": 1234, "value": "c0ffee"}},
  "reserve_percent": 10,
  "capacity": [
    {{"port": "SYS", "slot": "08:00", "seats": 40}},
    {{"port": "SYS", "slot": "09:00", "seats": 40}},
    {{"port": "ELP", "slot": "08:00", "seats": 25}}
  ],
  "entries_sha256": "{"ab" * 32}",
  "results_sha256": "{"cd" * 32}"
}}
""".encode()


def changed(change: Callable[[dict[str, Any]], object]) -> bytes:
    """BASE with one change, as compact JSON."""
    value = copy.deepcopy(BASE)
    change(value)
    return json.dumps(value).encode()


def refusal(data: bytes) -> str:
    """The one-line message reading `data` is refused with."""
    with pytest.raises(BundleError) as caught:
        manifest_from_bytes(data)
    return str(caught.value)


def test_a_manifest_is_read_into_values() -> None:
    manifest = manifest_from_bytes(json.dumps(BASE).encode())
    assert manifest.appointment_date == datetime.date(2026, 12, 15)
    assert manifest.beacon == Beacon(source="drand quicknet", round=1234, value="c0ffee")
    assert manifest.capacity[2] == Capacity(port="ELP", slot="08:00", seats=25)
    assert manifest.results_sha256 == "cd" * 32


def test_cita_writes_the_layout_of_the_spec_example_byte_for_byte() -> None:
    assert manifest_to_bytes(manifest_from_bytes(json.dumps(BASE).encode())) == CANONICAL


def test_any_valid_json_layout_and_key_order_reads_the_same() -> None:
    reordered = dict(reversed(list(BASE.items())))
    for data in (
        json.dumps(reordered, indent="\t").encode(),
        json.dumps(BASE, separators=(",", ":")).encode(),  # no final newline either
        CANONICAL,
    ):
        assert manifest_to_bytes(manifest_from_bytes(data)) == CANONICAL


def test_before_compute_results_sha256_is_left_out_and_null_reads_as_absent() -> None:
    absent = manifest_from_bytes(changed(lambda value: value.pop("results_sha256")))
    null = manifest_from_bytes(changed(lambda value: value.update(results_sha256=None)))
    assert absent == null
    assert absent.results_sha256 is None
    assert b"results_sha256" not in manifest_to_bytes(absent)
    assert manifest_to_bytes(absent).endswith(b'"entries_sha256": "' + b"ab" * 32 + b'"\n}\n')


def test_before_reveal_the_seed_is_null_and_the_beacon_may_be_null() -> None:
    manifest = manifest_from_bytes(changed(lambda value: value.update(server_seed=None, beacon=None)))
    assert (manifest.server_seed, manifest.beacon) == (None, None)
    assert b'"server_seed": null,\n  "beacon": null,\n' in manifest_to_bytes(manifest)


def test_an_empty_capacity_is_written_on_one_line() -> None:
    manifest = manifest_from_bytes(changed(lambda value: value.update(capacity=[])))
    assert b'  "capacity": [],\n' in manifest_to_bytes(manifest)


def test_non_ascii_text_is_written_as_utf8() -> None:
    manifest = manifest_from_bytes(changed(lambda value: value.update(draw_id="día 1")))
    assert '"draw_id": "día 1"'.encode() in manifest_to_bytes(manifest)


def _set(**fields: Any) -> Callable[[dict[str, Any]], object]:
    return lambda value: value.update(fields)


def _slot(number: int, **fields: Any) -> Callable[[dict[str, Any]], object]:
    return lambda value: value["capacity"][number].update(fields)


INVALID: list[tuple[str, bytes, str]] = [
    ("not JSON", b'{\n  "format": \n}', r"^manifest\.json line 3: not valid JSON: Expecting value$"),
    ("not an object", b"[]", r"^manifest\.json: expected a JSON object, got \[\]$"),
    ("key twice", b'{"format": "cita-draw-v1", "format": "x"}', r"key 'format' appears twice"),
    ("NaN", changed(_set(reserve_percent=float("nan"))), r"NaN is not a JSON number"),
    (
        "huge integer",
        changed(_set(reserve_percent=0)).replace(b": 0,", b": " + b"9" * 5000 + b","),
        r"^manifest\.json: .*integer",
    ),
    ("BOM", b"\xef\xbb\xbf" + CANONICAL, r"^manifest\.json line 1: starts with a UTF-8 byte-order mark"),
    ("CRLF", CANONICAL.replace(b"\n", b"\r\n"), r"^manifest\.json line 1: carriage return \(CR\) found"),
    ("not UTF-8", CANONICAL.replace(b"2026-12-01", b"2026-12-\xff1"), r"^manifest\.json line 3: not UTF-8"),
    (
        "format missing",
        changed(lambda value: value.pop("format")),
        r"format: missing; expected 'cita-draw-v1'",
    ),
    ("format unknown", changed(_set(format="cita-draw-v2")), r'format: unknown format "cita-draw-v2"'),
    ("key missing", changed(lambda value: value.pop("capacity")), r"^manifest\.json, capacity: missing$"),
    ("key unknown", changed(_set(extra=1)), r"^manifest\.json, extra: unknown key"),
    ("empty draw_id", changed(_set(draw_id="")), r"draw_id: expected non-empty text, got \"\""),
    ("numeric draw_id", changed(_set(draw_id=5)), r"draw_id: expected non-empty text, got 5"),
    (
        "lone surrogate",
        json.dumps({**BASE, "draw_id": "\ud800"}).encode(),
        r"draw_id: expected text UTF-8 can",
    ),
    (
        "no such date",
        changed(_set(appointment_date="2026-02-30")),
        r"appointment_date: expected a date as YYYY",
    ),
    ("short date", changed(_set(appointment_date="2026-2-3")), r"appointment_date: expected a date"),
    ("date number", changed(_set(appointment_date=20261215)), r"appointment_date: expected a date"),
    ("upper hex", changed(_set(commitment="AB" * 32)), r"commitment: expected 64 lowercase hex digits"),
    ("short hex", changed(_set(commitment="ab")), r"commitment: expected 64 lowercase hex digits"),
    ("bad seed", changed(_set(server_seed="zz" * 32)), r"server_seed: expected 64 lowercase hex digits"),
    ("other seed", changed(_set(server_seed="00" * 32)), r"server_seed: does not match commitment"),
    (
        "beacon list",
        changed(_set(beacon=[])),
        r"beacon: expected an object with exactly the keys source, round",
    ),
    ("beacon extra", changed(lambda value: value["beacon"].update(x=1)), r"beacon: expected an object"),
    (
        "beacon source",
        changed(lambda value: value["beacon"].update(source="")),
        r"beacon\.source: expected non",
    ),
    (
        "beacon round",
        changed(lambda value: value["beacon"].update(round=-1)),
        r"beacon\.round: expected an int",
    ),
    (
        "round bool",
        changed(lambda value: value["beacon"].update(round=True)),
        r"beacon\.round: expected an int",
    ),
    (
        "odd value",
        changed(lambda value: value["beacon"].update(value="abc")),
        r"beacon\.value: expected non-emp",
    ),
    (
        "empty value",
        changed(lambda value: value["beacon"].update(value="")),
        r"beacon\.value: expected non-emp",
    ),
    ("upper value", changed(lambda value: value["beacon"].update(value="AB")), r"beacon\.value: expected"),
    ("reserve < 0", changed(_set(reserve_percent=-1)), r"reserve_percent: expected an integer from 0 to 100"),
    (
        "reserve > 100",
        changed(_set(reserve_percent=101)),
        r"reserve_percent: expected an integer from 0 to 100",
    ),
    (
        "reserve bool",
        changed(_set(reserve_percent=True)),
        r"reserve_percent: expected an integer .*, got true",
    ),
    (
        "reserve float",
        changed(_set(reserve_percent=10.0)),
        r"reserve_percent: expected an integer .*, got 10\.0",
    ),
    ("reserve text", changed(_set(reserve_percent="10")), r"reserve_percent: expected an integer"),
    ("capacity object", changed(_set(capacity={})), r"capacity: expected a list of slots, got \{\}"),
    (
        "slot not object",
        changed(_set(capacity=[1])),
        r"capacity\[0\]: expected an object with exactly the keys",
    ),
    (
        "slot no seats",
        changed(lambda value: value["capacity"][1].pop("seats")),
        r"capacity\[1\]: expected an o",
    ),
    ("empty port", changed(_slot(0, port="")), r"capacity\[0\]\.port: expected printable ASCII without"),
    ("port with |", changed(_slot(0, port="S|S")), r"capacity\[0\]\.port: expected printable ASCII"),
    ("port with ,", changed(_slot(0, port="S,S")), r"capacity\[0\]\.port: expected printable ASCII"),
    ("slot space", changed(_slot(2, slot="8 00")), r"capacity\[2\]\.slot: expected printable ASCII"),
    ("port number", changed(_slot(0, port=1)), r"capacity\[0\]\.port: expected printable ASCII"),
    ("negative seats", changed(_slot(1, seats=-1)), r"capacity\[1\]\.seats: expected an integer ≥ 0, got -1"),
    ("float seats", changed(_slot(1, seats=1.5)), r"capacity\[1\]\.seats: expected an integer ≥ 0, got 1\.5"),
    (
        "slot twice",
        changed(_slot(1, slot="08:00")),
        r"capacity\[1\]: slot '08:00' of port 'SYS' is listed twice",
    ),
    ("entries hash", changed(_set(entries_sha256=None)), r"entries_sha256: expected 64 lowercase hex digits"),
    ("results hash", changed(_set(results_sha256="")), r"results_sha256: expected 64 lowercase hex digits"),
]


@pytest.mark.parametrize(
    ("data", "message"),
    [(data, message) for _, data, message in INVALID],
    ids=[name for name, _, _ in INVALID],
)
def test_an_invalid_manifest_is_refused_naming_the_field(data: bytes, message: str) -> None:
    assert re.search(message, refusal(data)), refusal(data)


def test_a_long_bad_value_is_shortened_in_the_message() -> None:
    message = refusal(changed(_set(draw_id=["x" * 200])))
    assert message.endswith("xxxxxxxx...")
    assert len(message) < 150


VALID = manifest_from_bytes(json.dumps(BASE).encode())


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            dataclasses.replace(VALID, reserve_percent=101),
            r"reserve_percent: expected an integer from 0 to 100",
        ),
        (
            dataclasses.replace(VALID, appointment_date="2026-12-15"),  # type: ignore[arg-type]
            r"appointment_date: expected a datetime\.date",
        ),
        (
            dataclasses.replace(VALID, appointment_date=datetime.datetime(2026, 12, 15, 8, 0)),
            r"appointment_date: expected a date as YYYY-MM-DD",
        ),
        (
            dataclasses.replace(VALID, beacon={"source": "x"}),  # type: ignore[arg-type]
            r"beacon: expected a Beacon or None",
        ),
        (
            dataclasses.replace(VALID, capacity=({"port": "SYS"},)),  # type: ignore[arg-type]
            r"capacity\[0\]: expected a Capacity",
        ),
        (dataclasses.replace(VALID, draw_id=""), r"draw_id: expected non-empty text"),
        (
            dataclasses.replace(VALID, commitment=b"ab"),  # type: ignore[arg-type]
            r"commitment: expected 64 lowercase hex digits, got b'ab'",
        ),
    ],
)
def test_an_invalid_manifest_value_is_refused_before_writing(manifest: Manifest, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        manifest_check(manifest)
    with pytest.raises(BundleError, match=message):
        manifest_to_bytes(manifest)
