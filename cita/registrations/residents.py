"""NGO work for a shelter: registering residents (with their consent), acting for them, occupancy.

An NGO worker only ever touches residents of their own shelter: every lookup goes through
`cita.staff.selectors.resident_get_for_actor` (the NGO console), and these services check the shelter again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import transaction

from cita.audit.models import AuditEvent
from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.core.languages import Language
from cita.registrations.errors import ContactChecksSpent, ContactInUse, InvalidOccupancy, ResidentExists
from cita.registrations.models import Applicant, Shelter
from cita.registrations.normalise import email_normalise, phone_normalise
from cita.registrations.services import (
    MemberInput,
    applicant_get_or_create,
    applicants_with_contact,
    group_register,
)

# The window of the per-worker limit on phones and emails found to belong to other accounts.
CONTACT_CHECK_WINDOW = dt.timedelta(hours=24)

# A shelter far beyond its capacity is real; a number this large is a typing mistake.
OCCUPANCY_MAX_FACTOR = 10


def _require_ngo(actor: Actor) -> int:
    if actor.role is not Role.NGO or actor.shelter_id is None or actor.mfa_pending:
        raise PermissionDenied("Only NGO workers of a shelter register its residents.")
    return actor.shelter_id


def _require_resident(actor: Actor, applicant: Applicant) -> None:
    if applicant.shelter_id is None or applicant.shelter_id != _require_ngo(actor):
        raise PermissionDenied("This person is not a resident of your shelter.")


def acting_actor(*, actor: Actor, applicant: Applicant) -> Actor:
    """The NGO worker working on one resident's data (`applicant_id` set), as the applicant flow sees them."""
    _require_resident(actor, applicant)
    return dataclasses.replace(actor, applicant_id=applicant.pk)


def resident_register(
    *,
    actor: Actor,
    phone: str | None,
    email: str | None,
    language: str,
    principal: MemberInput,
    consent_given: bool,
) -> Applicant:
    """Register a new resident of the worker's shelter and their travel group's principal, with the
    resident's consent recorded as given to this worker.

    A phone or email that already belongs to an account is refused: the worker cannot take over someone
    else's registration by typing their number. That refusal tells the worker the contact is registered, so
    each is audited (`resident.contact_in_use`, without the contact), and after
    `CITA_NGO_CONTACT_CHECKS_PER_DAY` of them in 24 hours every registration of this worker naming a phone
    or email is refused alike, taken or free (`resident.contact_limit`; issue 14, item 5). The audit
    events are committed before the refusal is raised (call this outside a transaction). A resident may
    have neither (no phone is common in shelters): the shelter's workers and the in-app messages reach them.
    """
    shelter_id = _require_ngo(actor)
    phone_n = phone_normalise(phone) if phone else None
    email_n = email_normalise(email) if email else None
    if phone_n is not None or email_n is not None:
        problem = _contact_check(
            actor=actor, shelter_id=shelter_id, contacts={"phone": phone_n, "email": email_n}
        )
        if problem is not None:
            raise problem
    return _resident_create(
        actor=actor,
        shelter_id=shelter_id,
        phone=phone,
        email=email,
        language=language,
        principal=principal,
        consent_given=consent_given,
    )


@transaction.atomic
def _contact_check(
    *, actor: Actor, shelter_id: int, contacts: dict[str, str | None]
) -> ContactChecksSpent | ContactInUse | ResidentExists | None:
    """The refusal for these contacts (audited, in its own transaction), or None when they are free."""
    since = clock.now() - CONTACT_CHECK_WINDOW
    spent = AuditEvent.objects.filter(actor=actor.label, action="resident.contact_in_use", at__gt=since)
    if spent.count() >= int(settings.CITA_NGO_CONTACT_CHECKS_PER_DAY):
        audit_record(
            actor=actor, action="resident.contact_limit", object_type="shelter", object_id=shelter_id
        )
        return ContactChecksSpent(
            "Too many phone numbers or emails were checked from your account today. Register the person "
            "without a phone or email now; they can add it when they sign in.",
            field="phone",
        )
    for field, value in contacts.items():
        if value is None:
            continue
        existing = applicants_with_contact(**{field: value}).first()
        if existing is not None and existing.shelter_id == shelter_id:
            return ResidentExists(
                "This person is already registered at your shelter.", field=field, applicant=existing
            )
        if existing is not None:
            audit_record(
                actor=actor,
                action="resident.contact_in_use",
                object_type="shelter",
                object_id=shelter_id,
                data={"shelter": shelter_id, "field": field},
            )
            return ContactInUse(
                "This phone number or email already belongs to an account. The person can sign in with it "
                "and ask for help from there.",
                field=field,
            )
    return None


