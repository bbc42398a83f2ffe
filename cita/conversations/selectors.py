"""Reads of the conversations domain: who a phone is, and where their group stands, in a reply's words."""

from __future__ import annotations

import datetime as dt

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.selectors import appointment_list_for_actor
from cita.conversations.models import InboundMessage
from cita.core import crypto
from cita.core.actors import Actor
from cita.draws.models import Offer, OfferState, Request
from cita.draws.selectors import offer_list_for_actor, request_list_for_actor
from cita.ports.models import Port
from cita.ports.selectors import port_list
from cita.registrations.models import Applicant

# The port menu of `ASK` shows at most this many ports (numbers 1–9).
MENU_PORTS = 9


def applicant_for_phone(*, phone_indexes: list[str]) -> Applicant | None:
    """The account with this phone, proven or not: the caller lets it act only if `phone_verified_at`
    (a sign-in or contact-change code came back to it). `phone_indexes` are the number's keyed hashes under
    every key of the index ring."""
    return Applicant.objects.filter(phone_index__in=phone_indexes).first()


def message_list_for_actor(*, actor: Actor, limit: int = 50) -> list[InboundMessage]:
    """The text messages the actor's account sent (with cita's replies), newest first."""
    if actor.applicant_id is None:
        return []
    rows = InboundMessage.objects.filter(applicant_id=actor.applicant_id).order_by("-received_at")
    return list(rows[:limit])


def messages_since(*, phone_indexes: list[str], since: dt.datetime) -> int:
    """How many messages this phone sent since `since` (its own rate limit)."""
    return InboundMessage.objects.filter(phone_index__in=phone_indexes, received_at__gte=since).count()


def offer_code(*, offer_id: int) -> str:
    """The 4-digit code of an offer, which a reply must carry to answer it (`YES 4821`): keyed, so that it
    cannot be guessed from the offer's id, and stable, so that every message shows the same code."""
    return offer_codes(offer_id=offer_id)[0]


def offer_codes(*, offer_id: int) -> list[str]:
    """The offer's code under every key of the index ring, newest first: a reply to a message sent before
    a rotation of `CITA_INDEX_KEY` still carries the code made with the older key."""
    digests = crypto.blind_indexes(str(offer_id), purpose="offer-code")
    return [f"{int(digest[:12], 16) % 9000 + 1000}" for digest in digests]


def offers_open(*, actor: Actor) -> list[Offer]:
    """The group's open offers, newest first."""
    return [o for o in offer_list_for_actor(actor=actor, limit=5) if o.state == OfferState.OPEN]


def appointment_scheduled(*, actor: Actor) -> Appointment | None:
    """The group's next scheduled appointment, if any."""
    rows = appointment_list_for_actor(actor=actor, active_only=True)
    return next((a for a in rows if a.state == AppointmentState.SCHEDULED), None)


def request_latest(*, actor: Actor) -> Request | None:
    """The group's latest request that is not withdrawn."""
    return next((r for r in request_list_for_actor(actor=actor, limit=3) if r.state != "withdrawn"), None)


def ports_for_menu() -> list[Port]:
    """The ports `ASK` offers, in display order."""
    return list(port_list(active_only=True)[:MENU_PORTS])
