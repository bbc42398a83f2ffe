"""Who is asking: every request and every job acts as one `Actor`, recorded in the audit log."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    PUBLIC = "public"
    APPLICANT = "applicant"
    NGO = "ngo"
    OFFICER = "officer"
    PLANNER = "planner"
    ADMIN = "admin"
    AUDITOR = "auditor"
    SYSTEM = "system"


STAFF_ROLES = frozenset({Role.NGO, Role.OFFICER, Role.PLANNER, Role.ADMIN, Role.AUDITOR})


@dataclass(frozen=True)
class Actor:
    """The caller of a service.

    `applicant_id` is the applicant whose data the actor works on: their own for an applicant, the resident
    an NGO worker is helping (`acting_for`) for an NGO worker. Staff carry the port or shelter they are
    bound to. `mfa_pending` marks a staff member who gave a password but not yet a TOTP code.
    """

    role: Role
    user_id: int | None = None
    applicant_id: int | None = None
    port_id: int | None = None
    shelter_id: int | None = None
    mfa_pending: bool = False
    name: str = ""
    language: str = ""

    @property
    def label(self) -> str:
        """A short stable label for logs and the audit log: `officer:12`, `applicant:34`, `system:draws`."""
        if self.role is Role.SYSTEM:
            return f"system:{self.name or 'job'}"
        if self.user_id is not None:
            return f"{self.role.value}:{self.user_id}"
        if self.applicant_id is not None:
            return f"{self.role.value}:{self.applicant_id}"
        return self.role.value

    @property
    def is_staff(self) -> bool:
        """True for a signed-in staff member who passed MFA."""
        return self.role in STAFF_ROLES and not self.mfa_pending


PUBLIC = Actor(role=Role.PUBLIC)


def system(name: str) -> Actor:
    """The actor for work the system does by itself (jobs, commands)."""
    return Actor(role=Role.SYSTEM, name=name)
