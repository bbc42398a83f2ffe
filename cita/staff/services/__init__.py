"""Every write of the staff domain: sign-in and MFA, accounts (admins), NGO work for a shelter."""

from cita.staff.services.accounts import (
    staff_activate,
    staff_create,
    staff_deactivate,
    staff_mfa_reset,
    staff_password_reset,
    staff_role_set,
)
from cita.staff.services.residents import (
    acting_actor,
    acting_start,
    acting_stop,
    resident_register,
    shelter_occupancy_set,
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
    "acting_actor",
    "acting_start",
    "acting_stop",
    "recovery_code_display",
    "recovery_codes_regenerate",
    "resident_register",
    "shelter_occupancy_set",
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
