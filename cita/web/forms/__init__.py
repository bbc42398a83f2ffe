"""Applicant forms. They parse and check what was typed; the rules live in the services, whose errors
`add_service_error` puts beside the field they concern. Messages are in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cita.core.errors import CitaError
from cita.core.forms import form_error_add
from cita.core.languages import Language
from cita.registrations.countries import country_choices
from cita.registrations.models import DocumentType, Member, Relationship
from cita.registrations.services import MemberInput


class ApplicantForm(forms.Form):
    """No browser-side `required` (its bubbles are in the browser's language, not the page's): the server
    checks and answers beside each field. `field_groups` names fieldsets whose parts share one error."""

    use_required_attribute = False
    field_groups: Mapping[str, tuple[str, ...]] = {}
    # Where a service error about a field of the domain (its `field`) is shown on this form.
    service_fields: Mapping[str, str] = {}

    def add_service_error(self, error: CitaError) -> None:
        """Show a domain error beside the field it concerns, or at the top when it concerns none here."""
        form_error_add(self, error, fields=self.service_fields)

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the error summary: each message links to its field."""
        links = [("", str(message)) for message in self.non_field_errors()]
        seen: set[tuple[str, str]] = set()
        for bound in self:
            group = self.field_groups.get(bound.name, (bound.name,))[0]
            for message in bound.errors:
                if (group, str(message)) not in seen:
                    seen.add((group, str(message)))
                    links.append((self[group].id_for_label, str(message)))
        return links


class ContactForm(ApplicantForm):
    contact = forms.CharField(
        label=_("Your phone number or email address"),
        help_text=_("A phone number starts with + and the country code, for example +52 664 123 4567."),
        max_length=120,
        error_messages={"required": _("Write your phone number or your email address.")},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )


