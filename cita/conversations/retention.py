"""What the conversations domain holds of a person, for the retention purge (cita.registrations.retention).

An inbound text message is recorded once (provider, message id, the keyed hash of the sender's number, the
command understood, when): never its words. It holds no case open; a message the applicant sent is
activity, and a purged applicant's messages are deleted.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, OuterRef, Q, Subquery

from cita.conversations.models import InboundMessage


def cases_open(*, now: dt.datetime) -> Q | None:
    """Messages hold no case open."""
    return None


def case_activity() -> list[Subquery]:
    """The latest message the applicant sent."""
    messages = InboundMessage.objects.filter(applicant=OuterRef("pk")).order_by().values("applicant")
    return [Subquery(messages.annotate(latest=Max("received_at")).values("latest")[:1])]


def case_lock(*, applicant_id: int) -> None:
    """Nothing to lock."""


def applicant_data_purge(*, applicant_id: int) -> dict[str, int]:
    """Delete the applicant's recorded messages (inside the caller's transaction); counts."""
    deleted, _ = InboundMessage.objects.filter(applicant_id=applicant_id).delete()
    return {"inbound_messages": deleted}
