"""The context contract: which keys each kind of notice needs, checked when the notice is enqueued.

A missing or malformed key fails in the transaction of the change that owes the notice (a programming
error shows in that service's tests), never later in the worker. Values are normalised to JSON text:
dates `YYYY-MM-DD`, slots `HH:MM` (local to the port), deadlines ISO datetimes in UTC. Unknown keys are
refused too, so that nothing else (personal data above all) slips into the outbox. docs/notifications.md
lists the same table for the people who enqueue notices.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from cita.notifications.errors import InvalidNoticeContext
from cita.notifications.gsm import segments, sms_prepare
from cita.notifications.models import NoticeKind

Normaliser = Callable[[str, Any], Any]

_SLOT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_TICKET = re.compile(r"^[A-Z0-9]{10}$")
_PORT_CODE = re.compile(r"^[A-Z]{3}$")
_CODE = re.compile(r"^[0-9A-Z]{4,12}$")

# Longest values the SMS texts are sized for (tests/notifications/test_messages.py renders every kind in
# every language with values this long and checks the segment count).
MAX_PORT_NAME = 40
MAX_PORT_ADDRESS = 90
MAX_URL = 80
# A reply to a text message (cita.conversations) fits one part where it can, never more than two.
MAX_REPLY_SEGMENTS = 2

CANCEL_REASONS = ("applicant", "ngo", "staff", "port_closed", "other")


def _fail(key: str, why: str) -> InvalidNoticeContext:
    return InvalidNoticeContext(f"context key {key!r} {why}")


def ident(key: str, value: Any) -> int | str:
    """A database id or other short identifier: a positive int or a non-empty short string."""
    if isinstance(value, bool):
        raise _fail(key, "must be an id, not a boolean")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and 0 < len(value) <= 64:
        return value
    raise _fail(key, f"must be a positive int or a short string, not {value!r}")


def text(max_len: int) -> Normaliser:
    """Non-empty text of at most `max_len` characters."""

    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _fail(key, "must be non-empty text")
        if len(value) > max_len:
            raise _fail(key, f"must be at most {max_len} characters (it is shown in SMS)")
        return value.strip()

    return check


def pattern(regex: re.Pattern[str], example: str) -> Normaliser:
    """Text matching `regex`."""

    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or not regex.match(value):
            raise _fail(key, f"must look like {example!r}, not {value!r}")
        return value

    return check


def date(key: str, value: Any) -> str:
    """A calendar date: `datetime.date` or `YYYY-MM-DD`."""
    if isinstance(value, dt.datetime):
        raise _fail(key, "must be a date, not a datetime")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise _fail(key, f"must be a date YYYY-MM-DD, not {value!r}")


def slot(key: str, value: Any) -> str:
    """A time of day local to the port: `datetime.time` or `HH:MM`."""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, str) and _SLOT.match(value):
        return value
    raise _fail(key, f"must be a time HH:MM, not {value!r}")


def instant(key: str, value: Any) -> str:
    """A moment: an aware `datetime` or an ISO datetime with its offset; stored in UTC."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise _fail(key, f"must be an ISO datetime, not {value!r}") from exc
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise _fail(key, "must be an ISO datetime with its time zone (UTC)")
    return value.astimezone(dt.UTC).isoformat()


def time_zone(key: str, value: Any) -> str:
    """An IANA time zone name."""
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise _fail(key, f"must be an IANA time zone, not {value!r}") from exc
    return str(value)


def days(key: str, value: Any) -> int:
    """A number of days from 0 to 365."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
        raise _fail(key, f"must be whole days from 0 to 365, not {value!r}")
    return value


def flag(key: str, value: Any) -> bool:
    """True or False."""
    if not isinstance(value, bool):
        raise _fail(key, f"must be true or false, not {value!r}")
    return value


def minutes(key: str, value: Any) -> int:
    """A number of minutes from 1 to 1440."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1440:
        raise _fail(key, f"must be whole minutes from 1 to 1440, not {value!r}")
    return value


