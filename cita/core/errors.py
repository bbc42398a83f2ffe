"""The root of every domain error. One place (cita.core.problems) maps them to HTML pages and API problems."""

from __future__ import annotations

from typing import Any


class CitaError(Exception):
    """A rule of the domain refused an action; the message is safe to show to the person who tried it.

    `code` is a stable machine name (API problem type, tests); `field` names the form field it concerns.
    """

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **objects: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.objects = objects


class NotFound(CitaError):
    """The thing does not exist, or the caller may not know it exists."""

    code = "not_found"
    status = 404


class PermissionDenied(CitaError):
    """The caller may not do this."""

    code = "forbidden"
    status = 403


class Conflict(CitaError):
    """The action conflicts with the current state (already done, window closed, seats gone)."""

    code = "conflict"
    status = 409
