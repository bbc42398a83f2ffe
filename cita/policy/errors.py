"""Errors of the draw policy."""

from __future__ import annotations

from cita.core.errors import CitaError


class InvalidPolicy(CitaError):
    """A draw policy value is out of range or takes effect in the past."""

    code = "invalid_policy"