def hours(key: str, value: Any) -> int:
    """A number of hours from 1 to 168."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 168:
        raise _fail(key, f"must be whole hours from 1 to 168, not {value!r}")
    return value


def channel(key: str, value: Any) -> str:
    """Which kind of contact: sms or email."""
    if value not in ("sms", "email"):
        raise _fail(key, f"must be sms or email, not {value!r}")
    return str(value)


def url(key: str, value: Any) -> str:
    """An http(s) URL short enough for an SMS."""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")) or " " in value:
        raise _fail(key, f"must be an http(s) URL, not {value!r}")
    if len(value) > MAX_URL:
        raise _fail(key, f"must be at most {MAX_URL} characters (it is shown in SMS)")
    return value


def reason(key: str, value: Any) -> str:
    """Why an appointment was cancelled: one of CANCEL_REASONS."""
    if value not in CANCEL_REASONS:
        raise _fail(key, f"must be one of {', '.join(CANCEL_REASONS)}, not {value!r}")
    return str(value)


@dataclass(frozen=True)
class Contract:
    """The keys a kind needs, those it may have, and those needed when a flag is true."""

    required: Mapping[str, Normaliser]
    optional: Mapping[str, Normaliser] = field(default_factory=dict)
    when: Mapping[str, Mapping[str, Normaliser]] = field(default_factory=dict)

    def keys(self) -> set[str]:
        """Every key this kind accepts."""
        names = set(self.required) | set(self.optional)
        for extra in self.when.values():
            names |= set(extra)
        return names


PORT_NAME = text(MAX_PORT_NAME)


def reply_text(key: str, value: Any) -> str:
    """The words of a reply to a text message, already in the reader's language: at most two SMS parts."""
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, "must be a non-empty string")
    if segments(sms_prepare(value)) > MAX_REPLY_SEGMENTS:
        raise _fail(key, f"must fit {MAX_REPLY_SEGMENTS} SMS parts: {value!r}")
    return value


PLACE = {"port_name": PORT_NAME, "date": date, "slot": slot, "time_zone": time_zone}

CONTRACTS: dict[str, Contract] = {
    NoticeKind.SIGNIN_CODE: Contract({"code": pattern(_CODE, "123456"), "minutes": minutes}),
    NoticeKind.REQUEST_RECEIVED: Contract(
        {"ticket": pattern(_TICKET, "K7Q2M9X4AB"), "draw_id": ident, "appointment_date": date}
    ),
    NoticeKind.SELECTED: Contract(
        {
            "ticket": pattern(_TICKET, "K7Q2M9X4AB"),
            "offer_id": ident,
            "port_code": pattern(_PORT_CODE, "SYS"),
            **PLACE,
            "deadline": instant,
        },
        optional={"url": url},
    ),
    NoticeKind.NOT_SELECTED: Contract(
        {"ticket": pattern(_TICKET, "K7Q2M9X4AB"), "draw_id": ident, "appointment_date": date},
        # The day the draw ran and its page with the ticket lookup (issue 15; both, or none in notices
        # queued before).
        optional={"draw_date": date, "lookup_url": url},
    ),
    NoticeKind.DEADLINE_REMINDER: Contract(
        {"offer_id": ident, "deadline": instant, **PLACE},
        {
            "url": url,
            # A closure moved the open offer (cita.appointments.services.rebooking): from where; and, moved
            # away from the group's first port, the choice to wait for it (both, or none).
            "old_port_name": PORT_NAME,
            "old_date": date,
            "first_port_name": PORT_NAME,
            "wait_from": date,
        },
    ),
    NoticeKind.CONFIRMED: Contract(
        {"appointment_id": ident, **PLACE, "port_address": text(MAX_PORT_ADDRESS), "pass_url": url},
        # The group moved its appointment to another port or day (cita.appointments.services.swap).
        optional={"changed": flag},
    ),
    NoticeKind.REBOOKED: Contract(
        {"appointment_id": ident, "placed": flag, "old_port_name": PORT_NAME, "old_date": date},
        # A group moved away from its first port may choose to wait for it (all four, or none).
        optional={"first_port_name": PORT_NAME, "wait_from": date, "wait_url": url, "notice_days": days},
        when={"placed": {**PLACE, "pass_url": url}},
    ),
    NoticeKind.CANCELLED: Contract(
        {"appointment_id": ident, "port_name": PORT_NAME, "date": date, "reason": reason}
    ),
    NoticeKind.SIGNIN_LOCKED: Contract({"hours": hours}),
    NoticeKind.CONTACT_CHANGED: Contract({"channel": channel}),
    NoticeKind.DAY_BEFORE: Contract(
        {"appointment_id": ident, **PLACE, "port_address": text(MAX_PORT_ADDRESS), "pass_url": url}
    ),
    NoticeKind.NO_SHOW: Contract({"appointment_id": ident, "port_name": PORT_NAME, "date": date}),
    NoticeKind.REPLY: Contract({"text": reply_text}),
}


