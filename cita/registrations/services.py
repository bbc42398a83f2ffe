"""Every write to registrations: in a transaction, audited. Audit data never holds personal data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.crypto import blind_index, blind_indexes
from cita.core.days import reference_today
from cita.core.languages import Language
from cita.core.locks import advisory_lock
from cita.registrations.countries import country_codes
from cita.registrations.errors import (
    ConsentMissing,
    DuplicatePerson,
    GroupTooLarge,
    InvalidContact,
    InvalidMember,
)
from cita.registrations.models import Applicant, Consent, DocumentType, Member, Relationship
from cita.registrations.normalise import (
    document_number_normalise,
    email_normalise,
    name_normalise,
    phone_normalise,
)
from cita.registrations.selectors import group_size_limit

MAX_NAME = 100


@dataclass(frozen=True)
class MemberInput:
    """What a form or the API gives for one person of a travel group."""

    relationship: str
    given_names: str
    family_names: str
    date_of_birth: dt.date
    nationality: str
    document_type: str = ""
    document_number: str = ""

    @classmethod
    def of(cls, data: Mapping[str, Any], *, relationship: str) -> MemberInput:
        """From a valid form's cleaned data (the fields named as here; the document ones optional)."""
        return cls(
            relationship=relationship,
            given_names=data["given_names"],
            family_names=data["family_names"],
            date_of_birth=data["date_of_birth"],
            nationality=data["nationality"],
            document_type=data.get("document_type") or "",
            document_number=data.get("document_number") or "",
        )


def contact_indexes(*, phone: str | None, email: str | None) -> tuple[str | None, str | None]:
    """Normalise contacts and return their keyed hashes (phone, email)."""
    phone_n = phone_normalise(phone) if phone else None
    email_n = email_normalise(email) if email else None
    return (
        blind_index(phone_n, purpose="phone") if phone_n else None,
        blind_index(email_n, purpose="email") if email_n else None,
    )


def applicants_with_contact(*, phone: str | None = None, email: str | None = None) -> QuerySet[Applicant]:
    """Accounts whose phone or email (already normalised) is this one, under any key of the index ring (so
    that they are found while `cita manage reindex` moves rows to a new key)."""
    query = Q(pk__in=[])
    if phone:
        query |= Q(phone_index__in=blind_indexes(phone, purpose="phone"))
    if email:
        query |= Q(email_index__in=blind_indexes(email, purpose="email"))
    return Applicant.objects.filter(query)


@transaction.atomic
def applicant_get_or_create(
    *, phone: str | None = None, email: str | None = None, language: str, phone_proven: bool = False
) -> Applicant:
    """The applicant reached at this phone or email, created if new. `phone_proven`: a code sent to the
    phone just came back (sign-in), so the phone is marked proven; a phone someone typed in is not."""
    if not phone and not email:
        raise InvalidContact(_("Give a phone number or an email address."), field="phone")
    if language not in Language.values:
        language = settings.LANGUAGE_CODE
    phone_n = phone_normalise(phone) if phone else None
    email_n = email_normalise(email) if email else None
    phone_index, email_index = contact_indexes(phone=phone_n, email=email_n)
    lookup = applicants_with_contact(phone=phone_n) if phone_n else applicants_with_contact(email=email_n)
    existing = lookup.first()
    if existing is not None:
        if phone_proven and phone_index and existing.phone_verified_at is None:
            existing.phone_verified_at = clock.now()
            existing.save(update_fields=["phone_verified_at"])
            audit_record(
                actor=Actor(role=Role.APPLICANT, applicant_id=existing.pk),
                action="applicant.phone_proven",
                object_type="applicant",
                object_id=existing.pk,
            )
        return existing
    try:
        with transaction.atomic():
            applicant = Applicant.objects.create(
                language=language,
                phone=phone_n,
                phone_index=phone_index,
                phone_verified_at=clock.now() if phone_proven and phone_index else None,
                email=email_n,
                email_index=email_index,
                created_at=clock.now(),
            )
    except IntegrityError:
        # Two sign-ins for the same new contact at once: the other one created it.
        return lookup.get()
    audit_record(
        actor=Actor(role=Role.APPLICANT, applicant_id=applicant.pk),
        action="applicant.created",
        object_type="applicant",
        object_id=applicant.pk,
        data={"language": language, "channels": [c for c, v in (("sms", phone_n), ("email", email_n)) if v]},
    )
    return applicant


