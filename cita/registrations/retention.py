"""Retention: the personal data of a closed case is purged `CITA_RETENTION_DAYS` after the case closed
(docs/privacy-retention.md; the applicant's privacy page promises it).

A case is an applicant's account and travel group. It is **closed** when no domain holds anything open for
it: no request still in play, no open offer, no priority flag in force, no appointment scheduled or checked
in (each domain says what "open" means in its `retention` module). It closed at its **last activity**: the
latest moment any domain recorded for it (account made, people added, consent given, requests, offers,
appointments, notices — a sign-in code is a notice). An account with no case at all closes the same way.

The purge keeps the account row as an empty tombstone (requests, offers and appointments point at it and
are kept for counts and for the tickets in published bundles), and removes everything that is a person:
names, dates of birth, document numbers and their keyed hashes (so the person may register again),
phone, email and their keyed hashes, consents, one-time codes, notices and their addresses, priority
reasons, the shelter link. Each purge is one audit event with counts only.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Q, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.utils.module_loading import module_has_submodule

from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.crypto import blind_indexes
from cita.core.errors import Conflict, PermissionDenied
from cita.notifications.models import Notice
from cita.notifications.retention import ADDRESS_NOTICE_GRACE, notices_to_addresses_purge
from cita.registrations.models import Applicant, Consent, Member, OneTimeCode

log = logging.getLogger(__name__)

# A purged account's email index: never a keyed hash (those are 64 hex digits), so it matches no contact.
PURGED_PREFIX = "purged-"


class RetentionPart(Protocol):
    """What each domain's `retention` module offers (functions of the module)."""

    def cases_open(self, *, now: dt.datetime) -> Q | None:
        """A condition on `Applicant` rows: true when this domain still holds the case open."""
        ...

    def case_activity(self) -> list[Subquery]:
        """Expressions on `Applicant` rows: the latest moments this domain recorded for the case."""
        ...

    def case_lock(self, *, applicant_id: int) -> None:
        """Lock what a concurrent write of this domain would lock first (inside the purge's transaction)."""
        ...

    def applicant_data_purge(self, *, applicant_id: int) -> dict[str, int]:
        """Remove this domain's personal data of the applicant (inside the purge's transaction); counts."""
        ...


class CaseOpen(Conflict):
    """The case is not closed (something is still open for it), so its data is not purged."""

    code = "case_open"


@functools.cache
def retention_parts() -> tuple[RetentionPart, ...]:
    """Every other cita app's `retention` module, found through Django's app registry: the domains above
    registrations that hold a person's data (draws, appointments, notifications) are not named here."""
    return tuple(
        cast(RetentionPart, importlib.import_module(f"{config.name}.retention"))
        for config in apps.get_app_configs()
        if config.name.startswith("cita.")
        and config.name != __package__
        and module_has_submodule(config.module, "retention")
    )


def retention_days() -> int:
    """Days a closed case's personal data is kept (`CITA_RETENTION_DAYS`, at least 1)."""
    days = int(settings.CITA_RETENTION_DAYS)
    if days < 1:
        raise ImproperlyConfigured(f"CITA_RETENTION_DAYS must be at least 1, not {days}")
    return days


def _not_purged() -> Q:
    return ~Q(email_index__startswith=PURGED_PREFIX) | Q(email_index__isnull=True)


def cases_closed(*, now: dt.datetime) -> QuerySet[Applicant]:
    """Accounts whose case is closed at `now` (nothing open in any domain), not purged yet, annotated with
    `last_activity`, when the case closed."""
    rows = Applicant.objects.filter(_not_purged())
    for part in retention_parts():
        condition = part.cases_open(now=now)
        if condition is not None:
            rows = rows.filter(~condition)
    moments = [
        F("created_at"),
        *_registrations_activity(),
        *(expression for part in retention_parts() for expression in part.case_activity()),
    ]
    return rows.annotate(last_activity=Greatest(*moments))