def context_validate(kind: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The context normalised to JSON values; raises InvalidNoticeContext naming the first problem."""
    contract = CONTRACTS.get(kind)
    if contract is None:
        raise InvalidNoticeContext(f"unknown notice kind {kind!r}")
    unknown = sorted(set(context) - contract.keys())
    if unknown:
        raise InvalidNoticeContext(
            f"{kind}: context keys {unknown} are not in the contract; allowed: {sorted(contract.keys())}"
        )
    needed = dict(contract.required)
    for flag_key, extra in contract.when.items():
        if context.get(flag_key) is True:
            needed.update(extra)
    missing = sorted(set(needed) - set(context))
    if missing:
        raise InvalidNoticeContext(f"{kind}: context is missing {missing}")
    clean = {key: check(key, context[key]) for key, check in needed.items()}
    for key, check in contract.optional.items():
        if context.get(key) is not None:
            clean[key] = check(key, context[key])
    return clean


def context_validate_columns(
    kind: str, shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The contract for many notices at once: `shared` holds the values every notice has, `columns` one
    value per notice for each other key. Returns both normalised; raises InvalidNoticeContext naming the
    first problem (for a column value: its key and its position).

    Each key is checked once against the contract and each column value by its key's normaliser, as
    `context_validate` does one notice at a time. A key that makes other keys needed (a flag such as
    `placed`) must be shared: every notice of the batch then needs the same keys. An optional key's column
    may hold None where a notice has no such value.
    """
    contract = CONTRACTS.get(kind)
    if contract is None:
        raise InvalidNoticeContext(f"unknown notice kind {kind!r}")
    both = sorted(set(shared) & set(columns))
    if both:
        raise InvalidNoticeContext(f"{kind}: context keys {both} are given both shared and per notice")
    flags = sorted(set(columns) & set(contract.when))
    if flags:
        raise InvalidNoticeContext(f"{kind}: context keys {flags} decide which keys are needed: share them")
    # The keys: one probe notice made of the shared values and the first value of each column.
    probe = {
        **shared,
        **{key: next((v for v in values if v is not None), None) for key, values in columns.items()},
    }
    clean = context_validate(kind, {key: value for key, value in probe.items() if value is not None})
    checks = {**contract.required, **contract.optional}
    for extra in contract.when.values():
        checks.update(extra)
    clean_columns: dict[str, list[Any]] = {}
    for key, values in columns.items():
        clean_columns[key] = _column_check(kind, key, values, checks[key], optional=key in contract.optional)
        clean.pop(key, None)
    return clean, clean_columns


def _column_check(
    kind: str, key: str, values: Sequence[Any], check: Normaliser, *, optional: bool
) -> list[Any]:
    """Every value of one column, normalised (None kept for an optional key)."""
    if not optional or None not in values:
        try:
            # One C loop over the column; the slow walk below only runs to name a bad value.
            return list(map(check, repeat(key), values))
        except InvalidNoticeContext:
            pass
    normalised: list[Any] = []
    for position, value in enumerate(values):
        if value is None and optional:
            normalised.append(None)
            continue
        try:
            normalised.append(check(key, value))
        except InvalidNoticeContext as exc:
            raise InvalidNoticeContext(f"{kind}: notice {position}: {exc}") from None
    return normalised
