"""Template helpers for applicant pages: dates in the reader's language, form fields with their errors,
the next-step box and the timeline (cita.web.components)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cita.core.actors import Role
from cita.core.errors import NotFound
from cita.draws.models import Draw
from cita.notifications.selectors import unread_count
from cita.registrations.countries import country_name
from cita.registrations.models import Member, Relationship
from cita.registrations.selectors import applicant_get_for_actor, member_list_for_actor
from cita.web import dates
from cita.web.components import NextStep, TimelineStep
from cita.web.forms import document_choices, relationship_choices

register = template.Library()


@register.filter
def when(value: dt.datetime | dt.date | None, tz: str = "") -> SafeString | str:
    """A `<time>` element: a date, or a date and time (in `tz`, e.g. a port's zone), in the page's
    language (`DATE_FORMAT` / `DATETIME_FORMAT` of the active locale)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = dates.local(value, tz)
        return format_html(
            '<time datetime="{}">{}</time>',
            local.isoformat(timespec="minutes"),
            date_format(local, "DATETIME_FORMAT"),
        )
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(value, "DATE_FORMAT"))


@register.filter
def moment(value: dt.datetime | None, tz: str = "") -> SafeString | str:
    """A `<time>` element with the weekday, the date and the time (in `tz`), in the page's language:
    "miércoles, 2 de diciembre de 2026 a las 11:00"."""
    if value is None:
        return ""
    at = dates.local(value, tz)
    return format_html(
        '<time datetime="{}">{}</time>', at.isoformat(timespec="minutes"), dates.moment_words(value, tz)
    )


@register.filter
def weekday_date(value: dt.date | None) -> SafeString | str:
    """A `<time>` element with the weekday and the date: "martes, 15 de diciembre de 2026"."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), dates.date_words(value))


@register.filter
def draw_name(draw: Draw | Mapping[str, Any]) -> str:
    """A draw by the day it runs and the day of its appointments, in the page's language (a `Draw`, or
    a draw as the transparency selectors give it)."""
    if isinstance(draw, Draw):
        return dates.draw_words(runs_on=draw.runs_on, day=draw.appointment_date, round_number=draw.round)
    return dates.draw_words(runs_on=draw["runs_on"], day=draw["day"], round_number=draw["round"])


@register.filter
def clock_time(value: dt.time | None) -> str:
    """A time of day as the page's language writes it."""
    return time_format(value, "TIME_FORMAT") if value is not None else ""


@register.filter
def zone_time(place: str) -> str:
    """ "Tijuana time", in the page's language."""
    return _("%(place)s time") % {"place": place} if place else ""


@register.filter
def until(value: dt.datetime | None) -> str:
    """How long from now until `value`, in words: "in 22 hours"."""
    return dates.until_words(value) if value is not None else ""


@register.filter
def ports_named(codes: Sequence[str], names: dict[str, str]) -> str:
    """Port codes as their names, in order: "San Ysidro, El Paso"."""
    return ", ".join(names.get(code, code) for code in codes)


@register.filter
def described(field: BoundField, group: str) -> SafeString:
    """Render one part of a fieldset (`group`, e.g. the date of birth) pointing at the fieldset's hint
    (`<group>_hint`) and, when any part has an error, its error (`<group>_error`)."""
    ids = [f"{group}_hint"]
    attrs: dict[str, Any] = {}
    names = getattr(field.form, "field_groups", {}).get(field.name, (field.name,))
    if any(field.form[name].errors for name in names):
        ids.append(f"{group}_error")
        attrs["aria-invalid"] = "true"
    attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def signed_in(context: template.Context) -> bool:
    """True when the page is for an applicant: one signed in, or a resident an NGO worker is helping."""
    actor = context.get("actor")
    if actor is None:
        return False
    return actor.role is Role.APPLICANT or (actor.role is Role.NGO and actor.applicant_id is not None)


@register.simple_tag(takes_context=True)
def unread_messages(context: template.Context) -> int:
    """How many of the applicant's messages are not read yet (0 for anyone else)."""
    actor = context.get("actor")
    if actor is None or actor.applicant_id is None or actor.role not in (Role.APPLICANT, Role.NGO):
        return 0
    request = context.get("request")
    cached = getattr(request, "_cita_unread", None)  # the layout and the page may both ask
    if cached is not None:
        return int(cached)
    try:
        count = unread_count(applicant_id=applicant_get_for_actor(actor=actor).pk)
    except NotFound:
        count = 0
    if request is not None:
        request._cita_unread = count
    return count


@register.simple_tag(takes_context=True)
def helping_name(context: template.Context) -> str:
    """The name of the resident an NGO worker is helping (their group's principal), or ""."""
    actor = context.get("actor")
    if actor is None or actor.role is not Role.NGO or actor.applicant_id is None:
        return ""
    try:
        members = member_list_for_actor(actor=actor)
    except NotFound:
        return ""
    principal = members.filter(relationship=Relationship.SELF).first()
    return principal.full_name if principal else ""


@register.filter
def relationship(value: str) -> str:
    """How a member is related to the principal, in the reader's language."""
    if value == Relationship.SELF:
        return str(_("You (main person)"))
    return str(dict(relationship_choices()).get(value, value))


@register.filter
def country(code: str) -> str:
    """A country's name in the reader's language."""
    return country_name(code, get_language() or "en")


@register.filter
def document(member: Member) -> str:
    """The document type and only the end of its number (enough to recognise it on a shared screen)."""
    if not member.document_number:
        return str(_("No document"))
    kind = dict(document_choices()).get(member.document_type, member.document_type)
    return f"{kind} ···{member.document_number[-4:]}"


@register.inclusion_tag("web/_field.html")
def field(bound: BoundField) -> dict[str, Any]:
    """A labelled field with its hint (`help_text`) and its errors beside it; the ids are the ones Django's
    `aria-describedby` points at (`<id>_helptext`, `<id>_error`)."""
    return {"field": bound}


@register.inclusion_tag("web/_next_step.html", takes_context=True)
def next_step(context: template.Context, step: NextStep | None) -> dict[str, Any]:
    """The box that says what to do now and by when."""
    return {"step": step, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("web/_timeline.html")
def timeline(steps: Sequence[TimelineStep]) -> dict[str, Any]:
    """An ordered list of the applicant's steps, each done, current, failed or still to come."""
    return {"steps": steps}
