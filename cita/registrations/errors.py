"""Errors of the registrations domain; their messages are shown to applicants, so they are translated."""

from cita.core.errors import CitaError, Conflict


class InvalidContact(CitaError):
    code = "invalid_contact"


class GroupTooLarge(Conflict):
    code = "group_too_large"


class DuplicatePerson(Conflict):
    """The document is registered already. The message never says in which group."""

    code = "duplicate_person"


class InvalidMember(CitaError):
    code = "invalid_member"


class ConsentMissing(CitaError):
    code = "consent_missing"


class CodeWrong(CitaError):
    """The one-time code does not match; the message says how many tries are left."""

    code = "code_wrong"


class CodeExpired(CitaError):
    """The one-time code is too old, used, replaced by a newer one, or out of tries: ask for a new one."""

    code = "code_expired"


class TooManyCodes(CitaError):
    """Too many codes were asked for this contact, this browser or this network in a short time."""

    code = "too_many_codes"
    status = 429


class ContactLocked(CitaError):
    """Too many wrong codes were typed for this phone or email in a day: no code is sent or checked for
    it until the lock ends."""

    code = "contact_locked"
    status = 429


class ContactInUse(Conflict):
    """The phone or email belongs to an account that is not a resident of this shelter."""

    code = "contact_in_use"


class ContactChecksSpent(CitaError):
    """An NGO worker checked too many phones or emails that belong to other accounts in a day: until the
    day has passed, every registration of theirs naming a phone or email is refused (issue 14, item 5)."""

    code = "contact_checks_spent"
    status = 429


class ResidentExists(Conflict):
    """The phone or email belongs to a resident of this shelter already (`applicant` in objects)."""

    code = "resident_exists"


class InvalidOccupancy(CitaError):
    code = "invalid_occupancy"
