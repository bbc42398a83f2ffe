"""The words of every notice: an email subject and body and an SMS text per kind, in cita's catalogue
(`cita/notifications/locale/`, translated into es, ht, fr, pt).

Placeholders are the context keys of cita.notifications.contract, formatted for the reader by
cita.notifications.rendering: `%(date)s` is a long local date, `%(date_short)s` the same without the
year, `%(slot)s` a local time, `%(deadline)s` a local date and time with the zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cita.notifications.models import NoticeKind

Text = str | Promise


@dataclass(frozen=True)
class Template:
    """A message in one kind: the email subject, its paragraphs (a tuple is a block of lines), the SMS."""

    subject: Text
    paragraphs: Sequence[Text | tuple[Text, ...]]
    sms: Text


PORT = _("Port: %(port_name)s")
ADDRESS = _("Address: %(port_address)s")
DATE = _("Date: %(date)s")
TIME = _("Time: %(slot)s")
TICKET = _("Ticket: %(ticket)s")
PASS = _("Your pass: %(pass_url)s")
CONFIRM_AT = _("Confirm here: %(url)s")
PLACE = (PORT, DATE, TIME)

FOOTER = _("This message comes from cita. cita is free: nobody can sell you an appointment.")

# How dates and times are put together; the names themselves are translated with a context below.
AT_TIME = pgettext_lazy("notification date and time", "%(date)s at %(time)s")

WEEKDAYS = (
    pgettext_lazy("notification weekday", "Monday"),
    pgettext_lazy("notification weekday", "Tuesday"),
    pgettext_lazy("notification weekday", "Wednesday"),
    pgettext_lazy("notification weekday", "Thursday"),
    pgettext_lazy("notification weekday", "Friday"),
    pgettext_lazy("notification weekday", "Saturday"),
    pgettext_lazy("notification weekday", "Sunday"),
)
MONTHS = (
    pgettext_lazy("notification month", "January"),
    pgettext_lazy("notification month", "February"),
    pgettext_lazy("notification month", "March"),
    pgettext_lazy("notification month", "April"),
    pgettext_lazy("notification month", "May"),
    pgettext_lazy("notification month", "June"),
    pgettext_lazy("notification month", "July"),
    pgettext_lazy("notification month", "August"),
    pgettext_lazy("notification month", "September"),
    pgettext_lazy("notification month", "October"),
    pgettext_lazy("notification month", "November"),
    pgettext_lazy("notification month", "December"),
)

CANCEL_REASONS: dict[str, Text] = {
    "applicant": _("You cancelled it."),
    "ngo": _("A shelter worker cancelled it for you."),
    "staff": _("cita staff cancelled it."),
    "port_closed": _("The port is closed that day."),
    "other": _("If you did not expect this, ask a shelter worker for help."),
}

SIGNIN_CODE = Template(
    subject=_("Your cita sign-in code"),
    paragraphs=(
        _("Your sign-in code is %(code)s."),
        _("It works for %(minutes)s minutes. Type it on the cita page where you asked for it."),
        _("Never give this code to anyone. cita staff will never ask you for it."),
        _("If you did not ask for a code, you can ignore this message."),
    ),
    sms=_("cita: your sign-in code is %(code)s. It works for %(minutes)s minutes. Never give it to anyone."),
)

REQUEST_RECEIVED = Template(
    subject=_("We received your request"),
    paragraphs=(
        _("We received your request for an appointment on %(appointment_date)s."),
        _(
            "Your ticket is %(ticket)s. Keep it private: with it you can find your result "
            "in the published draw."
        ),
        _(
            "The draw takes place after the request window closes. We will send you the result. "
            "You do not need to do anything now."
        ),
    ),
    sms=_(
        "cita: we received your request for %(appointment_date_short)s. Ticket: %(ticket)s. "
        "We will send you the result after the draw."
    ),
)

SELECTED = Template(
    subject=_("You were selected. Confirm before %(deadline)s"),
    paragraphs=(
        _("Good news: your group was selected in the draw for an appointment."),
        (*PLACE, TICKET),
        _(
            "You must confirm before %(deadline)s. If you do not confirm in time, the place goes "
            "to another group."
        ),
        CONFIRM_AT,
    ),
    sms=_(
        "cita: you were selected! %(port_name)s, %(date_short)s, %(slot)s. "
        "Confirm before %(deadline)s or you lose the place: %(url)s"
    ),
)

NOT_SELECTED = Template(
    subject=_("Draw result: not selected this time"),
    paragraphs=(
        _("Your group was not selected in the draw for appointments on %(appointment_date)s. We are sorry."),
        _(
            "You can ask again in the next request window. Part of the appointments goes to the people "
            "who have waited longest."
        ),
        _("Your ticket was %(ticket)s. You can check the published draw on the cita website."),
    ),
    sms=_(
        "cita: your group was not selected in the draw for %(appointment_date_short)s. "
        "You can ask again in the next window."
    ),
)

# The same notice naming the draw by its days and linking its page, where the ticket can be looked up.
NOT_SELECTED_NAMED = Template(
    subject=NOT_SELECTED.subject,
    paragraphs=(
        _(
            "Your group was not selected in the draw of %(draw_date)s for appointments on "
            "%(appointment_date)s. We are sorry."
        ),
        NOT_SELECTED.paragraphs[1],
        _("Your ticket was %(ticket)s. You can look it up on the draw's page: %(lookup_url)s"),
    ),
    sms=NOT_SELECTED.sms,
)

DEADLINE_REMINDER = Template(
    subject=_("Reminder: confirm your appointment before %(deadline)s"),
    paragraphs=(
        _("You have not confirmed your appointment yet."),
        PLACE,
        _("Confirm before %(deadline)s. After that, the place goes to another group."),
        CONFIRM_AT,
    ),
    sms=_(
        "cita reminder: confirm your appointment at %(port_name)s on %(date_short)s "
        "before %(deadline)s: %(url)s"
    ),
)

# A closure moved an open offer (cita.appointments.services.rebooking): where it is now, and the deadline.
OFFER_MOVED = Template(
    subject=_("The place offered to you was moved: confirm before %(deadline)s"),
    paragraphs=(
        _("The port %(old_port_name)s is closed on %(old_date)s, so we moved the place offered to you."),
        (_("The new place:"), *PLACE),
        _("Confirm before %(deadline)s. After that, the place goes to another group."),
        CONFIRM_AT,
    ),
    sms=_(
        "cita: %(old_port_name)s is closed. Your new place: %(port_name)s, %(date_short)s, %(slot)s. "
        "Confirm before %(deadline)s: %(url)s"
    ),
)

# The same, moved away from the group's first port: it may confirm or wait for that port.
OFFER_MOVED_WITH_CHOICE = Template(
    subject=_("The place offered to you was moved: confirm it or wait"),
    paragraphs=(
        _("The port %(old_port_name)s is closed on %(old_date)s, so we moved the place offered to you."),
        (_("The new place:"), *PLACE),
        _("Confirm before %(deadline)s. After that, the place goes to another group."),
        _(
            "Or you can wait for your first port, %(first_port_name)s. Then your group will be first in "
            "line in the draws for days from %(wait_from)s, when the port is open again. You keep your "
            "place: the day you first asked does not change."
        ),
        _("Confirm or choose to wait here: %(url)s"),
    ),
    sms=_(
        "cita: %(old_port_name)s is closed. New place: %(port_name)s, %(date_short)s, %(slot)s. Confirm it "
        "or wait for %(first_port_name)s: %(url)s"
    ),
)

CONFIRMED = Template(
    subject=_("Your appointment is confirmed"),
    paragraphs=(
        _("Your appointment is confirmed."),
        (PORT, ADDRESS, DATE, TIME),
        PASS,
        _(
            "Show the QR code of your pass at the port, printed or on your phone. "
            "Bring the documents of every person in your group."
        ),
    ),
    sms=_(
        "cita: your appointment is confirmed. %(port_name)s, %(port_address)s, %(date_short)s, %(slot)s. "
        "Your pass: %(pass_url)s"
    ),
)

# The group moved its confirmed appointment to another port or day (cita.appointments.services.swap).
CHANGED = Template(
    subject=_("Your appointment was changed"),
    paragraphs=(
        _("You changed your appointment. This is your new appointment."),
        (PORT, ADDRESS, DATE, TIME),
        _("Your new pass: %(pass_url)s"),
        _("Your old pass no longer works."),
    ),
    sms=_(
        "cita: your appointment was changed. %(port_name)s, %(port_address)s, %(date_short)s, %(slot)s. "
        "New pass: %(pass_url)s"
    ),
)

REBOOKED = Template(
    subject=_("Your appointment was moved"),
    paragraphs=(
        _("The port %(old_port_name)s is closed on %(old_date)s, so we moved your appointment."),
        (_("Your new appointment:"), *PLACE),
        _("Your new pass: %(pass_url)s"),
        _("Your old pass no longer works."),
    ),
    sms=_(
        "cita: %(old_port_name)s is closed on %(old_date_short)s. Your new appointment: %(port_name)s, "
        "%(date_short)s, %(slot)s. New pass: %(pass_url)s"
    ),
)

# The same move, for a group sent away from its first port: it may keep the new appointment or wait.
REBOOKED_WITH_CHOICE = Template(
    subject=_("Your appointment was moved: you can keep it or wait"),
    paragraphs=(
        _("The port %(old_port_name)s is closed on %(old_date)s, so we moved your appointment."),
        (_("Your new appointment:"), *PLACE),
        _("Your new pass: %(pass_url)s"),
        _("Your old pass no longer works."),
        _(
            "We looked at your ports in your order, and at the first day with room at each one. We only "
            "give a port in another city if the day is at least %(notice_days)s days away."
        ),
        _("You can choose. To keep the new appointment, do nothing."),
        _(
            "Or you can wait for your first port, %(first_port_name)s. Then your group will be first in "
            "line in the draws for days from %(wait_from)s, when the port is open again. You keep your "
            "place: the day you first asked does not change. Choose before your new appointment: "
            "%(wait_url)s"
        ),
    ),
    sms=_(
        "cita: %(old_port_name)s is closed on %(old_date_short)s. New appointment: %(port_name)s, "
        "%(date_short)s, %(slot)s. Pass: %(pass_url)s Or wait for %(first_port_name)s with priority: "
        "%(wait_url)s"
    ),
)

REBOOKED_NOT_PLACED = Template(
    subject=_("Your appointment was cancelled: the port is closed"),
    paragraphs=(
        _(
            "The port %(old_port_name)s is closed on %(old_date)s. We could not find a new appointment "
            "for your group."
        ),
        _(
            "Ask for an appointment again in the next request window. Your group will have priority "
            "in the next draws."
        ),
        _("Your old pass no longer works."),
    ),
    sms=_(
        "cita: %(old_port_name)s is closed on %(old_date_short)s and we found no new date for you. "
        "Ask again: you will have priority in the next draws."
    ),
)

CANCELLED = Template(
    subject=_("Your appointment was cancelled"),
    paragraphs=(
        _("Your appointment at %(port_name)s on %(date)s was cancelled."),
        "%(reason)s",
        _("Your pass no longer works. You can ask for a new appointment in the next request window."),
    ),
    sms=_(
        "cita: your appointment at %(port_name)s on %(date_short)s was cancelled. %(reason)s "
        "You can ask again in the next window."
    ),
)

DAY_BEFORE = Template(
    subject=_("Tomorrow: your appointment at %(port_name)s"),
    paragraphs=(
        _("Your appointment is tomorrow."),
        (PORT, ADDRESS, DATE, TIME),
        PASS,
        _(
            "Bring your pass, printed or on your phone, and the documents of every person in your group. "
            "Arrive on time."
        ),
    ),
    sms=_(
        "cita: tomorrow at %(slot)s is your appointment at %(port_name)s, %(port_address)s. "
        "Bring your pass: %(pass_url)s"
    ),
)

NO_SHOW = Template(
    subject=_("You missed your appointment"),
    paragraphs=(
        _("Our records show that your group did not come to the appointment at %(port_name)s on %(date)s."),
        _(
            "If this is a mistake, ask a shelter worker for help. You can ask for a new appointment "
            "in the next request window."
        ),
    ),
    sms=_(
        "cita: our records show you missed your appointment at %(port_name)s on %(date_short)s. "
        "You can ask for a new one in the next window."
    ),
)

# A reply to a text message (cita.conversations): its words come ready, in the reader's language.
REPLY = Template(subject=_("A reply from cita"), paragraphs=("%(text)s",), sms="%(text)s")

SIGNIN_LOCKED = Template(
    subject=_("Signing in to cita is locked for now"),
    paragraphs=(
        _("Someone typed many wrong sign-in codes for your phone or email."),
        _(
            "To keep your account safe, nobody can sign in with this phone or email for %(hours)s hours. "
            "Your group, requests and appointments stay as they are."
        ),
        _(
            "If it was not you, do nothing. Never give a code to anyone. If you need help, ask a "
            "shelter worker."
        ),
    ),
    sms=_(
        "cita: many wrong sign-in codes were typed for this number. Sign-in is locked for %(hours)s hours. "
        "Never give a code to anyone."
    ),
)

CONTACT_CHANGED = Template(
    subject=_("The contact of your cita account changed"),
    paragraphs=(
        _("The phone number or email of your cita account was changed. This one no longer signs in."),
        _("All other sessions of the account were signed out."),
        _("If it was not you, ask a shelter worker for help now."),
    ),
    sms=_(
        "cita: the phone number or email of your cita account was changed. If it was not you, ask a "
        "shelter worker for help now."
    ),
)

TEMPLATES: dict[str, Template] = {
    NoticeKind.SIGNIN_CODE: SIGNIN_CODE,
    NoticeKind.REQUEST_RECEIVED: REQUEST_RECEIVED,
    NoticeKind.SELECTED: SELECTED,
    NoticeKind.NOT_SELECTED: NOT_SELECTED,
    NoticeKind.DEADLINE_REMINDER: DEADLINE_REMINDER,
    NoticeKind.CONFIRMED: CONFIRMED,
    NoticeKind.REBOOKED: REBOOKED,
    NoticeKind.CANCELLED: CANCELLED,
    NoticeKind.DAY_BEFORE: DAY_BEFORE,
    NoticeKind.NO_SHOW: NO_SHOW,
    NoticeKind.REPLY: REPLY,
    NoticeKind.SIGNIN_LOCKED: SIGNIN_LOCKED,
    NoticeKind.CONTACT_CHANGED: CONTACT_CHANGED,
}


def template_for(kind: str, context: dict[str, object]) -> Template:
    """The template of a notice (a rebooking that found no new place, and a changed appointment, have
    their own words)."""
    if kind == NoticeKind.DEADLINE_REMINDER and context.get("first_port_name"):
        return OFFER_MOVED_WITH_CHOICE
    if kind == NoticeKind.DEADLINE_REMINDER and context.get("old_port_name"):
        return OFFER_MOVED
    if kind == NoticeKind.CONFIRMED and context.get("changed"):
        return CHANGED
    if kind == NoticeKind.REBOOKED and not context.get("placed"):
        return REBOOKED_NOT_PLACED
    if kind == NoticeKind.REBOOKED and context.get("wait_url"):
        return REBOOKED_WITH_CHOICE
    if kind == NoticeKind.NOT_SELECTED and context.get("lookup_url") and context.get("draw_date"):
        return NOT_SELECTED_NAMED
    return TEMPLATES[kind]
