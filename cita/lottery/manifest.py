"""manifest.json: strict reading of any valid JSON, and one stable way of writing it.

Written manifests look exactly like the example in specs/draw-v1.md: keys in the spec's order, two-space
indentation, each capacity slot and the beacon on one line, UTF-8 without escaping, a final newline, and
`results_sha256` left out until results exist. The same manifest therefore always gives the same bytes.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import NoReturn

from cita.lottery.errors import BundleError
from cita.lottery.keys import commitment_compute
from cita.lottery.model import FORMAT, MANIFEST_FILE, Beacon, Capacity, Manifest
from cita.lottery.text import text_decode

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX_BYTES = re.compile(r"(?:[0-9a-f]{2})+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Port codes and slot names are written unquoted into the CSV files: printable ASCII with no space, no
# double quote, no comma and no `|` keeps every line splittable without a CSV quoting rule.
LABEL = re.compile(r"[!#-+\--{}~]+")

_REQUIRED = (
    "format",
    "draw_id",
    "appointment_date",
    "commitment",
    "server_seed",
    "beacon",
    "reserve_percent",
    "capacity",
    "entries_sha256",
)
_KEYS = frozenset((*_REQUIRED, "results_sha256"))
_BEACON_KEYS = ("source", "round", "value")
_CAPACITY_KEYS = ("port", "slot", "seats")


def manifest_from_bytes(data: bytes) -> Manifest:
    """Read manifest.json bytes (any valid JSON layout), refusing anything draw-v1 does not allow."""
    text = text_decode(data, file=MANIFEST_FILE)
    try:
        value = json.loads(text, object_pairs_hook=_object_unique, parse_constant=_constant_refuse)
    except json.JSONDecodeError as exc:
        raise BundleError(f"not valid JSON: {exc.msg}", file=MANIFEST_FILE, line=exc.lineno) from None
    except ValueError as exc:  # a duplicate key, NaN/Infinity, or an integer too long to read
        raise BundleError(str(exc), file=MANIFEST_FILE) from None
    return _manifest_from_json(value)


def manifest_check(manifest: Manifest) -> None:
    """Raise `BundleError` unless an in-memory manifest is one draw-v1 allows."""
    # The value types first; the JSON it would be written as then goes through the reader's checks.
    if not isinstance(manifest.appointment_date, datetime.date):
        _fail("appointment_date", f"expected a datetime.date, got {manifest.appointment_date!r}")
    if manifest.beacon is not None and not isinstance(manifest.beacon, Beacon):
        _fail("beacon", f"expected a Beacon or None, got {manifest.beacon!r}")
    for number, slot in enumerate(manifest.capacity):
        if not isinstance(slot, Capacity):
            _fail(f"capacity[{number}]", f"expected a Capacity, got {slot!r}")
    _manifest_from_json(_manifest_to_json(manifest))


def manifest_to_bytes(manifest: Manifest) -> bytes:
    """The canonical manifest.json bytes of a valid manifest."""
    manifest_check(manifest)
    value = _manifest_to_json(manifest)
    items = []
    for key, item in value.items():
        if key == "capacity" and manifest.capacity:
            slots = ",\n".join(f"    {_dump(_capacity_to_json(slot))}" for slot in manifest.capacity)
            items.append(f'  "capacity": [\n{slots}\n  ]')
        else:
            items.append(f"  {_dump(key)}: {_dump(item)}")
    return ("{\n" + ",\n".join(items) + "\n}\n").encode("utf-8")


def _dump(value: object) -> str:
    """One JSON value on one line, non-ASCII text kept as UTF-8."""
    return json.dumps(value, ensure_ascii=False)


def _manifest_to_json(manifest: Manifest) -> dict[str, object]:
    """The manifest as JSON values, in the spec's key order."""
    value: dict[str, object] = {
        "format": FORMAT,
        "draw_id": manifest.draw_id,
        "appointment_date": manifest.appointment_date.isoformat(),
        "commitment": manifest.commitment,
        "server_seed": manifest.server_seed,
        "beacon": _beacon_to_json(manifest.beacon),
        "reserve_percent": manifest.reserve_percent,
        "capacity": [_capacity_to_json(slot) for slot in manifest.capacity],
        "entries_sha256": manifest.entries_sha256,
    }
    if manifest.results_sha256 is not None:
        value["results_sha256"] = manifest.results_sha256
    return value


def _beacon_to_json(beacon: Beacon | None) -> object:
    """A beacon as a JSON object (null stays null)."""
    if beacon is None:
        return None
    return {"source": beacon.source, "round": beacon.round, "value": beacon.value}


def _capacity_to_json(slot: Capacity) -> object:
    """A capacity slot as a JSON object."""
    return {"port": slot.port, "slot": slot.slot, "seats": slot.seats}


def _object_unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object, refusing a key given twice (JSON parsers disagree on which one wins)."""
    value: dict[str, object] = {}
    for key, item in pairs:
        if key in value:
            raise ValueError(f"key {key!r} appears twice in one object")
        value[key] = item
    return value


def _constant_refuse(name: str) -> NoReturn:
    """NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not a JSON number")


def _fail(field: str | None, message: str) -> NoReturn:
    """Refuse the manifest, naming the field."""
    raise BundleError(message, file=MANIFEST_FILE, field=field)


