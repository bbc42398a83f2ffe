"""Index key rotation: the document hashes a request keeps move with its members' (registrations/reindex)."""

from __future__ import annotations

from collections.abc import Mapping

from cita.draws.models import RequestPeople
from cita.registrations.reindex import array_rekey


def documents_rekey(*, moved: Mapping[str, str]) -> int:
    """Replace old-key document hashes in requests' people by the current key's."""
    return array_rekey(RequestPeople, "document_indexes", moved)
