"""Normal forms of contacts and document numbers, so that the same value always hashes the same."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings
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


# Numbers that cost the sender or cannot take a text: refused as SMS destinations whatever the country.
_REFUSED_TYPES = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.PAGER,
    phonenumbers.PhoneNumberType.VOICEMAIL,
}


def phone_region(phone: str) -> str | None:
    """The region (ISO 3166-1 alpha-2) of an E.164 number; None for satellite and other non-geographic
    networks, and for a North American number whose area code is not in use."""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return None
    regions = phonenumbers.region_codes_for_country_code(number.country_code or 0)
    # One country behind the code (e.g. +52): that country, even for an old format the library calls
    # invalid (Mexican mobiles written +52 1 …). A shared code (+1) needs the number itself.
    region = regions[0] if len(regions) == 1 else phonenumbers.region_code_for_number(number)
    if not region or region == phonenumbers.UNKNOWN_REGION or region == "001":
        return None
    return str(region)


def phone_textable(phone: str) -> str:
    """The number, when cita may text a code to it: a region in CITA_SMS_COUNTRIES and not a premium,
    shared-cost or other number that cannot take a text; `InvalidContact` (field "contact") otherwise."""
    region = phone_region(phone)
    if region is None or region not in settings.CITA_SMS_COUNTRIES:
        raise InvalidContact(
            _(
                "We cannot send text messages to this country. Write an email address instead, or ask a "
                "shelter worker for help."
            ),
            field="contact",
        )
    number = phonenumbers.parse(phone)
    if phonenumbers.number_type(number) in _REFUSED_TYPES:
        raise InvalidContact(
            _("This number cannot get text messages. Write a mobile number or an email address."),
            field="contact",
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


def name_normalise(raw: str) -> str:
    """Names compared as people write them: case, accents, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKD", raw.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())
