"""Reading registrations, always scoped to the caller."""

from __future__ import annotations

from django.db.models import Case, QuerySet, When

from cita.core.actors import Actor, Role
from cita.core.errors import NotFound
from cita.core.rows import sql_fill, sql_of, sql_once
from cita.policy.selectors import policy_current
from cita.registrations.models import Applicant, Member, Relationship, Shelter


def group_size_limit() -> int:
    """The most people one travel group may have: the draw policy in force (planners change it)."""
    return policy_current().group_size_limit


_APPLICANT = -7_000_000_020  # a stand-in for compiling once (`sql_once`): no row has this id


def applicant_for_session(*, applicant_id: int, epoch: int | None) -> Applicant | None:
    """The signed-in applicant, or None when the session is no longer valid ("sign out everywhere" bumped
    the epoch, or the account is gone)."""
    # Every applicant request reads it (issue 19): its query is compiled once.
    sql, params = sql_once(
        "registrations.applicant_for_session",
        lambda: sql_of(Applicant.objects.filter(pk=_APPLICANT).order_by("pk")[:1]),
        stand_ins=[_APPLICANT],
    )
    row = next(iter(Applicant.objects.raw(sql[1:-1], sql_fill(params, {_APPLICANT: applicant_id}))), None)
    if row is None or row.session_epoch != epoch:
        return None
    return row


def resident_language(*, applicant_id: int, shelter_id: int | None) -> str | None:
    """The language of a resident of this shelter (an NGO worker acting for them sees their pages in it)."""
    if shelter_id is None:
        return None
    return (
        Applicant.objects.filter(pk=applicant_id, shelter_id=shelter_id)
        .values_list("language", flat=True)
        .first()
    )


def applicant_get_for_actor(*, actor: Actor, known: object = None) -> Applicant:
    """The applicant the actor works on: themselves, or the resident an NGO worker is helping. `known` is
    the row of the applicant's session, when the caller has it (`cita.core.http.session_row`): it is used
    instead of reading the row again when it is the signed-in applicant's own."""
    if actor.applicant_id is None:
        raise NotFound("no applicant")
    if actor.role is Role.APPLICANT and isinstance(known, Applicant) and known.pk == actor.applicant_id:
        return known
    applicants = Applicant.objects.all()
    if actor.role is Role.NGO:
        if actor.shelter_id is None:
            raise NotFound("no applicant")
        applicants = applicants.filter(shelter_id=actor.shelter_id)
    elif actor.role is not Role.APPLICANT:
        raise NotFound("no applicant")
    applicant = applicants.filter(pk=actor.applicant_id).first()
    if applicant is None:
        raise NotFound("no applicant")
    return applicant


def member_list_for_actor(*, actor: Actor) -> QuerySet[Member]:
    """The members of the actor's travel group, principal first."""
    applicant = applicant_get_for_actor(actor=actor)
    principal_first = Case(When(relationship=Relationship.SELF, then=0), default=1)
    return applicant.members.annotate(principal_first=principal_first).order_by("principal_first", "id")


def member_get_for_actor(*, actor: Actor, member_id: int) -> Member:
    """One member of the actor's own travel group."""
    applicant = applicant_get_for_actor(actor=actor)
    member = applicant.members.filter(pk=member_id).first()
    if member is None:
        raise NotFound("no such member")
    return member


def shelter_list() -> QuerySet[Shelter]:
    """Every shelter, by city and name."""
    return Shelter.objects.all()
