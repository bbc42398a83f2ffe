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
