"""What the conversations domain holds of a person, for the retention purge (cita.registrations.retention).

Text messages never keep a case open; the last one a person sent is activity of their case. For a purged
applicant every message recorded from their phone (with the account or, before the phone was proven,
without it), the phone's conversation state, and the replies sent to the phone are deleted.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, OuterRef, Q, Subquery

from cita.conversations.models import Conversation, InboundMessage
from cita.notifications.retention import replies_to_number_purge
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
    applicant = Applicant.objects.filter(pk=applicant_id).first()
    mine = Q(applicant_id=applicant_id)
    replies = 0
    if applicant is not None and applicant.phone_index:
        mine |= Q(phone_index=applicant.phone_index)
        Conversation.objects.filter(phone_index=applicant.phone_index).delete()
    if applicant is not None and applicant.phone:
        replies = replies_to_number_purge(number=applicant.phone)
    messages, _ = InboundMessage.objects.filter(mine).delete()
    return {"text_messages": messages, "replies": replies}
