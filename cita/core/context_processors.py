"""Template context every page gets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cita.core.languages import Language


def cita(request: HttpRequest) -> dict[str, Any]:
    """The current actor, the base URL, and the languages named in their own words."""
    return {
        "actor": getattr(request, "actor", None),
        "CITA_BASE_URL": settings.CITA_BASE_URL,
        "LANGUAGE_CHOICES": Language.choices,
    }
