"""Turning a notice into words in the reader's language: dates and times local to the port."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation

from cita.notifications import messages
from cita.notifications.gsm import sms_prepare
from cita.notifications.models import NoticeKind

LANGUAGES = ("en", "es", "ht", "fr", "pt")

# How each language writes a date; the weekday and month names come from the catalogue.
DATE_LONG = {
    "en": "{weekday}, {month} {day}, {year}",
    "es": "{weekday} {day} de {month} de {year}",
    "ht": "{weekday} {day} {month} {year}",
    "fr": "{weekday} {day} {month} {year}",
    "pt": "{day} de {month} de {year} ({weekday})",
}
DATE_SHORT = {
    "en": "{weekday}, {month} {day}",
    "es": "{weekday} {day} de {month}",
    "ht": "{weekday} {day} {month}",
    "fr": "{weekday} {day} {month}",
    "pt": "{day} de {month} ({weekday})",
}


@dataclass(frozen=True)
class Rendered:
    """A notice in words: email subject and body, the SMS text as it will be sent, and the paragraphs
    (each a list of lines) for the in-app inbox. The SMS text is prepared (GSM-7 folding, segments) only
    when asked for: an email does not need it."""

    subject: str
    body: str
    sms_text: str
    paragraphs: list[list[str]]
    _sms: list[str] = field(default_factory=list, repr=False, compare=False)

    @property
    def sms(self) -> str:
        """The SMS text as it will be sent."""
        if not self._sms:
            self._sms.append(sms_prepare(self.sms_text))
        return self._sms[0]


@dataclass(frozen=True)
class _Words:
    """A template's words in one language, looked up once: the catalogue is read once per process."""

    subject: str
    paragraphs: tuple[tuple[str, ...], ...]
    sms: str
    footer: str


# Templates are module constants: (their id, language) names their words for the life of the process.
_WORDS: dict[tuple[int, str], _Words] = {}


def _words(template: messages.Template, language: str) -> _Words:
    key = (id(template), language)
    words = _WORDS.get(key)
    if words is None:
        with translation.override(language):
            words = _Words(
                subject=str(template.subject),
                paragraphs=tuple(
                    tuple(str(line) for line in (block if isinstance(block, tuple) else (block,)))
                    for block in template.paragraphs
                ),
                sms=str(template.sms),
                footer=str(messages.FOOTER),
            )
        _WORDS[key] = words
    return words


@functools.lru_cache(maxsize=4096)
def date_format(day: dt.date, language: str, *, year: bool = True) -> str:
    """`day` written out in `language` (`Tuesday, December 15, 2026`, `martes 15 de diciembre de 2026`)."""
    pattern = (DATE_LONG if year else DATE_SHORT).get(language, DATE_LONG["en"] if year else DATE_SHORT["en"])
    with translation.override(language):
        return pattern.format(
            weekday=str(messages.WEEKDAYS[day.weekday()]),
            month=str(messages.MONTHS[day.month - 1]),
            day=day.day,
            year=day.year,
        )


def time_format(at: dt.time, language: str) -> str:
    """A time of day: `9:30 AM` in English, `09:30` in the other languages."""
    if language == "en":
        hour = at.hour % 12 or 12
        return f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"
    return f"{at.hour:02d}:{at.minute:02d}"


@functools.lru_cache(maxsize=4096)
def moment_format(at: dt.datetime, time_zone: str, language: str) -> str:
    """A moment in the port's time zone: `Wednesday, December 2 at 11:00 AM (PST)`."""
    local = at.astimezone(zoneinfo.ZoneInfo(time_zone))
    with translation.override(language):
        joined = str(messages.AT_TIME) % {
            "date": date_format(local.date(), language, year=False),
            "time": time_format(local.time(), language),
        }
    return f"{joined} ({local.tzname()})"


def values(kind: str, context: Mapping[str, Any], language: str) -> dict[str, str]:
    """The placeholders of a notice's template, formatted for `language`."""
    out: dict[str, str] = {key: str(value) for key, value in context.items() if value is not None}
    for key in ("date", "old_date", "appointment_date", "wait_from", "draw_date"):
        if context.get(key):
            day = dt.date.fromisoformat(context[key])
            out[key] = date_format(day, language)
            out[f"{key}_short"] = date_format(day, language, year=False)
    if context.get("slot"):
        out["slot"] = time_format(dt.time.fromisoformat(context["slot"]), language)
    if context.get("deadline"):
        zone = context.get("time_zone") or "UTC"
        out["deadline"] = moment_format(dt.datetime.fromisoformat(context["deadline"]), zone, language)
    if kind == NoticeKind.CANCELLED:
        with translation.override(language):
            out["reason"] = str(messages.CANCEL_REASONS[context["reason"]])
    out.setdefault("url", f"{settings.CITA_BASE_URL}/")
    return out


def render(*, kind: str, context: Mapping[str, Any], language: str) -> Rendered:
    """The notice in `language` (a sign-in code's context must hold the code in clear here)."""
    if language not in LANGUAGES:
        language = "en"
    words = _words(messages.template_for(kind, dict(context)), language)
    fill = values(kind, context, language)
    subject = words.subject % fill
    paragraphs = [[line % fill for line in block] for block in words.paragraphs]
    sms = words.sms % fill
    footer = words.footer
    if kind == NoticeKind.SIGNIN_CODE:
        # The last line lets phones offer the code for the cita site (WebOTP / SMS Retriever format).
        sms += f"\n\n@{urlsplit(settings.CITA_BASE_URL).hostname} #{fill['code']}"
    text = "\n\n".join("\n".join(lines) for lines in paragraphs)
    body = f"{text}\n\n-- \n{footer}\n{settings.CITA_BASE_URL}/\n"
    return Rendered(subject=subject, body=body, sms_text=sms, paragraphs=paragraphs)
