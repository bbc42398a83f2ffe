"""Every write of the draws domain (a package: requests, the draw itself, offers, notices)."""

from cita.draws.services.cycle import draw_close, draw_open, draw_open_due, draws_close_due
from cita.draws.services.notices import draw_notify, draws_notify_due
from cita.draws.services.offers import offers_expire_due, offers_remind_due
from cita.draws.services.requests import (
    priority_flag,
    priority_grant_displaced,
    priority_revoke,
    request_submit,
    request_withdraw,
)
from cita.draws.services.run import draw_run

__all__ = [
    "draw_close",
    "draw_notify",
    "draw_open",
    "draw_open_due",
    "draw_run",
    "draws_close_due",
    "draws_notify_due",
    "offers_expire_due",
    "offers_remind_due",
    "priority_flag",
    "priority_grant_displaced",
    "priority_revoke",
    "request_submit",
    "request_withdraw",
]
