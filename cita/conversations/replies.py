"""The words of every reply to a text message, in cita's catalogue (`cita/conversations/locale/`).

Each reply fits one SMS part where it can and never more than two, in every language, with the longest
values it can hold (tests/conversations/test_replies.py). Replies name no person and no document: only
ports, dates, tickets, offer codes and links. The command words they show are the ones
cita.conversations.commands reads in that language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MENU = _("cita: reply with a number or a word. 1 STATUS 2 ASK 3 CANCEL 4 LANGUAGE 0 HELP")
UNREGISTERED = _(
    "cita: this number has no cita account. Sign up at %(url)s or ask a worker at a shelter to help you. "
    "cita is free."
)
UNVERIFIED = _(
    "cita: this number is not proven yet. Sign in once at %(url)s with the code we send to it, then you can "
    "write here."
)
NOTHING = _("cita: you have no request now. Send ASK to ask for an appointment.")
REQUEST_WAITING = _("cita: your request %(ticket)s is in the draw for %(date)s. The result comes by message.")
REQUEST_NOT_SELECTED = _(
    "cita: your request %(ticket)s for %(date)s was not selected. Send ASK when the next window opens."
)
OFFER = _(
    "cita: you have a place at %(port)s on %(date)s at %(slot)s. To take it, send YES %(code)s before "
    "%(deadline)s. To give it up, send NO %(code)s."
)
APPOINTMENT = _(
    "cita: your appointment: %(port)s, %(date)s at %(slot)s. Your pass: %(pass_url)s "
    "To cancel it, send CANCEL."
)
PORTS = _("cita: choose up to 3 ports, the best first. Reply with their numbers, for example 2 1. %(ports)s")
PORTS_AGAIN = _("cita: choose 1 to 3 different numbers from the list, for example 2 1. %(ports)s")
NO_PORTS = _("cita: no port takes requests now. Try again later.")
ASKED = _("cita: your request is in. Ticket %(ticket)s, for %(date)s. The result comes by message.")
CODE_NEEDED = _(
    "cita: to answer an offer, send YES or NO with the 4-digit code of the place. Send STATUS to see it."
)
NO_OFFER = _("cita: you have no place to answer now. Send STATUS to see where you are.")
CONFIRMED = _("cita: confirmed: %(port)s, %(address)s, %(date)s at %(slot)s. Your pass: %(pass_url)s")
DECLINED = _("cita: you gave up the place. You can ask again in the next window: send ASK.")
CANCEL_ASK = _(
    "cita: cancel your appointment at %(port)s on %(date)s? Send YES to cancel it. Any other answer keeps it."
)
NO_APPOINTMENT = _("cita: you have no appointment to cancel.")
CANCELLED = _("cita: your appointment is cancelled. Send ASK to ask for a new one.")
STOPPED = _(
    "cita: you will get no more messages from cita, only answers to what you send. To get them again, "
    "send START."
)
STARTED = _("cita: you will get cita's messages again. Send HELP for the menu.")
LANGUAGE_SET = _("cita: from now on we write to you in English.")
# Each language named in its own words: the same in every language, so not translated.
LANGUAGES = "cita: 1 English 2 Español 3 Kreyòl 4 Français 5 Português"
