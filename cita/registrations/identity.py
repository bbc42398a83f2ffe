"""The identity of a travel group's people at one moment: what a request, and the appointment made from
it, were made for (issue 14, "resale by swapping people").

A snapshot is a JSON list, one entry per person, sealed at rest by the column that holds it
(`RequestPeople.identities`, `Appointment.identities`). Comparing it with the people as they are now
says who was changed, added or removed since the group entered the draw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cita.registrations.models import Applicant, DocumentType, Member, Relationship

# The fields that say who a person is. Changing one of them, adding a person or replacing one voids a
# request, offer or appointment the group holds, unless an NGO worker or an officer approves it.
IDENTITY_FIELDS = (
    "given_names",
    "family_names",
    "date_of_birth",
    "nationality",
    "document_type",
    "document_number",
)


@dataclass(frozen=True)
class Person:
    """One person of a snapshot (or of the group now), decrypted."""

    member_id: int
    relationship: str
    given_names: str
    family_names: str
    date_of_birth: str
    nationality: str
    document_type: str
    document_number: str

    @property
    def full_name(self) -> str:
        """Given and family names."""
        return f"{self.given_names} {self.family_names}"

    @property
    def relationship_label(self) -> str:
        """The relationship in the staff consoles' words."""
        return str(Relationship(self.relationship).label)

    @property
    def document_label(self) -> str:
        """The document type in the staff consoles' words (empty without one)."""
        return str(DocumentType(self.document_type).label) if self.document_type else ""

    @property
    def documented(self) -> bool:
        """Whether an identity document backs this person, or only names, date of birth and nationality."""
        return bool(self.document_number)

    def identity(self) -> tuple[str, ...]:
        """The values that say who this person is."""
        return tuple(str(getattr(self, name)) for name in IDENTITY_FIELDS)


def person_of(member: Member) -> Person:
    """The person a member row describes now."""
    return Person(
        member_id=member.pk,
        relationship=member.relationship,
        given_names=member.given_names,
        family_names=member.family_names,
        date_of_birth=member.date_of_birth.isoformat(),
        nationality=member.nationality,
        document_type=member.document_type or "",
        document_number=member.document_number or "",
    )


def group_people(*, applicant: Applicant) -> list[Person]:
    """The people of the group now, principal first."""
    members = sorted(applicant.members.all(), key=lambda m: (m.relationship != Relationship.SELF, m.pk))
    return [person_of(m) for m in members]


def identity_snapshot(*, applicant: Applicant) -> str:
    """The group's people now, as the JSON text a request or appointment seals."""
    return json.dumps([p.__dict__ for p in group_people(applicant=applicant)], ensure_ascii=False)


def identity_load(text: str | None) -> list[Person] | None:
    """The people of a sealed snapshot; None when none was taken (rows older than snapshots)."""
    if not text:
        return None
    return [Person(**row) for row in json.loads(text)]


class Change:
    """How a person of the snapshot compares with the group now."""

    SAME = "same"
    CHANGED = "changed"
    REMOVED = "removed"
    ADDED = "added"


@dataclass(frozen=True)
class BoundPerson:
    """A person as bound to a request or pass, with how they differ now (`now` is None when removed)."""

    bound: Person | None
    now: Person | None
    change: str

    @property
    def shown(self) -> Person:
        """The person to show first: as bound to the pass, or as now for someone added since."""
        person = self.bound or self.now
        assert person is not None
        return person


def identity_compare(*, bound: list[Person], now: list[Person]) -> list[BoundPerson]:
    """Each bound person with their state now, then anyone added since, in snapshot order."""
    current = {p.member_id: p for p in now}
    rows = []
    for person in bound:
        later = current.pop(person.member_id, None)
        if later is None:
            rows.append(BoundPerson(bound=person, now=None, change=Change.REMOVED))
        elif later.identity() != person.identity():
            rows.append(BoundPerson(bound=person, now=later, change=Change.CHANGED))
        else:
            rows.append(BoundPerson(bound=person, now=later, change=Change.SAME))
    rows.extend(BoundPerson(bound=None, now=p, change=Change.ADDED) for p in current.values())
    return rows