@transaction.atomic
def _resident_create(
    *,
    actor: Actor,
    shelter_id: int,
    phone: str | None,
    email: str | None,
    language: str,
    principal: MemberInput,
    consent_given: bool,
) -> Applicant:
    """The registration itself, once `_contact_check` found the contacts free."""
    if phone or email:
        taken = applicants_with_contact(
            phone=phone_normalise(phone) if phone else None, email=email_normalise(email) if email else None
        )
        if taken.exists():  # registered between the check and now: never take an account over
            raise ContactInUse("This phone number or email already belongs to an account.", field="phone")
        applicant = applicant_get_or_create(phone=phone or None, email=email or None, language=language)
        Applicant.objects.filter(pk=applicant.pk).update(shelter_id=shelter_id)
        applicant.shelter_id = shelter_id
    else:
        applicant = _resident_without_contact(actor=actor, shelter_id=shelter_id, language=language)
    group_register(
        actor=acting_actor(actor=actor, applicant=applicant),
        applicant=applicant,
        principal=principal,
        consent_given=consent_given,
        consent_language=applicant.language,
    )
    audit_record(
        actor=actor,
        action="resident.registered",
        object_type="applicant",
        object_id=applicant.pk,
        data={"shelter": shelter_id, "language": applicant.language},
    )
    return applicant


def _resident_without_contact(*, actor: Actor, shelter_id: int, language: str) -> Applicant:
    """An account with no phone and no email, bound to the shelter (the database allows it only so)."""
    if language not in Language.values:
        language = settings.LANGUAGE_CODE
    applicant = Applicant.objects.create(language=language, shelter_id=shelter_id, created_at=clock.now())
    audit_record(
        actor=actor,
        action="applicant.created",
        object_type="applicant",
        object_id=applicant.pk,
        data={"language": language, "channels": [], "shelter": shelter_id},
    )
    return applicant


@transaction.atomic
def acting_start(*, actor: Actor, applicant: Applicant) -> Actor:
    """Start working in the applicant pages on behalf of a resident; returns the acting actor."""
    acting = acting_actor(actor=actor, applicant=applicant)
    audit_record(
        actor=actor,
        action="ngo.acting_started",
        object_type="applicant",
        object_id=applicant.pk,
        data={"shelter": applicant.shelter_id},
    )
    return acting


@transaction.atomic
def acting_stop(*, actor: Actor) -> None:
    """Stop acting for the resident the worker was helping."""
    _require_ngo(actor)
    if actor.applicant_id is None:
        return
    audit_record(
        actor=actor, action="ngo.acting_stopped", object_type="applicant", object_id=actor.applicant_id
    )


@transaction.atomic
def shelter_occupancy_set(*, actor: Actor, shelter: Shelter, occupancy: int) -> Shelter:
    """Record how many people stay at the shelter now (its NGO workers, or an admin)."""
    if not (actor.role is Role.ADMIN or (actor.role is Role.NGO and actor.shelter_id == shelter.pk)):
        raise PermissionDenied("Only workers of this shelter update its occupancy.")
    if isinstance(occupancy, bool) or not isinstance(occupancy, int) or occupancy < 0:
        raise InvalidOccupancy("Give the number of people as a whole number of 0 or more.", field="occupancy")
    if occupancy > max(shelter.capacity, 1) * OCCUPANCY_MAX_FACTOR:
        raise InvalidOccupancy(
            f"{occupancy} is more than {OCCUPANCY_MAX_FACTOR} times the capacity; check the number.",
            field="occupancy",
        )
    locked = Shelter.objects.select_for_update().get(pk=shelter.pk)
    previous = locked.occupancy
    locked.occupancy, locked.occupancy_updated_at = occupancy, clock.now()
    locked.save(update_fields=["occupancy", "occupancy_updated_at"])
    audit_record(
        actor=actor,
        action="shelter.occupancy_set",
        object_type="shelter",
        object_id=shelter.pk,
        data={"occupancy": occupancy, "previous": previous, "capacity": locked.capacity},
    )
    return locked
