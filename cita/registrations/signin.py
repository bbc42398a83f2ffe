"""One-time codes: signing in by SMS or email without a password, and proving a new phone or email.

A code is 6 digits from `secrets`, kept only as a keyed hash bound to its random `token`, valid for
CODE_MINUTES, with at most CODE_MAX_ATTEMPTS tries. Sending is limited per contact, per browser session
and per network address. Nothing said to the caller depends on whether the contact has an account: the
same code is sent, the same page is shown, and the account is created only once the code is right.
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.crypto import blind_index
from cita.core.languages import Language
from cita.core.locks import advisory_lock
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue
from cita.registrations.errors import CodeExpired, CodeWrong, InvalidContact, TooManyCodes
from cita.registrations.models import (
    CODE_MAX_ATTEMPTS,
    Applicant,
    CodeChannel,
    CodePurpose,
    OneTimeCode,
)
from cita.registrations.normalise import email_normalise, phone_normalise
from cita.registrations.services import applicant_contact_set, applicant_get_or_create

CODE_MINUTES = 10
CODE_DIGITS = 6
# Sends allowed within LIMIT_WINDOW: per contact, per browser session, per network address. Shelters put
# many people behind one address, so that limit is high and set in the environment.
LIMIT_WINDOW = dt.timedelta(minutes=15)
PER_CONTACT = 3
PER_CLIENT = 5


@dataclass(frozen=True)
class Contact:
    """A phone number (E.164) or an email address, normalised, with the channel that reaches it."""

    channel: CodeChannel
    value: str

    @property
    def index(self) -> str:
        """The keyed hash that finds this contact (the same one an applicant's row holds)."""
        return blind_index(self.value, purpose="phone" if self.channel == CodeChannel.SMS else "email")

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
        return Contact(CodeChannel.SMS, phone_normalise(text))
    except InvalidContact as exc:
        raise InvalidContact(exc.message, field="contact") from exc


def _hash(token: str, code: str) -> str:
    return blind_index(f"{token}:{code}", purpose="one_time_code")


def _too_many(oldest: dt.datetime) -> TooManyCodes:
    seconds = (oldest + LIMIT_WINDOW - clock.now()).total_seconds()
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


def _check_limits(*, contact_index: str, client_index: str, ip_index: str) -> None:
    since = clock.now() - LIMIT_WINDOW
    recent = OneTimeCode.objects.filter(created_at__gt=since)
    for queryset, limit in (
        (recent.filter(contact_index=contact_index), PER_CONTACT),
        (recent.filter(client_index=client_index), PER_CLIENT),
        (recent.filter(ip_index=ip_index), int(settings.CITA_SIGNIN_IP_LIMIT)),
    ):
        times = list(queryset.order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(times) >= limit:
            raise _too_many(times[-1])


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
    _check_limits(contact_index=contact_index, client_index=client_index, ip_index=ip_index)
    if language not in Language.values:
        language = settings.LANGUAGE_CODE
    now = clock.now()
    # A new code replaces the older open ones for the same contact: only the newest works.
    OneTimeCode.objects.filter(contact_index=contact_index, purpose=purpose, closed_at__isnull=True).update(
        closed_at=now
    )
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
        language=language,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
    )
    owner = applicant
    if owner is None:
        lookup = {"phone_index" if contact.channel == CodeChannel.SMS else "email_index": contact_index}
        owner = Applicant.objects.filter(**lookup).first()
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


def _code_check(*, token: str, code: str, purpose: CodePurpose) -> OneTimeCode:
    """The open code row behind `token` when `code` matches; every try counts, even when it fails."""
    failure: Exception | None = None
    # This transaction commits the counted try before any error is raised to the caller.
    with transaction.atomic():
        row = OneTimeCode.objects.select_for_update().filter(token=token, purpose=purpose).first()
        now = clock.now()
        if row is None or row.closed_at is not None or row.expires_at <= now:
            raise CodeExpired(_("This code has expired. Ask for a new code."), field="code")
        row.attempts = F("attempts") + 1
        row.save(update_fields=["attempts"])
        row.refresh_from_db(fields=["attempts"])
        if hmac.compare_digest(row.code_hash, _hash(token, code.strip())):
            row.closed_at = now
            row.save(update_fields=["closed_at"])
            return row
        left = CODE_MAX_ATTEMPTS - row.attempts
        if left <= 0:
            row.closed_at = now
            row.save(update_fields=["closed_at"])
            failure = CodeExpired(
                _("That code is not right, and it cannot be used again. Ask for a new code."), field="code"
            )
        else:
            failure = CodeWrong(
                ngettext(
                    "That code is not right. You can try %(left)d more time.",
                    "That code is not right. You can try %(left)d more times.",
                    left,
                )
                % {"left": left},
                field="code",
            )
    raise failure


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


def contact_change_start(
    *, actor: Actor, applicant: Applicant, contact: Contact, language: str, client: str, ip: str
) -> CodeSent:
    """Send a code to a new phone or email of the applicant; it becomes theirs once the code comes back."""
    return _code_send(
        contact=contact,
        purpose=CodePurpose.CONTACT,
        applicant=applicant,
        language=language,
        client=client,
        ip=ip,
    )


def contact_change_confirm(*, actor: Actor, applicant: Applicant, token: str, code: str) -> Applicant:
    """Put the proven new phone or email on the applicant's account (the other contact stays)."""
    row = OneTimeCode.objects.filter(token=token, applicant=applicant).first()
    if row is None:
        raise CodeExpired(_("This code has expired. Ask for a new code."), field="code")
    row = _code_check(token=token, code=code, purpose=CodePurpose.CONTACT)
    if row.channel == CodeChannel.SMS:
        return applicant_contact_set(
            actor=actor, applicant=applicant, phone=row.contact, email=applicant.email, phone_proven=True
        )
    return applicant_contact_set(actor=actor, applicant=applicant, phone=applicant.phone, email=row.contact)


@transaction.atomic
def one_time_code_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete codes that expired more than `older_than` ago (they open nothing and only hold contacts)."""
    deleted, _rows = OneTimeCode.objects.filter(expires_at__lt=clock.now() - older_than).delete()
    return deleted
