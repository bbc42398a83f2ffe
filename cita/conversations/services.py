"""Writes of the conversations domain: one text message in, at most one reply out.

`message_receive` records the message once (a provider that sends it again changes nothing), finds the
account whose proven phone sent it (a phone no code has proven acts for nobody), reads the command
(cita.conversations.commands) and calls the same services the web pages call — `request_submit`,
`offer_confirm`, `offer_decline`, `appointment_cancel`, `applicant_language_set` — with the applicant as the
actor, so their rules, audit events and notices are exactly the web's. The reply is owed through the outbox
(kind `reply`, to the number that wrote, on the channel it wrote on) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from cita.appointments.models import Appointment
from cita.appointments.services import appointment_cancel, pass_url
from cita.appointments.services.offers import offer_confirm, offer_decline
from cita.conversations import replies
from cita.conversations.commands import MENU, Parsed, language_named, parse
from cita.conversations.models import Command, Conversation, InboundMessage, Provider, ProviderHour, Step
from cita.conversations.selectors import (
    applicant_for_phone,
    appointment_scheduled,
    messages_since,
    offer_code,
    offer_codes,
    offers_open,
    ports_for_menu,
    request_latest,
)
from cita.core import clock, crypto
from cita.core.actors import Actor, Role
from cita.core.errors import CitaError
from cita.core.languages import LANGUAGE_CODES
from cita.draws.services import request_submit
from cita.notifications.contract import MAX_PORT_ADDRESS, MAX_PORT_NAME
from cita.notifications.gsm import segments, sms_prepare
from cita.notifications.models import Channel, Delivery, Notice, NoticeKind
from cita.notifications.rendering import date_format, moment_format, time_format
from cita.notifications.services import notice_enqueue, number_start, number_stop
from cita.ports.models import Port
from cita.registrations.errors import InvalidContact
from cita.registrations.models import Applicant
from cita.registrations.normalise import phone_normalise
from cita.registrations.services import applicant_language_set

log = logging.getLogger(__name__)

# A number no account has gets the sign-up message once in this long, whatever it sends.
UNREGISTERED_QUIET = dt.timedelta(hours=24)
# The words of a message kept for the account's history, at most (an SMS of 10 parts).
TEXT_KEPT = 1600
# Numbers no account has and that say nothing we know are written to in this language.
DEFAULT_LANGUAGE = "es"


@dataclass(frozen=True)
class Reply:
    """What one message was understood as, and the words to send back (none: no reply)."""

    command: str
    text: str | None


def message_receive(*, provider: str, message_id: str, phone: str, text: str) -> InboundMessage | None:
    """Handle one text message once: returns its record, or None when it was handled before (the same
    provider and message id) or its number cannot be read."""
    try:
        number = phone_normalise(phone if phone.startswith("+") else f"+{phone}")
    except InvalidContact:
        log.warning("inbound message from an unreadable number", extra={"provider": provider})
        return None
    phone_indexes = crypto.blind_indexes(number, purpose="phone")  # newest key first
    phone_index = phone_indexes[0]
    now = clock.now()
    if not _provider_budget_spend(provider, now):
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = InboundMessage.objects.create(
                    provider=provider,
                    message_id=message_id[:128],
                    phone_index=phone_index,
                    command=Command.UNKNOWN,
                    received_at=now,
                )
        except IntegrityError:
            return None  # seen before: already answered
        conversation = _conversation_locked(phone_indexes, now)
        applicant = applicant_for_phone(phone_indexes=phone_indexes)
        recent = messages_since(phone_indexes=phone_indexes, since=now - dt.timedelta(hours=1))
        if recent > settings.CITA_CONVERSATION_RATE_PER_HOUR:
            reply = Reply(Command.LIMITED, None)
            language = DEFAULT_LANGUAGE
        elif (parsed := parse(text)).command in ("stop", "start"):
            language = applicant.language if applicant else _guess_language(parsed, conversation)
            reply = _stop_or_start(parsed.command, number, language)
        elif applicant is None:
            language = _guess_language(parsed, conversation)
            reply = _unregistered(phone_indexes, now, language, command=Command.UNREGISTERED)
        elif applicant.phone_verified_at is None:
            # A number on an account that no code has proven (a shelter worker typed it in): whoever holds
            # this phone is told how to prove it, and acts for nobody until then.
            language = applicant.language
            reply = _unregistered(phone_indexes, now, language, command=Command.UNVERIFIED)
            applicant = None
        else:
            language = applicant.language
            with translation.override(language):
                reply = _Session(applicant, conversation, now, provider=provider).handle(parsed)
            if reply.command == Command.LANGUAGE:  # answered in the language just chosen
                language = Applicant.objects.values_list("language", flat=True).get(pk=applicant.pk)
        if applicant is not None and applicant.phone_verified_at is None:
            applicant = None  # STOP or START from a phone no code has proven: no account's record
        row.command = reply.command
        row.applicant = applicant
        if applicant is not None:  # an account's history, read by its shelter's workers
            row.text, row.reply = text[:TEXT_KEPT], reply.text
        row.save(update_fields=["command", "applicant", "text", "reply"])
        if reply.text:
            notice_enqueue(
                kind=NoticeKind.REPLY,
                dedup_key=f"reply-{provider}-{message_id}"[:200],
                address=number,
                address_kind=provider,
                language=language,
                context={"text": reply.text},
            )
        return row


def _provider_budget_spend(provider: str, now: dt.datetime) -> bool:
    """Count one message against the provider's budget for this clock hour; False when it is spent (the
    first message over it is logged, the rest of the hour is not). One statement in its own transaction:
    the counter row is held for a moment, not for the whole handling of a message."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO conversations_providerhour AS h (provider, hour, messages) VALUES (%s, %s, 1)
            ON CONFLICT (provider, hour) DO UPDATE SET messages = h.messages + 1
            RETURNING messages
            """,
            [provider, hour],
        )
        (count,) = cursor.fetchone()
    if count == 1:
        ProviderHour.objects.filter(hour__lt=hour - dt.timedelta(days=1)).delete()
    budget = settings.CITA_CONVERSATION_PROVIDER_RATE_PER_HOUR
    if count == budget + 1:
        log.warning(
            "text-message provider over its hourly budget",
            extra={"provider": provider, "budget": budget, "hour": hour.isoformat()},
        )
    return count <= budget


def _conversation_locked(phone_indexes: list[str], now: dt.datetime) -> Conversation:
    """The phone's conversation, locked: one phone's messages are handled one after the other.

    A conversation kept under an older key of the index ring moves to the current key (its number is
    known only here, so `cita manage reindex` cannot move it)."""
    phone_index, older = phone_indexes[0], phone_indexes[1:]
    if older and not Conversation.objects.filter(phone_index=phone_index).exists():
        Conversation.objects.filter(phone_index__in=older).update(phone_index=phone_index)
    Conversation.objects.bulk_create(
        [Conversation(phone_index=phone_index, updated_at=now)], ignore_conflicts=True
    )
    return Conversation.objects.select_for_update().get(phone_index=phone_index)


def _guess_language(parsed: Parsed, conversation: Conversation) -> str:
    """For a number no account has: the language of the word it used, else the one it used before."""
    if len(parsed.languages) == 1:
        guess = parsed.languages[0]
    elif parsed.command == "language":
        guess = language_named(parsed.args) or ""
    else:
        guess = ""
    language = guess or conversation.language or DEFAULT_LANGUAGE
    if language != conversation.language:
        conversation.language = language
        conversation.save(update_fields=["language"])
    return language


def _stop_or_start(command: str, number: str, language: str) -> Reply:
    """STOP: nothing more to this number but replies to its own messages (the outbox skips the rest);
    START: messages again. Any number may, with an account or not; the reply says which it is now."""
    if command == Command.STOP:
        number_stop(number=number)
    else:
        number_start(number=number)
    with translation.override(language):
        text = str(replies.STOPPED if command == Command.STOP else replies.STARTED)
    return Reply(command, text)


def _unregistered(phone_indexes: list[str], now: dt.datetime, language: str, *, command: str) -> Reply:
    """How to sign up (UNREGISTERED) or to prove the number with a sign-in code (UNVERIFIED), once a day
    at most: a number that may act for nobody cannot make cita send it messages at will."""
    before = InboundMessage.objects.filter(
        phone_index__in=phone_indexes,
        command=command,
        received_at__gte=now - UNREGISTERED_QUIET,
    ).exists()
    text = None
    if not before:
        words = replies.UNREGISTERED if command == Command.UNREGISTERED else replies.UNVERIFIED
        with translation.override(language):
            text = str(words) % {"url": f"{settings.CITA_BASE_URL}/signin"}
    return Reply(command, text)


# A port in the ASK menu is named in this many characters at most, so that nine of them fit the reply.
MENU_LABEL = 16


def _port_label(port: Port, *, length: int = MAX_PORT_NAME) -> str:
    return port.name[:length].strip()


class _Session:
    """One message of a known applicant, answered in their language (the caller set it)."""

    def __init__(
        self, applicant: Applicant, conversation: Conversation, now: dt.datetime, *, provider: str
    ) -> None:
        self.provider = provider
        self.applicant = applicant
        self.conversation = conversation
        self.now = now
        self.language = applicant.language if applicant.language in LANGUAGE_CODES else "en"
        self.actor = Actor(role=Role.APPLICANT, applicant_id=applicant.pk, language=applicant.language)

    def handle(self, parsed: Parsed) -> Reply:
        step = self.conversation.step
        if step and self.conversation.expires_at and self.conversation.expires_at <= self.now:
            step = ""
        data = dict(self.conversation.step_data)
        if self.conversation.step:
            self._step_set(Step.NONE)
        if step == Step.CANCEL and parsed.command == "confirm" and not parsed.args:
            return self._cancel_confirmed(int(data["appointment"]))
        if parsed.command == "number" and parsed.args == ("0",):
            step = ""  # 0 is the menu whatever step the conversation is in
        if step == Step.ASK and parsed.command == "number":
            return self._ask(parsed.numbers, data.get("ports"))
        if step == Step.LANGUAGE and parsed.command == "number" and language_named(parsed.args):
            return self._language(parsed.args)
        command = parsed.command
        if command == "number":
            command = MENU.get(parsed.args[0], "") if len(parsed.args) == 1 else ""
            parsed = Parsed(command)
        handlers: dict[str, Callable[[Parsed], Reply]] = {
            "status": lambda p: self._status(),
            "ask": lambda p: self._ask(p.numbers, None) if p.numbers else self._ports_menu(),
            "confirm": lambda p: self._answer(p, confirm=True),
            "decline": lambda p: self._answer(p, confirm=False),
            "cancel": lambda p: self._cancel_ask(),
            "language": lambda p: self._language(p.args),
        }
        handler = handlers.get(command)
        if handler is None:
            return Reply(Command.HELP if command == "help" else Command.UNKNOWN, str(replies.MENU))
        return handler(parsed)

    # -- words ---------------------------------------------------------------------------------------
    def _when(self, day: dt.date, slot: dt.time | None = None) -> dict[str, str]:
        out = {"date": date_format(day, self.language, year=False)}
        if slot is not None:
            out["slot"] = time_format(slot, self.language)
        return out

    def _step_set(self, step: str, **data: Any) -> None:
        minutes = settings.CITA_CONVERSATION_STEP_MINUTES
        self.conversation.step = step
        self.conversation.step_data = data
        self.conversation.expires_at = self.now + dt.timedelta(minutes=minutes) if step else None
        self.conversation.updated_at = self.now
        self.conversation.save(update_fields=["step", "step_data", "expires_at", "updated_at"])

    def _call(self, command: str, action: Callable[[], str]) -> Reply:
        """Run a service in a savepoint; a rule it refuses with becomes the reply, in the reader's words."""
        last = Notice.objects.order_by("-id").values_list("id", flat=True).first() or 0
        try:
            with transaction.atomic():
                text = action()
        except CitaError as exc:
            return Reply(command, _fit(f"cita: {exc.message}"))
        if self.provider == Provider.SMS and self._told_by_sms(after=last):
            # The service owed the group a notice of the change by SMS, to this very phone (its account's
            # number): that notice is the answer; a reply as well would be the same news twice.
            return Reply(command, None)
        return Reply(command, text)

    def _told_by_sms(self, *, after: int) -> bool:
        return Delivery.objects.filter(
            notice__id__gt=after, notice__applicant_id=self.applicant.pk, channel=Channel.SMS
        ).exists()

    # -- commands ------------------------------------------------------------------------------------
    def _status(self) -> Reply:
        offers = offers_open(actor=self.actor)
        if offers:
            offer = offers[0]
            text = str(replies.OFFER) % {
                "port": _port_label(offer.port),
                **self._when(offer.day, offer.slot),
                "deadline": moment_format(offer.deadline, offer.port.time_zone, self.language),
                "code": offer_code(offer_id=offer.pk),
            }
            return Reply(Command.STATUS, text)
        appointment = appointment_scheduled(actor=self.actor)
        if appointment is not None:
            text = str(replies.APPOINTMENT) % {
                "port": _port_label(appointment.port),
                **self._when(appointment.day, appointment.slot),
                "pass_url": pass_url(appointment),
            }
            return Reply(Command.STATUS, text)
        request = request_latest(actor=self.actor)
        if request is not None and request.state in ("submitted", "entered", "not_selected"):
            words = (
                replies.REQUEST_NOT_SELECTED if request.state == "not_selected" else replies.REQUEST_WAITING
            )
            text = str(words) % {"ticket": request.ticket, **self._when(request.draw.appointment_date)}
            return Reply(Command.STATUS, text)
        return Reply(Command.STATUS, str(replies.NOTHING))

    def _ports_text(self, ports: list[Port]) -> str:
        return ", ".join(f"{n} {_port_label(p, length=MENU_LABEL)}" for n, p in enumerate(ports, start=1))

    def _ports_menu(self) -> Reply:
        ports = ports_for_menu()
        if not ports:
            return Reply(Command.ASK, str(replies.NO_PORTS))
        self._step_set(Step.ASK, ports=[p.code for p in ports])
        return Reply(Command.ASK, _fit(str(replies.PORTS) % {"ports": self._ports_text(ports)}))

    def _ask(self, numbers: list[int], codes: list[str] | None) -> Reply:
        ports = {p.code: p for p in ports_for_menu()}
        menu = codes or list(ports)
        if not numbers or len(numbers) > 3 or len(set(numbers)) != len(numbers):
            chosen: list[str] | None = None
        else:
            chosen = [menu[n - 1] for n in numbers if 1 <= n <= len(menu)]
            chosen = chosen if len(chosen) == len(numbers) else None
        if not chosen:
            shown = [ports[c] for c in menu if c in ports]
            self._step_set(Step.ASK, ports=[p.code for p in shown])
            return Reply(Command.ASK, _fit(str(replies.PORTS_AGAIN) % {"ports": self._ports_text(shown)}))

        def submit() -> str:
            request = request_submit(applicant=self.applicant, ports=chosen, actor=self.actor)
            return str(replies.ASKED) % {
                "ticket": request.ticket,
                **self._when(request.draw.appointment_date),
            }

        return self._call(Command.ASK, submit)

    def _answer(self, parsed: Parsed, *, confirm: bool) -> Reply:
        command = Command.CONFIRM if confirm else Command.DECLINE
        offers = offers_open(actor=self.actor)
        if not offers:
            return Reply(command, str(replies.NO_OFFER))
        codes = {arg for arg in parsed.args if arg.isdigit()}
        offer = next((o for o in offers if codes.intersection(offer_codes(offer_id=o.pk))), None)
        if offer is None:
            # A bare "yes" (or a wrong code) confirms nothing: the person must name the place.
            return Reply(command, str(replies.CODE_NEEDED))

        def confirmed() -> str:
            appointment = offer_confirm(offer=offer, actor=self.actor)
            return str(replies.CONFIRMED) % {
                "port": _port_label(appointment.port),
                "address": appointment.port.address[:MAX_PORT_ADDRESS].strip(),
                **self._when(appointment.day, appointment.slot),
                "pass_url": pass_url(appointment),
            }

        def declined() -> str:
            offer_decline(offer=offer, actor=self.actor)
            return str(replies.DECLINED)

        return self._call(command, confirmed if confirm else declined)

    def _cancel_ask(self) -> Reply:
        appointment = appointment_scheduled(actor=self.actor)
        if appointment is None:
            return Reply(Command.CANCEL, str(replies.NO_APPOINTMENT))
        self._step_set(Step.CANCEL, appointment=appointment.pk)
        text = str(replies.CANCEL_ASK) % {
            "port": _port_label(appointment.port),
            **self._when(appointment.day),
        }
        return Reply(Command.CANCEL, text)

    def _cancel_confirmed(self, appointment_id: int) -> Reply:
        appointment = appointment_scheduled(actor=self.actor)
        if appointment is None or appointment.pk != appointment_id:
            return Reply(Command.CANCEL, str(replies.NO_APPOINTMENT))
        target: Appointment = appointment

        def cancel() -> str:
            appointment_cancel(appointment=target, reason="applicant", actor=self.actor)
            return str(replies.CANCELLED)

        return self._call(Command.CANCEL, cancel)

    def _language(self, args: tuple[str, ...]) -> Reply:
        language = language_named(args)
        if language is None:
            self._step_set(Step.LANGUAGE)
            return Reply(Command.LANGUAGE, replies.LANGUAGES)

        def change() -> str:
            applicant_language_set(actor=self.actor, applicant=self.applicant, language=language)
            with translation.override(language):
                return str(replies.LANGUAGE_SET)

        return self._call(Command.LANGUAGE, change)


def _fit(text: str) -> str:
    """`text` cut to two SMS parts when a long service message or port list would run over."""
    limit = len(text)
    while limit > 20 and segments(sms_prepare(text[:limit])) > 2:
        limit -= 10
    return text if limit == len(text) else text[: limit - 3].rstrip() + "..."