class CodeForm(ApplicantForm):
    code = forms.CharField(
        label=_("The 6-digit code"),
        max_length=12,
        error_messages={"required": _("Write the code we sent you.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": "8", "class": "code"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("The code has 6 digits, for example 123456."))
        return code


def relationship_choices() -> list[tuple[str, Any]]:
    """How a member is related to the principal, in the reader's language (the principal excluded)."""
    return [
        ("", _("Choose")),
        (Relationship.PARTNER, _("Husband, wife or partner")),
        (Relationship.CHILD, _("Son or daughter")),
        (Relationship.PARENT, _("Father or mother")),
        (Relationship.SIBLING, _("Brother or sister")),
        (Relationship.RELATIVE, _("Other relative")),
        (Relationship.OTHER, _("Other person")),
    ]


def document_choices() -> list[tuple[str, Any]]:
    """Document types in the reader's language, with "no document" first."""
    return [
        ("", _("No document")),
        (DocumentType.PASSPORT, _("Passport")),
        (DocumentType.NATIONAL_ID, _("National identity card")),
        (DocumentType.BIRTH_CERTIFICATE, _("Birth certificate")),
        (DocumentType.OTHER, _("Other document")),
    ]


def month_choices() -> list[tuple[str, Any]]:
    return [("", pgettext_lazy("month of birth", "Month")), *((str(n), name) for n, name in MONTHS.items())]


DOB_MISSING = _("Write the day, the month and the year of birth.")


class MemberForm(ApplicantForm):
    """One person of the travel group. The date of birth is three plain fields (day, month name, year),
    which work on every phone, unlike the browser's date picker."""

    field_groups = dict.fromkeys(("dob_day", "dob_month", "dob_year"), ("dob_day", "dob_month", "dob_year"))
    service_fields = {"date_of_birth": "dob_day"}

    relationship = forms.ChoiceField(
        label=_("This person is your"),
        choices=relationship_choices,
        error_messages={"required": _("Choose how this person is related to you.")},
    )
    given_names = forms.CharField(
        label=_("Given names"),
        max_length=100,
        error_messages={"required": _("Write the given names.")},
        help_text=_("As written on the document, if there is one."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    family_names = forms.CharField(
        label=_("Family names"),
        max_length=100,
        error_messages={"required": _("Write the family names.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    dob_day = forms.IntegerField(
        label=_("Day"),
        min_value=1,
        max_value=31,
        error_messages={"invalid": _("Write the day as a number, for example 17."), "required": DOB_MISSING},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": "2", "maxlength": "2", "class": "day"}),
    )
    dob_month = forms.TypedChoiceField(
        label=_("Month"), coerce=int, choices=month_choices, error_messages={"required": DOB_MISSING}
    )
    dob_year = forms.IntegerField(
        label=_("Year"),
        min_value=1900,
        max_value=2100,
        error_messages={
            "invalid": _("Write the year with 4 digits, for example 1990."),
            "required": DOB_MISSING,
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "size": "4", "maxlength": "4", "class": "year"}
        ),
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"), error_messages={"required": _("Choose a country from the list.")}
    )
    document_type = forms.ChoiceField(label=_("Identity document"), choices=document_choices, required=False)
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        required=False,
        help_text=_("Leave it empty if this person has no document."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )

    def __init__(
        self, *args: Any, principal: bool = False, held: bool = False, approver: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if held:
            # The group holds a request, offer or appointment: a change of who is in it needs a tick
            # (cita.appointments.services.identity).
            self.fields["confirm"] = forms.BooleanField(
                required=False,
                label=(
                    _("I checked this person's identity document and I approve this change.")
                    if approver
                    else _("Yes, make this change and cancel our request, offer or appointment.")
                ),
            )
        language = get_language() or "en"
        nationality = self.fields["nationality"]
        assert isinstance(nationality, forms.ChoiceField)
        nationality.choices = [("", _("Choose a country")), *country_choices(language)]
        self.principal = principal
        if principal:
            del self.fields["relationship"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, month, year = data.get("dob_day"), data.get("dob_month"), data.get("dob_year")
        if day and month and year:
            try:
                data["date_of_birth"] = dt.date(year, month, day)
            except ValueError:
                self.add_error("dob_day", _("This date does not exist. Check the day and the month."))
        return data

    def dob_errors(self) -> list[str]:
        """The errors of the three date-of-birth fields, shown once beside the fieldset."""
        errors = [str(e) for name in ("dob_day", "dob_month", "dob_year") for e in self[name].errors]
        return list(dict.fromkeys(errors))

    def member_input(self) -> MemberInput:
        """What the services take, from a valid form."""
        relationship = Relationship.SELF if self.principal else self.cleaned_data["relationship"]
        return MemberInput.of(self.cleaned_data, relationship=relationship)

    def confirmed(self) -> bool:
        """Whether the change of who is in a group holding a seat was confirmed (or approved)."""
        return bool(self.cleaned_data.get("confirm"))

    @staticmethod
    def initial_for(member: Member) -> dict[str, Any]:
        """The form's starting values for an existing member."""
        return {
            "relationship": member.relationship,
            "given_names": member.given_names,
            "family_names": member.family_names,
            "dob_day": member.date_of_birth.day,
            "dob_month": str(member.date_of_birth.month),
            "dob_year": member.date_of_birth.year,
            "nationality": member.nationality,
            "document_type": member.document_type,
            "document_number": member.document_number or "",
        }


class RegisterForm(MemberForm):
    """The principal, and their agreement to the consent text."""

    consent = forms.BooleanField(
        label=_("I have read this text and I agree."),
        error_messages={"required": _("You must agree before we can save your data.")},
    )

    def __init__(self, *args: Any, helper: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, principal=True, **kwargs)
        if helper:
            self.fields["consent"].label = _(
                "The person read this text, or I read it to them, and they agree."
            )


class ContactChangeForm(ApplicantForm):
    """A new phone number or email for the account; a code goes to it before it counts."""

    contact = forms.CharField(
        label=_("New phone number or email address"),
        help_text=_("We send a code to it. It changes only when you type that code here."),
        max_length=120,
        error_messages={"required": _("Write your phone number or your email address.")},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )


def _six_digits(value: str) -> str:
    code = "".join(value.split())
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise forms.ValidationError(_("The code has 6 digits, for example 123456."))
    return code


class ContactConfirmForm(ApplicantForm):
    """The codes of a contact change: the one sent to the current contact (proves the owner; an NGO
    worker of the shelter may attest instead) and the one sent to the new contact."""

    current_code = forms.CharField(
        label=_("The code sent to your current phone or email"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "code"}),
    )
    code = forms.CharField(
        label=_("The code sent to the new phone or email"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "code"}
        ),
    )
    attest = forms.BooleanField(
        required=False,
        label=_("I checked this person's identity. They asked for this change and cannot get the old code."),
    )

    def __init__(
        self, *args: Any, current: bool = True, new: bool = True, may_attest: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, needed in (("current_code", current), ("code", new), ("attest", may_attest and current)):
            if not needed:
                del self.fields[name]
        if may_attest and "current_code" in self.fields:
            self.fields["current_code"].required = False
        for name in ("current_code", "code"):
            if name in self.fields:
                self.fields[name].error_messages["required"] = _("Write the code we sent you.")

    def clean_current_code(self) -> str:
        value = self.cleaned_data.get("current_code") or ""
        return _six_digits(value) if value else ""

    def clean_code(self) -> str:
        return _six_digits(self.cleaned_data["code"])


class PassCheckForm(ApplicantForm):
    """The text of a pass: printed under its QR code, or read from it."""

    payload = forms.CharField(
        label=_("The pass code"),
        help_text=_(
            "The pass code printed on the pass (10 letters and numbers, like ABCDE-12345), or the letters "
            "and numbers printed under the QR code."
        ),
        max_length=400,
        error_messages={"required": _("Write or paste the pass code.")},
        widget=forms.Textarea(attrs={"rows": "3", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_payload(self) -> str:
        return "".join(self.cleaned_data["payload"].split()).upper()


class TicketLookupForm(ApplicantForm):
    """A ticket to look up in a draw's results (a GET form: it changes nothing)."""

    ticket = forms.CharField(
        label=_("Your ticket"),
        help_text=_(
            "The 10 letters and numbers of your ticket. It is on your request's page and in our messages."
        ),
        max_length=40,
        error_messages={"required": _("Write your ticket.")},
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocapitalize": "characters", "autocomplete": "off"}
        ),
    )


class LanguageForm(ApplicantForm):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
