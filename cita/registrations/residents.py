"""NGO work for a shelter: registering residents (with their consent), acting for them, occupancy.

An NGO worker only ever touches residents of their own shelter: every lookup goes through
`cita.staff.selectors.resident_get_for_actor` (the NGO console), and these services check the shelter again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from cita.audit.models import AuditEvent
from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.errors import CitaError, PermissionDenied
from cita.core.languages import Language
from cita.registrations.errors import (
    CodeExpired,
    ContactChecksSpent,
    ContactInUse,
    InvalidContact,
    InvalidOccupancy,
    ResidentExists,
)
from cita.registrations.models import Applicant, CodeChannel, CodePurpose, OneTimeCode, Shelter
from cita.registrations.normalise import email_normalise, phone_normalise, phone_textable
from cita.registrations.services import (
    MemberInput,
    applicant_contact_set,
    applicants_with_contact,
    group_register,
)
from cita.registrations.signin import (
    CodeSent,
    Contact,
    contact_code_send,
    contact_code_take,
    signin_code_resend,
)

# The window of the per-worker limit on phones and emails proven to belong to other accounts.
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


@dataclasses.dataclass(frozen=True)
class ResidentRegistered:
    """A new resident, and the codes sent to the phone or email they gave (none without one)."""

    applicant: Applicant
    codes: list[CodeSent]


def resident_register(
    *,
    actor: Actor,
    phone: str | None,
    email: str | None,
    language: str,
    principal: MemberInput,
    consent_given: bool,
    client: str,
    ip: str,
) -> ResidentRegistered:
    """Register a new resident of the worker's shelter and their travel group's principal, with the
    resident's consent recorded as given to this worker.

    The resident is created without the phone or email the worker typed: a code is sent to each (the same
    message a sign-in code is, within the same limits), and the contact is attached only when the worker
    types the code the resident received (`resident_contact_prove`). Until then nothing said depends on
    whether the contact belongs to an account, so the console cannot be used to find out who is registered
    (issue 14, item 5). A contact of a resident of this shelter sends to that resident (the worker sees
    their contacts anyway). After `CITA_NGO_CONTACT_CHECKS_PER_DAY` contacts proven in 24 hours to belong
    to other accounts, every registration of this worker naming a phone or email is refused alike
    (`resident.contact_limit`, committed before the refusal: call this outside a transaction). A resident
    may have neither (no phone is common in shelters): the shelter's workers and the in-app messages reach
    them.
    """
    shelter_id = _require_ngo(actor)
    contacts = _contacts_parse(phone=phone, email=email)
    if contacts:
        problem = _contact_check(actor=actor, shelter_id=shelter_id, contacts=contacts)
        if problem is not None:
            raise problem
    return _resident_create(
        actor=actor,
        shelter_id=shelter_id,
        contacts=contacts,
        language=language,
        principal=principal,
        consent_given=consent_given,
        client=client,
        ip=ip,
    )


def _contacts_parse(*, phone: str | None, email: str | None) -> dict[str, Contact]:
    """The phone (one a code can be texted to) and email as typed, normalised, by field."""
    contacts: dict[str, Contact] = {}
    if phone:
        try:
            contacts["phone"] = Contact(CodeChannel.SMS, phone_textable(phone_normalise(phone)))
        except InvalidContact as exc:
            exc.field = "phone"
            raise
    if email:
        contacts["email"] = Contact(CodeChannel.EMAIL, email_normalise(email))
    return contacts


def _in_use_spent(actor: Actor) -> bool:
    since = clock.now() - CONTACT_CHECK_WINDOW
    spent = AuditEvent.objects.filter(actor=actor.label, action="resident.contact_in_use", at__gt=since)
    return spent.count() >= int(settings.CITA_NGO_CONTACT_CHECKS_PER_DAY)


@transaction.atomic
def _contact_check(
    *, actor: Actor, shelter_id: int, contacts: dict[str, Contact]
) -> ContactChecksSpent | ResidentExists | None:
    """The refusal for these contacts (audited, in its own transaction), or None to go on. Whether a
    contact belongs to another account is not looked at here."""
    if _in_use_spent(actor):
        audit_record(
            actor=actor, action="resident.contact_limit", object_type="shelter", object_id=shelter_id
        )
        return ContactChecksSpent(
            "Too many phone numbers or emails you registered today belonged to other accounts. Register "
            "the person without a phone or email now; they can add it when they sign in.",
            field="phone",
        )
    for field, contact in contacts.items():
        own = applicants_with_contact(**{field: contact.value}).filter(shelter_id=shelter_id).first()
        if own is not None:
            return ResidentExists(
                "This person is already registered at your shelter.", field=field, applicant=own
            )
    return None


@transaction.atomic
def _resident_create(
    *,
    actor: Actor,
    shelter_id: int,
    contacts: dict[str, Contact],
    language: str,
    principal: MemberInput,
    consent_given: bool,
    client: str,
    ip: str,
) -> ResidentRegistered:
    """The registration itself, without a contact, and a code to each contact given (one transaction: a
    code refused by a limit registers nobody)."""
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
        data={"shelter": shelter_id, "language": applicant.language, "codes_sent": sorted(contacts)},
    )
    codes = []
    for field, contact in contacts.items():
        try:
            codes.append(
                contact_code_send(
                    applicant=applicant, contact=contact, language=applicant.language, client=client, ip=ip
                )
            )
        except CitaError as exc:
            exc.field = field
            raise
    return ResidentRegistered(applicant=applicant, codes=codes)


def resident_contact_prove(*, actor: Actor, applicant: Applicant, token: str, code: str) -> Applicant:
    """Attach the phone or email a code was sent to at registration, once the worker types the code the
    resident received. A contact that belongs to another account is refused now (the person holding it
    just proved it, so nothing leaks), audited as `resident.contact_in_use` (shelter and field, never the
    contact; committed before the refusal is raised: call this outside a transaction)."""
    _require_resident(actor, applicant)
    contact = contact_code_take(applicant=applicant, token=token, code=code)
    field = "phone" if contact.channel == CodeChannel.SMS else "email"
    with transaction.atomic():
        taken = applicants_with_contact(**{field: contact.value}).exclude(pk=applicant.pk).exists()
        if taken:
            audit_record(
                actor=actor,
                action="resident.contact_in_use",
                object_type="shelter",
                object_id=applicant.shelter_id,
                data={"shelter": applicant.shelter_id, "field": field},
            )
        else:
            applicant = applicant_contact_set(
                actor=actor,
                applicant=applicant,
                phone=contact.value if field == "phone" else applicant.phone,
                email=contact.value if field == "email" else applicant.email,
                phone_proven=field == "phone",
            )
            audit_record(
                actor=actor,
                action="resident.contact_proven",
                object_type="applicant",
                object_id=applicant.pk,
                data={"shelter": applicant.shelter_id, "field": field},
            )
    if taken:
        raise ContactInUse(
            "This phone number or email already belongs to another account. The person can sign in with it "
            "and ask for help from there, or stay registered here without it.",
            field="code",
        )
    return applicant


def resident_contact_code_resend(
    *, actor: Actor, applicant: Applicant, token: str, client: str, ip: str
) -> CodeSent:
    """A new code to the contact an earlier code for this resident went to (the earlier one stops working)."""
    _require_resident(actor, applicant)
    if not OneTimeCode.objects.filter(token=token, applicant=applicant, purpose=CodePurpose.CONTACT).exists():
        raise CodeExpired(gettext("This code has expired. Ask for a new code."), field="code")
    return signin_code_resend(token=token, client=client, ip=ip)


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
