from __future__ import annotations

import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from cita.core.actors import Actor, Role
from cita.registrations.models import Applicant, Member, Shelter
from cita.registrations.services import MemberInput, applicant_get_or_create, group_register, member_add

_phones = itertools.count(5_200_000)


class ShelterFactory(DjangoModelFactory[Shelter]):
    class Meta:
        model = Shelter

    name = factory.Sequence(lambda n: f"Shelter {n}")
    city = "Tijuana"
    capacity = 200


def member_input(**overrides: object) -> MemberInput:
    """A valid person; pass `document_number` to make it unique, or leave it for a random one."""
    values: dict[str, object] = {
        "relationship": "self",
        "given_names": "Ana María",
        "family_names": "Pérez López",
        "date_of_birth": dt.date(1990, 5, 17),
        "nationality": "VE",
        "document_type": "passport",
        "document_number": f"P{next(_phones):08d}",
    }
    values.update(overrides)
    return MemberInput(**values)  # type: ignore[arg-type]


def applicant(*, phone: str | None = None, email: str | None = None, language: str = "es") -> Applicant:
    """A signed-up applicant with no group yet."""
    if phone is None and email is None:
        phone = f"+52664{next(_phones):07d}"
    # As after a sign-in with a code: the phone is proven.
    return applicant_get_or_create(phone=phone, email=email, language=language, phone_proven=True)


def actor_for(applicant: Applicant) -> Actor:
    """The applicant acting for themselves."""
    return Actor(role=Role.APPLICANT, applicant_id=applicant.pk)


def registered_group(*, size: int = 1, language: str = "es", **principal: object) -> Applicant:
    """An applicant with a registered group of `size` people (the principal and relatives)."""
    row = applicant(language=language)
    actor = actor_for(row)
    group_register(
        actor=actor,
        applicant=row,
        principal=member_input(**principal),
        consent_given=True,
        consent_language=language,
    )
    for i in range(size - 1):
        member_add(
            actor=actor,
            applicant=row,
            member=member_input(
                relationship="child", given_names=f"Child {i}", date_of_birth=dt.date(2015, 1, 1)
            ),
        )
    return row


__all__ = [
    "Applicant",
    "Member",
    "ShelterFactory",
    "actor_for",
    "applicant",
    "member_input",
    "registered_group",
]
