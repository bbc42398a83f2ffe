"""Every write of the staff domain: sign-in and MFA, accounts (admins). The NGO work for a shelter's
residents writes registrations' tables and lives there (cita.registrations.residents)."""

from cita.staff.services.accounts import (
    staff_activate,
    staff_create,
    staff_deactivate,
    staff_mfa_reset,
    staff_password_reset,
    staff_role_set,
)
from cita.staff.services.signin import (
    recovery_code_display,
    recovery_codes_regenerate,
    staff_actor,
    staff_password_change,
    staff_password_check,
    staff_second_factor_check,
    staff_signed_out,
    totp_enrolment_confirm,
    totp_enrolment_start,
)

__all__ = [
    "recovery_code_display",
    "recovery_codes_regenerate",
    "staff_activate",
    "staff_actor",
    "staff_create",
    "staff_deactivate",
    "staff_mfa_reset",
    "staff_password_change",
    "staff_password_check",
    "staff_password_reset",
    "staff_role_set",
    "staff_second_factor_check",
    "staff_signed_out",
    "totp_enrolment_confirm",
    "totp_enrolment_start",
]
