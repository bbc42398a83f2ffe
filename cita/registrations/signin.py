"""One-time codes: signing in by SMS or email without a password, and proving a new phone or email.

A code is 6 digits from `secrets`, kept only as a keyed hash bound to its random `token`, valid for
CODE_MINUTES, with at most CODE_MAX_ATTEMPTS tries. Sending is limited per contact (also per hour, to the
notifications worker's own cap, so no code is made that would not be sent), per browser session and per
network address. Wrong tries are summed per contact over a day: CITA_SIGNIN_FAILURES_PER_DAY of them lock
the contact for CITA_SIGNIN_LOCK_HOURS, and its owner is told. A code the worker did not send (skipped,
failed) opens nothing. Nothing said to the caller depends on whether the contact has an account: the
same code is sent, the same page is shown, and the account is created only once the code is right.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.crypto import blind_index, blind_indexes
from cita.core.languages import Language
from cita.core.locks import advisory_lock
from cita.notifications.models import NoticeKind
from cita.notifications.selectors import notice_undelivered
from cita.notifications.services import notice_enqueue
from cita.registrations.errors import CodeExpired, CodeWrong, ContactLocked, InvalidContact, TooManyCodes
from cita.registrations.models import (
    CODE_MAX_ATTEMPTS,
    Applicant,
    CodeChannel,
    CodePurpose,
    ContactLock,
    OneTimeCode,
)
from cita.registrations.normalise import email_normalise, phone_normalise, phone_textable
from cita.registrations.services import applicant_contact_set, applicant_get_or_create

log = logging.getLogger("cita.security")

CODE_MINUTES = 10
CODE_DIGITS = 6
# Sends allowed within LIMIT_WINDOW: per contact, per browser session, per network address. Shelters put
# many people behind one address, so that limit is high and set in the environment.
LIMIT_WINDOW = dt.timedelta(minutes=15)
PER_CONTACT = 3
PER_CLIENT = 5
# A client key of this kind is an NGO worker's account (the console registers residents one after another,
# each with a code): its limit is `CITA_NGO_CODE_LIMIT` a quarter hour, not one browser's PER_CLIENT.
STAFF_CLIENT = "staff:"
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Contact:
    """A phone number (E.164) or an email address, normalised, with the channel that reaches it."""

    channel: CodeChannel
    value: str

    @property
    def index(self) -> str:
        """The keyed hash that finds this contact (the same one an applicant's row holds)."""
        return blind_index(self.value, purpose=self._purpose)

    @property
    def indexes(self) -> list[str]:
        """Its keyed hash under every key of the index ring, newest first (what lookups match)."""
        return blind_indexes(self.value, purpose=self._purpose)

    @property
    def _purpose(self) -> str:
        return "phone" if self.channel == CodeChannel.SMS else "email"

    @property
    def masked(self) -> str:
        """Enough of the contact for its owner to spot a typo, not enough to read it off a shared screen."""
        if self.channel == CodeChannel.EMAIL:
            name, _sep, domain = self.value.partition("@")
            return f"{name[:2]}•••@{domain}"
        return f"{self.value[:3]} ••• {self.value[-4:]}"


@dataclass(frozen=True)
class CodeSent:
    """What the browser keeps after a code was sent: the handle of the code and the masked contact."""

    token: str
    masked: str
    expires_at: dt.datetime


def contact_parse(raw: str) -> Contact:
    """A phone number or an email address as typed, normalised; `InvalidContact` (field "contact")."""
    text = raw.strip()
    if not text:
        raise InvalidContact(_("Write your phone number or your email address."), field="contact")
    try:
        if "@" in text:
            return Contact(CodeChannel.EMAIL, email_normalise(text))
        return Contact(CodeChannel.SMS, phone_textable(phone_normalise(text)))
    except InvalidContact as exc:
        raise InvalidContact(exc.message, field="contact") from exc


def _hash(token: str, code: str) -> str:
    return blind_index(f"{token}:{code}", purpose="one_time_code")


def _code_matches(code_hash: str, token: str, code: str) -> bool:
    """Whether `code` is the one hashed in `code_hash`, under any key of the index ring."""
    hashes = blind_indexes(f"{token}:{code}", purpose="one_time_code")
    matches = [hmac.compare_digest(code_hash, h) for h in hashes]  # every key tried, matching or not
    return any(matches)


def _too_many(oldest: dt.datetime, window: dt.timedelta = LIMIT_WINDOW) -> TooManyCodes:
    seconds = (oldest + window - clock.now()).total_seconds()
    wait = max(1, math.ceil(seconds / 60))
    return TooManyCodes(
        ngettext(
            "You asked for too many codes. Wait %(minutes)d minute and try again.",
            "You asked for too many codes. Wait %(minutes)d minutes and try again.",
            wait,
        )
        % {"minutes": wait},
        field="contact",
    )


def _check_limits(*, contact: Contact, client: str, ip: str) -> None:
    now = clock.now()
    recent = OneTimeCode.objects.filter(created_at__gt=now - LIMIT_WINDOW)
    hour = OneTimeCode.objects.filter(created_at__gt=now - HOUR)
    for queryset, limit, window in (
        (recent.filter(contact_index__in=contact.indexes), PER_CONTACT, LIMIT_WINDOW),
        # The notifications worker sends at most this many codes an hour to one contact and skips the
        # rest; a code it would skip is refused here, so none is made that the person never gets.
        (
            hour.filter(contact_index__in=contact.indexes),
            int(settings.CITA_NOTIFY_SIGNIN_RATE_PER_HOUR),
            HOUR,
        ),
        (
            recent.filter(client_index__in=blind_indexes(client, purpose="signin_client")),
            int(settings.CITA_NGO_CODE_LIMIT) if client.startswith(STAFF_CLIENT) else PER_CLIENT,
            LIMIT_WINDOW,
        ),
        (
            recent.filter(ip_index__in=blind_indexes(ip, purpose="signin_ip")),
            int(settings.CITA_SIGNIN_IP_LIMIT),
            LIMIT_WINDOW,
        ),
    ):
        times = list(queryset.order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(times) >= limit:
            raise _too_many(times[-1], window)


def _sms_budget(*, ip_index: str, prefix_index: str) -> None:
    """Texting costs money per message: per address, per number range and for all numbers, per hour."""
    now = clock.now()
    texts = OneTimeCode.objects.filter(channel=CodeChannel.SMS, created_at__gt=now - HOUR)
    for queryset, limit in (
        (texts.filter(ip_index=ip_index), int(settings.CITA_SMS_IP_PER_HOUR)),
        (texts.filter(prefix_index=prefix_index), int(settings.CITA_SMS_PREFIX_PER_HOUR)),
    ):
        times = list(queryset.order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(times) >= limit:
            raise _too_many(times[-1], HOUR)
    budget = int(settings.CITA_SMS_HOURLY_BUDGET)
    sent = texts.count()
    if sent >= budget:
        log.error("sms budget spent", extra={"sent": sent, "budget": budget})
        raise TooManyCodes(
            _(
                "We cannot send text messages right now. Write an email address instead, or try again "
                "in an hour."
            ),
            field="contact",
        )
    if sent + 1 == math.ceil(budget * 0.8):
        # Crossing 80 % of the hour's budget: one warning for the operators (log and audit).
        log.warning("sms budget at 80 percent", extra={"sent": sent + 1, "budget": budget})
        audit_record(
            actor=Actor(role=Role.PUBLIC),
            action="sms.budget_warning",
            object_type="sms_budget",
            object_id=f"{now:%Y-%m-%dT%H}",
            data={"sent": sent + 1, "budget": budget},
        )


def _locked(until: dt.datetime, *, field: str) -> ContactLocked:
    hours = max(1, math.ceil((until - clock.now()).total_seconds() / 3600))
    return ContactLocked(
        ngettext(
            "Too many wrong codes were typed for this phone or email. To keep the account safe, "
            "signing in with it is locked for %(hours)d hour. A shelter worker can help you.",
            "Too many wrong codes were typed for this phone or email. To keep the account safe, "
            "signing in with it is locked for %(hours)d hours. A shelter worker can help you.",
            hours,
        )
        % {"hours": hours},
        field=field,
    )


def _lock_of(contact_indexes: list[str]) -> ContactLock | None:
    """The lock on a contact, found by its keyed hash under any key of the index ring."""
    return ContactLock.objects.filter(contact_index__in=contact_indexes, locked_until__gt=clock.now()).first()


def _owner(channel: str, contact_indexes: list[str]) -> Applicant | None:
    lookup = {f"{'phone' if channel == CodeChannel.SMS else 'email'}_index__in": contact_indexes}
    return Applicant.objects.filter(**lookup).first()


def _lock_contact(row: OneTimeCode, now: dt.datetime) -> dt.datetime:
    """Lock the code's contact: close its open codes, tell its owner (if it has an account), audit."""
    hours = int(settings.CITA_SIGNIN_LOCK_HOURS)
    until = now + dt.timedelta(hours=hours)
    ContactLock.objects.update_or_create(
        contact_index=row.contact_index, defaults={"locked_at": now, "locked_until": until}
    )
    OneTimeCode.objects.filter(contact_index=row.contact_index, closed_at__isnull=True).update(closed_at=now)
    owner = row.applicant or _owner(row.channel, [row.contact_index])
    if owner is not None:
        notice_enqueue(
            kind=NoticeKind.SIGNIN_LOCKED,
            dedup_key=f"signin_locked:{row.contact_index[:16]}:{now:%Y%m%d%H%M%S}",
            applicant=owner,
            address_kind=row.channel,
            context={"hours": hours},
        )
    audit_record(
        actor=Actor(role=Role.PUBLIC),
        action="signin.contact_locked",
        object_type="applicant" if owner is not None else "contact",
        object_id=owner.pk if owner is not None else "-",
        data={"channel": row.channel, "hours": hours, "code": row.pk},
    )
    return until


@transaction.atomic
def _code_send(
    *,
    contact: Contact,
    purpose: CodePurpose,
    applicant: Applicant | None,
    language: str,
    client: str,
    ip: str,
) -> CodeSent:
    contact_index = contact.index
    client_index = blind_index(client, purpose="signin_client")
    ip_index = blind_index(ip or "-", purpose="signin_ip")
    # One sender at a time per contact, so two quick requests cannot both slip under the limit.
    advisory_lock("one_time_code", contact_index)
    lock = _lock_of(contact.indexes)
    if lock is not None:
        raise _locked(lock.locked_until, field="contact")
    _check_limits(contact=contact, client=client, ip=ip or "-")
    prefix_index = ""
    if contact.channel == CodeChannel.SMS:
        # Every texter of one number range queues behind the others, so the range limit holds.
        prefix_index = blind_index(contact.value[:-3], purpose="phone_prefix")
        advisory_lock("one_time_code_sms", prefix_index)
        _sms_budget(ip_index=ip_index, prefix_index=prefix_index)
    if language not in Language.values:
        language = settings.LANGUAGE_CODE
    now = clock.now()
    # A new code replaces the older open ones for the same contact: only the newest works.
    OneTimeCode.objects.filter(
        contact_index__in=contact.indexes, purpose=purpose, closed_at__isnull=True
    ).update(closed_at=now)
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = OneTimeCode.objects.create(
        token=token,
        purpose=purpose,
        applicant=applicant,
        channel=contact.channel,
        contact=contact.value,
        contact_index=contact_index,
        code_hash=_hash(token, code),
        client_index=client_index,
        ip_index=ip_index,
        prefix_index=prefix_index,
        language=language,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
    )
    owner = applicant or _owner(contact.channel, contact.indexes)
    context = {"code": code, "minutes": CODE_MINUTES}
    if owner is not None and purpose == CodePurpose.SIGNIN:
        # A known contact: the notice belongs to the applicant (it shows in their history and uses their
        # channels); `address_kind` says which of their contacts asked for it.
        notice_enqueue(
            kind=NoticeKind.SIGNIN_CODE,
            dedup_key=f"code:{row.pk}",
            applicant=owner,
            address_kind=contact.channel,
            language=language,
            context=context,
        )
    else:
        notice_enqueue(
            kind=NoticeKind.SIGNIN_CODE,
            dedup_key=f"code:{row.pk}",
            address=contact.value,
            address_kind=contact.channel,
            language=language,
            context=context,
        )
    return CodeSent(token=token, masked=contact.masked, expires_at=row.expires_at)


def signin_code_send(*, contact: Contact, language: str, client: str, ip: str) -> CodeSent:
    """Send a sign-in code to a phone or email, known or not (the caller cannot tell the difference)."""
    return _code_send(
        contact=contact, purpose=CodePurpose.SIGNIN, applicant=None, language=language, client=client, ip=ip
    )


def signin_code_resend(*, token: str, client: str, ip: str) -> CodeSent:
    """Send a new code to the contact of an earlier one (which stops working), within the same limits."""
    row = OneTimeCode.objects.filter(token=token).first()
    if row is None:
        raise CodeExpired(_("This code has expired. Ask for a new code."), field="code")
    return _code_send(
        contact=Contact(CodeChannel(row.channel), row.contact),
        purpose=CodePurpose(row.purpose),
        applicant=row.applicant,
        language=row.language,
        client=client,
        ip=ip,
    )


def _code_check(*, token: str, code: str, purpose: CodePurpose, field: str = "code") -> OneTimeCode:
    """The open code row behind `token` when `code` matches; every try counts, even when it fails."""
    failure: Exception | None = None
    # This transaction commits the counted try before any error is raised to the caller.
    with transaction.atomic():
        row = OneTimeCode.objects.select_for_update().filter(token=token, purpose=purpose).first()
        now = clock.now()
        if row is None or row.closed_at is not None or row.expires_at <= now:
            raise CodeExpired(_("This code has expired. Ask for a new code."), field=field)
        lock = _lock_of([row.contact_index])
        if lock is not None:
            raise _locked(lock.locked_until, field=field)
        if notice_undelivered(dedup_key=f"code:{row.pk}"):
            # Never sent (over a limit, or the provider refused it): it opens nothing, and no try is
            # counted against a code its owner never had.
            row.closed_at = now
            row.save(update_fields=["closed_at"])
            failure = CodeExpired(
                _("We could not send this code. It does not work. Ask for a new code."), field=field
            )
        else:
            failure = _try(row, code=code, token=token, now=now, field=field)
            if failure is None:
                return row
    raise failure


def _try(row: OneTimeCode, *, code: str, token: str, now: dt.datetime, field: str) -> Exception | None:
    """Count one try of `code`; None when it is right (the code is closed), else the error to show."""
    row.attempts = F("attempts") + 1
    row.save(update_fields=["attempts"])
    row.refresh_from_db(fields=["attempts"])
    if _code_matches(row.code_hash, token, code.strip()):
        row.closed_at = row.used_at = now
        row.save(update_fields=["closed_at", "used_at"])
        return None
    row.wrong = F("wrong") + 1
    row.save(update_fields=["wrong"])
    wrong_today = OneTimeCode.objects.filter(
        contact_index=row.contact_index, created_at__gt=now - DAY
    ).aggregate(total=Sum("wrong"))["total"]
    if (wrong_today or 0) >= int(settings.CITA_SIGNIN_FAILURES_PER_DAY):
        return _locked(_lock_contact(row, now), field=field)
    left = CODE_MAX_ATTEMPTS - row.attempts
    if left <= 0:
        row.closed_at = now
        row.save(update_fields=["closed_at"])
        return CodeExpired(
            _("That code is not right, and it cannot be used again. Ask for a new code."), field=field
        )
    return CodeWrong(
        ngettext(
            "That code is not right. You can try %(left)d more time.",
            "That code is not right. You can try %(left)d more times.",
            left,
        )
        % {"left": left},
        field=field,
    )


def signin_code_verify(*, token: str, code: str) -> Applicant:
    """The applicant reached at the contact the code was sent to, created on first sign-in."""
    row = _code_check(token=token, code=code, purpose=CodePurpose.SIGNIN)
    with transaction.atomic():
        if row.channel == CodeChannel.SMS:
            applicant = applicant_get_or_create(phone=row.contact, language=row.language, phone_proven=True)
        else:
            applicant = applicant_get_or_create(email=row.contact, language=row.language)
        audit_record(
            actor=Actor(role=Role.APPLICANT, applicant_id=applicant.pk),
            action="applicant.signed_in",
            object_type="applicant",
            object_id=applicant.pk,
            data={"channel": row.channel},
        )
    return applicant


@dataclass(frozen=True)
class ContactChange:
    """A change of the account's phone or email under way: the code sent to the new contact (none when
    one is removed), the code sent to a current contact (none when the account has none), and what is
    removed ("phone", "email" or "")."""

    new: CodeSent | None
    current: CodeSent | None
    remove: str = ""


def _current_contact(applicant: Applicant, *, channel: str) -> Contact | None:
    """The contact that proves the owner: the one of `channel` (being replaced or removed), else the
    other one the account has."""
    phone = Contact(CodeChannel.SMS, applicant.phone) if applicant.phone else None
    email = Contact(CodeChannel.EMAIL, applicant.email) if applicant.email else None
    return (phone or email) if channel == CodeChannel.SMS else (email or phone)


def contact_change_start(
    *,
    actor: Actor,
    applicant: Applicant,
    contact: Contact | None,
    remove: str = "",
    language: str,
    client: str,
    ip: str,
) -> ContactChange:
    """Start changing the account's contact: a code to the new phone or email (it must come back), and
    a code to a current contact (the owner must prove it is them, issue 14), or only the latter when a
    contact is removed."""
    if contact is None and remove not in ("phone", "email"):
        raise ValueError("a new contact or the one to remove")
    channel = contact.channel if contact is not None else (CodeChannel.SMS if remove == "phone" else "email")
    current_contact = _current_contact(applicant, channel=channel)
    kwargs = {"purpose": CodePurpose.CONTACT, "applicant": applicant, "language": language}
    current = None
    if current_contact is not None and current_contact != contact:
        current = _code_send(contact=current_contact, client=client, ip=ip, **kwargs)  # type: ignore[arg-type]
    new = _code_send(contact=contact, client=client, ip=ip, **kwargs) if contact else None  # type: ignore[arg-type]
    return ContactChange(new=new, current=current, remove=remove if contact is None else "")


def contact_code_proven(*, applicant: Applicant, token: str) -> bool:
    """Whether the code sent to the current contact for this change was typed right (recently)."""
    since = clock.now() - dt.timedelta(minutes=3 * CODE_MINUTES)
    return OneTimeCode.objects.filter(
        token=token, applicant=applicant, purpose=CodePurpose.CONTACT, used_at__gt=since
    ).exists()


def _attests(actor: Actor, applicant: Applicant) -> bool:
    """An NGO worker of the applicant's own shelter may vouch for the person instead of the old contact."""
    return (
        actor.role is Role.NGO
        and not actor.mfa_pending
        and actor.shelter_id is not None
        and actor.shelter_id == applicant.shelter_id
    )


def contact_change_prove(*, actor: Actor, applicant: Applicant, token: str, code: str) -> None:
    """Check the code sent to the current contact (field "current_code"); it counts once proven."""
    if not OneTimeCode.objects.filter(token=token, applicant=applicant).exists():
        raise CodeExpired(_("This code has expired. Ask for a new code."), field="current_code")
    _code_check(token=token, code=code, purpose=CodePurpose.CONTACT, field="current_code")


def contact_code_send(
    *, applicant: Applicant, contact: Contact, language: str, client: str, ip: str
) -> CodeSent:
    """Send a code that proves `contact` for `applicant` (a resident an NGO worker registers): the same
    message a sign-in code is, whether or not the contact belongs to an account, within the same limits."""
    return _code_send(
        contact=contact,
        purpose=CodePurpose.CONTACT,
        applicant=applicant,
        language=language,
        client=client,
        ip=ip,
    )


def contact_code_take(*, applicant: Applicant, token: str, code: str, field: str = "code") -> Contact:
    """The contact a code sent for `applicant` proves, once `code` is right (every try counts)."""
    if not OneTimeCode.objects.filter(token=token, applicant=applicant, purpose=CodePurpose.CONTACT).exists():
        raise CodeExpired(_("This code has expired. Ask for a new code."), field=field)
    row = _code_check(token=token, code=code, purpose=CodePurpose.CONTACT, field=field)
    return Contact(CodeChannel(row.channel), row.contact)


def contact_change_confirm(
    *,
    actor: Actor,
    applicant: Applicant,
    token: str | None,
    code: str,
    current_token: str | None,
    remove: str = "",
    attested: bool = False,
) -> Applicant:
    """Put the proven new phone or email on the account (or remove one), once the current contact was
    proven (`contact_change_prove`) or an NGO worker of the applicant's shelter attests the person asked
    for it. The old contacts are told, and every other session of the account ends."""
    proven = current_token is not None and contact_code_proven(applicant=applicant, token=current_token)
    vouched = not proven and attested and _attests(actor, applicant)
    if not proven and not vouched:
        raise CodeExpired(
            _("First type the code we sent to your current phone or email."), field="current_code"
        )
    phone, email = applicant.phone, applicant.email
    phone_proven = False
    if token is not None:
        if not OneTimeCode.objects.filter(token=token, applicant=applicant).exists():
            raise CodeExpired(_("This code has expired. Ask for a new code."), field="code")
        row = _code_check(token=token, code=code, purpose=CodePurpose.CONTACT)
        if row.channel == CodeChannel.SMS:
            phone, phone_proven = row.contact, True
        else:
            email = row.contact
    elif remove == "phone":
        phone = None
    elif remove == "email":
        email = None
    old = [(CodeChannel.SMS, applicant.phone), (CodeChannel.EMAIL, applicant.email)]
    with transaction.atomic():
        applicant = applicant_contact_set(
            actor=actor, applicant=applicant, phone=phone, email=email, phone_proven=phone_proven
        )
        now = clock.now()
        for channel, value in old:
            if value:
                # The old phone or email hears of it: a takeover cannot go unnoticed.
                notice_enqueue(
                    kind=NoticeKind.CONTACT_CHANGED,
                    dedup_key=f"contact_changed:{applicant.pk}:{channel}:{now.timestamp():.6f}",
                    address=value,
                    address_kind=channel,
                    language=applicant.language,
                    context={"channel": channel},
                )
        Applicant.objects.filter(pk=applicant.pk).update(session_epoch=F("session_epoch") + 1)
        applicant.refresh_from_db(fields=["session_epoch"])
        audit_record(
            actor=actor,
            action="applicant.contact_change_attested" if vouched else "applicant.contact_change_proven",
            object_type="applicant",
            object_id=applicant.pk,
            data={"sessions_ended": True, "removed": remove},
        )
    return applicant


@transaction.atomic
def one_time_code_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete codes that expired more than `older_than` ago (they open nothing and only hold contacts)."""
    deleted, _rows = OneTimeCode.objects.filter(expires_at__lt=clock.now() - older_than).delete()
    return deleted
