"""Normal forms of contacts and document numbers, so that the same value always hashes the same."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from cita.registrations.errors import InvalidContact, InvalidMember

_PHONE_NOISE = re.compile(r"[\s\-.()/]")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_DOC_NOISE = re.compile(r"[^0-9A-Z]")


def phone_normalise(raw: str) -> str:
    """A phone number in E.164 form (`+` and 8 to 15 digits), spaces and dashes removed."""
    phone = _PHONE_NOISE.sub("", raw.strip())
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _E164.match(phone):
        raise InvalidContact(
            _("Write the phone number with + and the country code, for example +52 664 123 4567."),
            field="phone",
        )
    return phone


def email_normalise(raw: str) -> str:
    """A trimmed, lower-case email address."""
    email = raw.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidContact(_("This email address is not valid."), field="email") from exc
    return email


def document_number_normalise(raw: str) -> str:
    """Upper case letters and digits only: `ab-123 456` and `AB123456` are the same document."""
    number = _DOC_NOISE.sub("", raw.strip().upper())
    if not 3 <= len(number) <= 30:
        raise InvalidMember(
            _("The document number must have 3 to 30 letters or digits."), field="document_number"
        )
    return number
