"""What the conversations domain holds of a person, for the retention purge (cita.registrations.retention).

Text messages never keep a case open; the last one a person sent is activity of their case. For a purged
applicant every message recorded from their phone (with the account or, before the phone was proven,
without it) and the phone's conversation state are deleted: they hold the phone's keyed hash.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, OuterRef, Q, Subquery

from cita.conversations.models import Conversation, InboundMessage
from cita.registrations.models import Applicant


def cases_open(*, now: dt.datetime) -> Q | None:
    """Text messages hold no case open."""
    return None


def case_activity() -> list[Subquery]:
    """The latest text message the applicant's phone sent as the applicant."""
    messages = InboundMessage.objects.filter(applicant=OuterRef("pk")).order_by().values("applicant")
    return [Subquery(messages.annotate(latest=Max("received_at")).values("latest")[:1])]


def case_lock(*, applicant_id: int) -> None:
    """Nothing to lock."""


def applicant_data_purge(*, applicant_id: int) -> dict[str, int]:
    """Delete the messages of the applicant and of their phone, and the phone's conversation state (inside
    the caller's transaction, before registrations removes the phone's keyed hash); counts."""
    phone_index = Applicant.objects.filter(pk=applicant_id).values_list("phone_index", flat=True).first()
    mine = Q(applicant_id=applicant_id)
    if phone_index:
        mine |= Q(phone_index=phone_index)
        Conversation.objects.filter(phone_index=phone_index).delete()
    messages, _ = InboundMessage.objects.filter(mine).delete()
    return {"text_messages": messages}
