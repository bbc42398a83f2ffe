"""Errors the API itself raises (the domains raise their own; cita.api.problems maps both)."""

from __future__ import annotations

from typing import Any

from cita.core.errors import CitaError, Conflict


class NotAdmitted(CitaError):
    """The caller is signed in, but their role may not use this operation."""

    code = "forbidden"
    status = 403


class CsrfFailed(CitaError):
    """An unsafe request authenticated by the session cookie came without a valid CSRF token."""

    code = "csrf_failed"
    status = 403


class PassRefused(Conflict):
    """A scanned pass is not valid at this port today (or no longer valid): `reason` says why."""

    code = "pass_refused"

    def __init__(self, message: str, *, reason: str, **objects: Any) -> None:
        super().__init__(message, field="payload", **objects)
        self.reason = reason

    def problem_members(self) -> dict[str, Any]:
        """The check's own reason code (`bad_signature`, `other_port`, `checked_in`, `cancelled`, …)."""
        return {"reason": self.reason}