def cases_due(*, now: dt.datetime | None = None) -> QuerySet[Applicant]:
    """Closed cases whose last activity is `CITA_RETENTION_DAYS` old or older: due for the purge."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(days=retention_days())
    # An account made after the cutoff cannot be due: that test is cheap and comes first.
    closed = cases_closed(now=now).filter(created_at__lte=cutoff)
    return closed.filter(last_activity__lte=cutoff).order_by("pk")  # type: ignore[misc]  # annotated above


def applicant_is_purged(*, applicant: Applicant) -> bool:
    """True for an account whose personal data was purged."""
    return bool(applicant.email_index and applicant.email_index.startswith(PURGED_PREFIX))


def _registrations_activity() -> list[Subquery]:
    from django.db.models import Max, OuterRef

    def latest(model: type[Member] | type[Consent] | type[OneTimeCode], column: str) -> Subquery:
        rows = model.objects.filter(applicant=OuterRef("pk")).order_by().values("applicant")
        return Subquery(rows.annotate(latest=Max(column)).values("latest")[:1])

    return [latest(Member, "created_at"), latest(Consent, "at"), latest(OneTimeCode, "created_at")]


@transaction.atomic
def applicant_purge(*, applicant: Applicant, actor: Actor) -> dict[str, int]:
    """Irreversibly remove the personal data of a closed case; its counts stay. Returns what was removed."""
    if actor.role not in (Role.SYSTEM, Role.ADMIN) or actor.mfa_pending:
        raise PermissionDenied("Only the retention job and admins purge personal data.")
    locked = Applicant.objects.select_for_update().filter(pk=applicant.pk).first()
    if locked is None or applicant_is_purged(applicant=locked):
        return {}
    for part in retention_parts():
        part.case_lock(applicant_id=locked.pk)
    if not cases_closed(now=clock.now()).filter(pk=locked.pk).exists():
        raise CaseOpen("This case is still open: it has a request, offer, appointment or priority in play.")
    counts: dict[str, int] = {}
    for part in retention_parts():
        counts.update(part.applicant_data_purge(applicant_id=locked.pk))
    counts.update(_registrations_purge(locked))
    audit_record(
        actor=actor, action="applicant.purged", object_type="applicant", object_id=locked.pk, data=counts
    )
    return counts


def _registrations_purge(applicant: Applicant) -> dict[str, int]:
    """People, consents, codes, contacts: deleted; the account row stays as an empty tombstone."""
    indexes = [i for i in (applicant.phone_index, applicant.email_index) if i]
    # Codes sent during a rotation of the index key may hold the contact's hash under another key.
    for value, purpose in ((applicant.phone, "phone"), (applicant.email, "email")):
        indexes += blind_indexes(value, purpose=purpose) if value else []
    codes, _ = OneTimeCode.objects.filter(Q(applicant=applicant) | Q(contact_index__in=indexes)).delete()
    consents, _ = Consent.objects.filter(applicant=applicant).delete()
    members, _ = Member.objects.filter(applicant=applicant).delete()
    # The row must keep one contact index (CHECK applicant_has_contact): a random one that no keyed hash can
    # equal. A new session epoch ends every session of the account.
    Applicant.objects.filter(pk=applicant.pk).update(
        phone=None,
        phone_index=None,
        email=None,
        email_index=PURGED_PREFIX + secrets.token_hex(28),
        shelter=None,
        session_epoch=F("session_epoch") + 1,
    )
    return {"members": members, "consents": consents, "codes": codes}


@dataclass(frozen=True)
class RetentionReport:
    """What a run purged (or, dry, would purge)."""

    cutoff: dt.datetime
    days: int
    cases: int
    people: int
    address_notices: int
    skipped: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False


def retention_purge_due(
    *, actor: Actor, now: dt.datetime | None = None, dry_run: bool = False, limit: int | None = None
) -> RetentionReport:
    """Purge every case due (closed `CITA_RETENTION_DAYS` ago or more), each in its own transaction, and
    sign-in notices to bare addresses a day after they expired. Safe to repeat."""
    now = now or clock.now()
    days = retention_days()
    due = cases_due(now=now)
    ids: Sequence[int] = list(
        due.values_list("pk", flat=True)[:limit] if limit else due.values_list("pk", flat=True)
    )
    if dry_run:
        return RetentionReport(
            cutoff=now - dt.timedelta(days=days),
            days=days,
            cases=len(ids),
            people=Member.objects.filter(applicant_id__in=ids).count(),
            address_notices=Notice.objects.filter(
                applicant__isnull=True, expires_at__lt=now - ADDRESS_NOTICE_GRACE
            ).count(),
            dry_run=True,
        )
    totals: dict[str, int] = {}
    purged = skipped = 0
    for applicant in Applicant.objects.filter(pk__in=ids).order_by("pk"):
        try:
            counts = applicant_purge(applicant=applicant, actor=actor)
        except CaseOpen:
            skipped += 1  # it became active again since the selection
            continue
        if counts:
            purged += 1
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
    address_notices = notices_to_addresses_purge(now=now)
    report = RetentionReport(
        cutoff=now - dt.timedelta(days=days),
        days=days,
        cases=purged,
        people=totals.get("members", 0),
        address_notices=address_notices,
        skipped=skipped,
        counts=totals,
    )
    if purged or address_notices:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="retention.purged",
                object_type="retention",
                data={
                    "cases": purged,
                    "address_notices": address_notices,
                    "skipped": skipped,
                    "retention_days": days,
                    "cutoff": report.cutoff,
                    **totals,
                },
            )
    log.info(
        "retention purge",
        extra={"cases": purged, "address_notices": address_notices, "skipped": skipped, "days": days},
    )
    return report
