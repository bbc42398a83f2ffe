"""Builders for notifications: contexts that honour the contract, and notices enqueued through the service."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db import transaction

from cita.notifications.contract import MAX_PORT_ADDRESS, MAX_PORT_NAME, MAX_URL
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.services import notice_enqueue
from cita.registrations.models import Applicant

_keys = itertools.count(1)

LONG_PORT = "Laredo Gateway to the Americas Bridge II"[:MAX_PORT_NAME]
LONG_ADDRESS = (
    "720 E San Ysidro Blvd, San Diego, CA 92173, PedWest entrance, gate 4, ask at window 2 please"
)[:MAX_PORT_ADDRESS]
LONG_URL = ("https://citas.cbp-border-appointments.example.gov/p/" + "Q" * 80)[:MAX_URL]

# Two full GSM-7 parts: the longest reply the contract lets through.
LONG_REPLY = ("cita: " + "x" * 400)[:306]

# Wednesday, 2026-09-30 (a long weekday and month name in every language) at 11:30 in the port's zone.
_DATE = "2026-09-30"
_DEADLINE = "2026-09-16T18:30:00+00:00"


def context_for(kind: str, *, longest: bool = False, placed: bool = True) -> dict[str, Any]:
    """A valid context for `kind`; with `longest`, every value as long as the contract lets it be."""
    port = LONG_PORT if longest else "San Ysidro"
    url = LONG_URL if longest else "https://cita.example/p/42"
    place = {"port_name": port, "date": _DATE, "slot": "11:30", "time_zone": "America/Los_Angeles"}
    contexts: dict[str, dict[str, Any]] = {
        NoticeKind.SIGNIN_CODE: {"code": "ABCD12345678" if longest else "482913", "minutes": 15},
        NoticeKind.REQUEST_RECEIVED: {"ticket": "K7Q2M9X4AB", "draw_id": 12, "appointment_date": _DATE},
        NoticeKind.SELECTED: {
            "ticket": "K7Q2M9X4AB",
            "offer_id": 7,
            "port_code": "LAR",
            **place,
            "deadline": _DEADLINE,
            **({"url": url} if longest else {}),
        },
        NoticeKind.NOT_SELECTED: {"ticket": "K7Q2M9X4AB", "draw_id": 12, "appointment_date": _DATE},
        NoticeKind.DEADLINE_REMINDER: {
            "offer_id": 7,
            "deadline": _DEADLINE,
            **place,
            **({"url": url} if longest else {}),
        },
        # A closure moved the open offer away from the group's first port (variant: `moved`).
        "offer_moved": {
            "offer_id": 7,
            "deadline": _DEADLINE,
            **place,
            "url": url,
            "old_port_name": port,
            "old_date": "2026-09-29",
            "first_port_name": port,
            "wait_from": "2026-10-01",
        },
        NoticeKind.CONFIRMED: {
            "appointment_id": 3,
            **place,
            "port_address": LONG_ADDRESS if longest else "720 E San Ysidro Blvd, San Diego, CA 92173",
            "pass_url": url,
        },
        NoticeKind.REBOOKED: (
            {"appointment_id": 3, "placed": True, "old_port_name": port, "old_date": "2026-09-29", **place}
            | {"pass_url": url}
            if placed
            else {"appointment_id": 3, "placed": False, "old_port_name": port, "old_date": "2026-09-29"}
        ),
        NoticeKind.CANCELLED: {
            "appointment_id": 3,
            "port_name": port,
            "date": _DATE,
            "reason": "other" if longest else "applicant",
        },
        NoticeKind.DAY_BEFORE: {
            "appointment_id": 3,
            **place,
            "port_address": LONG_ADDRESS if longest else "720 E San Ysidro Blvd, San Diego, CA 92173",
            "pass_url": url,
        },
        NoticeKind.NO_SHOW: {"appointment_id": 3, "port_name": port, "date": _DATE},
        NoticeKind.REPLY: {"text": LONG_REPLY if longest else "cita: 1 Estado 2 Pedir 3 Idioma"},
        NoticeKind.SIGNIN_LOCKED: {"hours": 24},
        NoticeKind.CONTACT_CHANGED: {"channel": "sms"},
    }
    return contexts[kind]


def enqueue(
    kind: str = NoticeKind.CONFIRMED,
    *,
    applicant: Applicant | None = None,
    address: str | None = None,
    address_kind: str = "",
    dedup_key: str | None = None,
    context: dict[str, Any] | None = None,
    language: str | None = None,
) -> Notice:
    """Enqueue one notice in its own transaction, as a service would."""
    with transaction.atomic():
        return notice_enqueue(
            kind=NoticeKind(kind),
            dedup_key=dedup_key or f"test:{kind}:{next(_keys)}",
            applicant=applicant,
            address=address,
            address_kind=address_kind,
            language=language,
            context=context if context is not None else context_for(kind),
        )


def at(day: str = _DATE, hour: int = 12) -> dt.datetime:
    """An aware UTC datetime on `day`."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)