@transaction.atomic
def applicant_contact_set(
    *,
    actor: Actor,
    applicant: Applicant,
    phone: str | None,
    email: str | None,
    phone_proven: bool = False,
) -> Applicant:
    """Change the phone and email of an applicant (at least one stays). A phone that changes is proven
    only when `phone_proven` (its code came back); the same phone keeps its proof."""
    if not phone and not email:
        raise InvalidContact(_("Give a phone number or an email address."), field="phone")
    phone_n = phone_normalise(phone) if phone else None
    email_n = email_normalise(email) if email else None
    before = applicant.phone  # compared as numbers: under a rotated index key the same phone hashes anew
    applicant.phone, applicant.email = phone_n, email_n
    applicant.phone_index, applicant.email_index = contact_indexes(phone=phone_n, email=email_n)
    # The unique indexes catch a clash under the current key; this finds one still under an older key.
    in_use = InvalidContact(
        _("This phone number or email is already used by another account."), field="phone"
    )
    if applicants_with_contact(phone=phone_n, email=email_n).exclude(pk=applicant.pk).exists():
        raise in_use
    if applicant.phone_index is None:
        applicant.phone_verified_at = None
    elif phone_proven:
        applicant.phone_verified_at = clock.now()
    elif phone_n != before:
        applicant.phone_verified_at = None
    try:
        with transaction.atomic():
            applicant.save(
                update_fields=["phone", "email", "phone_index", "email_index", "phone_verified_at"]
            )
    except IntegrityError as exc:
        raise in_use from exc
    audit_record(
        actor=actor, action="applicant.contact_changed", object_type="applicant", object_id=applicant.pk
    )
    return applicant


@transaction.atomic
def applicant_language_set(*, actor: Actor, applicant: Applicant, language: str) -> Applicant:
    """Change the language the applicant reads pages and messages in."""
    if language not in Language.values:
        raise InvalidContact(_("Choose one of the languages in the list."), field="language")
    applicant.language = language
    applicant.save(update_fields=["language"])
    audit_record(
        actor=actor,
        action="applicant.language_changed",
        object_type="applicant",
        object_id=applicant.pk,
        data={"language": language},
    )
    return applicant


@transaction.atomic
def applicant_sign_out_everywhere(*, actor: Actor, applicant: Applicant) -> None:
    """End every session of this applicant on every device."""
    Applicant.objects.filter(pk=applicant.pk).update(session_epoch=applicant.session_epoch + 1)
    applicant.refresh_from_db(fields=["session_epoch"])
    audit_record(
        actor=actor, action="applicant.signed_out_everywhere", object_type="applicant", object_id=applicant.pk
    )


@transaction.atomic
def consent_record(*, actor: Actor, applicant: Applicant, language: str) -> Consent:
    """Record that the applicant agreed to the current consent text, read in `language`."""
    consent = Consent.objects.create(
        applicant=applicant,
        text_version=settings.CITA_CONSENT_VERSION,
        language=language,
        recorded_by=actor.label,
        at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="consent.recorded",
        object_type="applicant",
        object_id=applicant.pk,
        data={"text_version": consent.text_version, "language": language},
    )
    return consent


@transaction.atomic
def group_register(
    *, actor: Actor, applicant: Applicant, principal: MemberInput, consent_given: bool, consent_language: str
) -> Member:
    """Register the travel group's principal, with consent: the first step of a registration."""
    if not consent_given:
        raise ConsentMissing(_("You must agree before we can save your data."), field="consent")
    if principal.relationship != Relationship.SELF:
        principal = MemberInput(**{**principal.__dict__, "relationship": Relationship.SELF})
    consent_record(actor=actor, applicant=applicant, language=consent_language)
    return member_add(actor=actor, applicant=applicant, member=principal)


@transaction.atomic
def member_add(*, actor: Actor, applicant: Applicant, member: MemberInput) -> Member:
    """Add a person to the travel group, within the group size limit and only once across all groups."""
    # Lock the applicant row: two members added at once must not both slip under the limit.
    Applicant.objects.select_for_update().filter(pk=applicant.pk).first()
    if (
        member.relationship == Relationship.SELF
        and applicant.members.filter(relationship=Relationship.SELF).exists()
    ):
        raise InvalidMember(_("This group already has its main person."), field="relationship")
    limit = group_size_limit()
    if applicant.members.count() >= limit:
        raise GroupTooLarge(_("A travel group can have at most %(limit)d people.") % {"limit": limit})
    clean = _clean(member)
    row = Member(applicant=applicant, created_at=clock.now(), **clean)
    _save_unique(row)
    audit_record(
        actor=actor,
        action="member.added",
        object_type="member",
        object_id=row.pk,
        data={"applicant": applicant.pk, "relationship": row.relationship, "nationality": row.nationality},
    )
    return row


