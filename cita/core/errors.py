"""The root of every domain error. cita.api.problems maps them to API problem responses."""

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

    def problem_members(self) -> dict[str, Any]:
        """Extra members of the API problem body (plain JSON values, never personal data)."""
        return {}


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
