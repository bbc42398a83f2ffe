"""Errors of the audit domain."""

from __future__ import annotations

from cita.core.errors import CitaError


class TooManyChecks(CitaError):
    """Too many checks from this network address in a short time."""

    code = "too_many_checks"
    status = 429