@transaction.atomic
def member_update(*, actor: Actor, member: Member, data: MemberInput) -> Member:
    """Change a person's details (the principal stays the principal)."""
    clean = _clean(data)
    if (member.relationship == Relationship.SELF) != (clean["relationship"] == Relationship.SELF):
        raise InvalidMember(_("The main person of the group cannot be changed here."), field="relationship")
    for name, value in clean.items():
        setattr(member, name, value)
    _save_unique(member)
    audit_record(
        actor=actor,
        action="member.updated",
        object_type="member",
        object_id=member.pk,
        data={"applicant": member.applicant_id, "fields": sorted(clean)},
    )
    return member


@transaction.atomic
def member_remove(*, actor: Actor, member: Member) -> None:
    """Remove a person from the travel group (never the principal)."""
    if member.relationship == Relationship.SELF:
        raise InvalidMember(_("The main person of the group cannot be removed."), field="relationship")
    member_id, applicant_id = member.pk, member.applicant_id
    member.delete()
    audit_record(
        actor=actor,
        action="member.removed",
        object_type="member",
        object_id=member_id,
        data={"applicant": applicant_id},
    )


def _save_unique(member: Member) -> None:
    number = member.document_number if member.document_index else None
    indexes = blind_indexes(number, purpose="document") if number else []
    duplicate = Member.objects.filter(document_index__in=indexes).exclude(pk=member.pk)
    if indexes and duplicate.exists():
        raise _duplicate()
    if member.person_index:
        # Two groups adding the same person at once queue here; the second finds the first.
        advisory_lock("registrations.person", member.person_index)
        same = Member.objects.filter(person_index=member.person_index).exclude(pk=member.pk)
        if member.document_index:
            # Documented: only a registration without a document can be this person (two documents of
            # two namesakes born the same day are two people; the officer checks them).
            same = same.filter(document_index__isnull=True)
        if same.exists():
            raise DuplicatePerson(
                _(
                    "A person with these names, date of birth and nationality is already registered in "
                    "cita. One person can be in only one travel group. If you think this is a mistake, "
                    "ask a shelter or NGO worker for help."
                ),
                field="given_names",
            )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        if "document_index" in str(exc):
            raise _duplicate() from exc
        raise


def _duplicate() -> DuplicatePerson:
    return DuplicatePerson(
        _(
            "This document is already registered in cita. One person can be in only one travel group. "
            "If you think this is a mistake, ask a shelter or NGO worker for help."
        ),
        field="document_number",
    )


def _clean(member: MemberInput) -> dict[str, object]:
    given, family = member.given_names.strip(), member.family_names.strip()
    if not given or not family:
        raise InvalidMember(_("Write the given names and the family names."), field="given_names")
    if len(given) > MAX_NAME or len(family) > MAX_NAME:
        raise InvalidMember(
            _("Names can have at most %(max)d letters.") % {"max": MAX_NAME}, field="given_names"
        )
    if member.relationship not in Relationship.values:
        raise InvalidMember(_("Choose how this person is related to you."), field="relationship")
    # The latest date anywhere an applicant waits: the day in the reference zone (not the UTC day, which
    # is already tomorrow in the evening).
    today = reference_today()
    if not dt.date(1900, 1, 1) <= member.date_of_birth <= today:
        raise InvalidMember(_("The date of birth is not possible."), field="date_of_birth")
    nationality = member.nationality.strip().upper()
    if nationality not in country_codes():
        raise InvalidMember(_("Choose a country from the list."), field="nationality")
    doc_type, doc_number = member.document_type.strip(), member.document_number.strip()
    if doc_type and doc_type not in DocumentType.values:
        raise InvalidMember(_("Choose a document type from the list."), field="document_type")
    if doc_number and not doc_type:
        raise InvalidMember(_("Choose the type of document."), field="document_type")
    normalised = document_number_normalise(doc_number) if doc_number else None
    return {
        "relationship": member.relationship,
        "given_names": given,
        "family_names": family,
        "date_of_birth": member.date_of_birth,
        "nationality": nationality,
        "document_type": doc_type if normalised else "",
        "document_number": normalised,
        "document_index": blind_index(normalised, purpose="document") if normalised else None,
        "person_index": blind_index(
            f"{name_normalise(given)}|{name_normalise(family)}|{member.date_of_birth.isoformat()}|{nationality}",
            purpose="person",
        ),
    }