def _show(value: object) -> str:
    """A short rendering of a bad value for an error message."""
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _manifest_from_json(value: object) -> Manifest:
    """Check a parsed manifest field by field, in the spec's order, and build it."""
    if not isinstance(value, dict):
        _fail(None, f"expected a JSON object, got {_show(value)}")
    if "format" not in value:
        _fail("format", f"missing; expected {FORMAT!r}")
    if value["format"] != FORMAT:
        _fail("format", f"unknown format {_show(value['format'])}; this program reads {FORMAT!r}")
    for key in _REQUIRED:
        if key not in value:
            _fail(key, "missing")
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        _fail(unknown[0], "unknown key (draw-v1 allows only the keys it names)")
    draw_id = _text(value["draw_id"], field="draw_id")
    appointment_date = _date(value["appointment_date"], field="appointment_date")
    commitment = _hex64(value["commitment"], field="commitment")
    server_seed = value["server_seed"]
    if server_seed is not None:
        server_seed = _hex64(server_seed, field="server_seed")
        # draw-v1 §Algorithm 1: the revealed seed must be the one committed to before the window opened.
        if commitment_compute(server_seed) != commitment:
            _fail("server_seed", "does not match commitment (SHA-256 of the seed's 32 bytes differs)")
    beacon = _beacon(value["beacon"])
    reserve_percent = _integer(value["reserve_percent"], field="reserve_percent", low=0, high=100)
    capacity = _capacity(value["capacity"])
    entries_sha256 = _hex64(value["entries_sha256"], field="entries_sha256")
    results_sha256 = value.get("results_sha256")
    if results_sha256 is not None:
        results_sha256 = _hex64(results_sha256, field="results_sha256")
    return Manifest(
        draw_id=draw_id,
        appointment_date=appointment_date,
        commitment=commitment,
        server_seed=server_seed,
        beacon=beacon,
        reserve_percent=reserve_percent,
        capacity=capacity,
        entries_sha256=entries_sha256,
        results_sha256=results_sha256,
    )


def _text(value: object, *, field: str) -> str:
    """Non-empty text that UTF-8 can encode."""
    if not isinstance(value, str) or not value:
        _fail(field, f"expected non-empty text, got {_show(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _fail(field, f"expected text UTF-8 can encode, got {value!r}")
    return value


def _date(value: object, *, field: str) -> datetime.date:
    """A YYYY-MM-DD calendar date."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    _fail(field, f"expected a date as YYYY-MM-DD, got {_show(value)}")


def _hex64(value: object, *, field: str) -> str:
    """64 lowercase hexadecimal digits (32 bytes)."""
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        _fail(field, f"expected 64 lowercase hex digits, got {_show(value)}")
    return value


def _integer(value: object, *, field: str, low: int, high: int | None = None) -> int:
    """A JSON integer (not true/false, not 1.0) within [low, high]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        expected = f"an integer from {low} to {high}" if high is not None else f"an integer ≥ {low}"
        _fail(field, f"expected {expected}, got {_show(value)}")
    return value


def _object(value: object, *, field: str, keys: tuple[str, ...]) -> dict[str, object]:
    """A JSON object with exactly `keys`."""
    if not isinstance(value, dict) or set(value) != set(keys):
        _fail(field, f"expected an object with exactly the keys {', '.join(keys)}, got {_show(value)}")
    return value


def _beacon(value: object) -> Beacon | None:
    """null, or {"source": text, "round": integer ≥ 0, "value": even-length lowercase hex}."""
    if value is None:
        return None
    beacon = _object(value, field="beacon", keys=_BEACON_KEYS)
    source = _text(beacon["source"], field="beacon.source")
    round_ = _integer(beacon["round"], field="beacon.round", low=0)
    hex_value = beacon["value"]
    if not isinstance(hex_value, str) or not _HEX_BYTES.fullmatch(hex_value):
        _fail("beacon.value", f"expected non-empty, even-length lowercase hex, got {_show(hex_value)}")
    return Beacon(source=source, round=round_, value=hex_value)


def _capacity(value: object) -> tuple[Capacity, ...]:
    """The list of slots; a (port, slot) pair appears once."""
    if not isinstance(value, list):
        _fail("capacity", f"expected a list of slots, got {_show(value)}")
    slots = []
    seen: set[tuple[str, str]] = set()
    for number, item in enumerate(value):
        field = f"capacity[{number}]"
        slot = _object(item, field=field, keys=_CAPACITY_KEYS)
        port = _label(slot["port"], field=f"{field}.port")
        name = _label(slot["slot"], field=f"{field}.slot")
        seats = _integer(slot["seats"], field=f"{field}.seats", low=0)
        if (port, name) in seen:
            _fail(field, f"slot {name!r} of port {port!r} is listed twice")
        seen.add((port, name))
        slots.append(Capacity(port=port, slot=name, seats=seats))
    return tuple(slots)


def _label(value: object, *, field: str) -> str:
    """A port code or slot name that can stand unquoted in a CSV line."""
    if not isinstance(value, str) or not LABEL.fullmatch(value):
        _fail(field, f"expected printable ASCII without spaces, quotes, ',' or '|', got {_show(value)}")
    return value
