"""Index key rotation: the document hashes an appointment keeps move with its members'
(registrations/reindex)."""

from __future__ import annotations

from collections.abc import Mapping

from cita.appointments.models import Appointment
from cita.registrations.reindex import array_rekey


def documents_rekey(*, moved: Mapping[str, str]) -> int:
    """Replace old-key document hashes in appointments by the current key's."""
    return array_rekey(Appointment, "document_indexes", moved)
