"""Forms of the staff consoles: they parse input; the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from cita.appointments.models import Outcome
from cita.core.languages import Language
from cita.ports.models import Port
from cita.registrations.countries import country_choices
from cita.registrations.models import DocumentType, Relationship, Shelter
from cita.registrations.services import MemberInput
from cita.staff.models import StaffRole


class PasswordForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label="New password",
        help_text="At least 12 characters; not a common password, not only digits.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="New password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password2") != data.get("new_password1"):
            self.add_error("new_password2", "The two new passwords are not the same.")
        return data


def _port_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Port.objects.all(), required=False, empty_label="(none)", help_text="Officers only: their port."
    )


def _shelter_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Shelter.objects.all(),
        required=False,
        empty_label="(none)",
        help_text="NGO workers only: their shelter.",
    )


class AccountRoleForm(forms.Form):
    role = forms.ChoiceField(choices=StaffRole.choices)
    port = _port_field()
    shelter = _shelter_field()


class AccountCreateForm(AccountRoleForm):
    username = forms.CharField(max_length=150, help_text="Letters, digits and @ . + - _ only.")
    email = forms.EmailField(label="Work email")
    first_name = forms.CharField(label="Given name", max_length=150, required=False)
    last_name = forms.CharField(label="Family name", max_length=150, required=False)

    field_order = ["username", "email", "first_name", "last_name", "role", "port", "shelter"]


class OccupancyForm(forms.Form):
    occupancy = forms.IntegerField(
        label="People staying at the shelter now",
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class MemberForm(forms.Form):
    """One person of a travel group, as an NGO worker types it."""

    relationship = forms.ChoiceField(
        label="Relationship to the main person",
        choices=[c for c in Relationship.choices if c[0] != Relationship.SELF],
    )
    given_names = forms.CharField(max_length=100)
    family_names = forms.CharField(max_length=100)
    # A plain text field: a date picker shows the browser's own order (mm/dd/yyyy in a US browser), which
    # contradicted the hint; year-month-day reads the same everywhere.
    date_of_birth = forms.DateField(
        help_text="Type it as year-month-day: 1990-05-17.",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(
            attrs={"placeholder": "YYYY-MM-DD", "inputmode": "numeric", "autocomplete": "off"},
            format="%Y-%m-%d",
        ),
    )
    nationality = forms.ChoiceField(choices=[("", "(choose)"), *country_choices("en")])
    document_type = forms.ChoiceField(choices=[("", "(no document)"), *DocumentType.choices], required=False)
    document_number = forms.CharField(max_length=40, required=False)

    def member_input(self, relationship: str | None = None) -> MemberInput:
        """The cleaned data as the registrations services take it."""
        return MemberInput.of(
            self.cleaned_data, relationship=relationship or self.cleaned_data["relationship"]
        )


class MemberAddForm(MemberForm):
    """A person added to a resident's group; the tick approves it when the group holds a seat."""

    confirm = forms.BooleanField(
        required=False,
        label="I checked this person's identity document and I approve adding them",
        help_text="Needed only when the group has a request, offer or appointment: it stays valid, and "
        "the approval is recorded in the audit log.",
    )


class ResidentRegisterForm(MemberForm):
    """A new resident: contact, language, the principal's details and their consent."""

    phone = forms.CharField(
        max_length=32, required=False, help_text="With + and the country code, for example +52 664 123 4567."
    )
    email = forms.CharField(
        max_length=254,
        required=False,
        help_text="A phone number, an email, both, or neither: a resident with neither hears from cita "
        "through you and the messages page.",
    )
    # No default: a worker who skips it must not send a Kreyòl speaker's messages in English.
    language = forms.ChoiceField(
        label="The resident's language",
        choices=[("", "(choose the resident's language)"), *Language.choices],
        help_text="Pages, messages and the printed pass use it.",
    )
    consent = forms.BooleanField(
        required=False,
        label="The resident heard or read the consent text in their language and agreed to it.",
    )

    field_order = [
        "phone",
        "email",
        "language",
        "given_names",
        "family_names",
        "date_of_birth",
        "nationality",
        "document_type",
        "document_number",
        "consent",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["relationship"]


class ResidentCodeForm(forms.Form):
    """The code the resident received on the phone or email they gave, as they read it out."""

    field = forms.ChoiceField(choices=[("phone", "phone"), ("email", "email")], widget=forms.HiddenInput)
    code = forms.CharField(
        label="The code the resident received",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


# -- officer console ---------------------------------------------------------------------------------------


class ScanForm(forms.Form):
    """The pass as a scanner types it (a keyboard wedge ends with Enter, which submits the form)."""

    payload = forms.CharField(
        label="Scan a pass",
        max_length=400,
        help_text="Scan the QR code with the scanner (it types the pass and presses Enter), or type the pass "
        "code printed in large letters (like 7KQ2M-XD4PA).",
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "scan",
            }
        ),
    )
    # Set by "Check in anyway" after the console said the group is early.
    early = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ManifestSearchForm(forms.Form):
    """Find a group of the day by a name of its principal or its pass code (GET, no JavaScript)."""

    q = forms.CharField(
        label="Find a group",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "aria-describedby": "id_q_helptext",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )


class OutcomesForm(forms.Form):
    """One outcome per person of the group (`member_<id>`); an empty choice leaves it unrecorded."""

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:

        super().__init__(*args, **kwargs)
        for row in members:
            if row.change == "added":  # not on the pass: no outcome under this appointment
                continue
            person = row.shown
            name = person.full_name if person else f"Person {row.member_id} (no longer in the group)"
            self.fields[f"member_{row.member_id}"] = forms.ChoiceField(
                label=name,
                choices=[("", "(not recorded yet)"), *Outcome.choices],
                required=False,
                initial=row.outcome,
            )

    def outcomes(self) -> dict[int, str]:
        """Member id → outcome, for the members given one."""
        return {
            int(name.removeprefix("member_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("member_") and value
        }


class FlagForm(forms.Form):
    reason = forms.CharField(
        label="Why is this group urgent?",
        max_length=500,
        help_text="Kept sealed: shown to staff only, never in the audit log. At most 500 characters.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# -- planners: closures and dashboards -----------------------------------------------------------------------


class ClosureForm(forms.Form):
    port = forms.ModelChoiceField(Port.objects.filter(active=True), empty_label="(choose a port)")
    start = forms.DateField(
        label="First closed day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label="Last closed day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(max_length=300, help_text="Shown to staff and written to the audit log.")
    horizon_days = forms.IntegerField(
        label="Horizon (days)",
        min_value=1,
        max_value=60,
        initial=14,
        help_text="Groups are placed up to this many days after the last closed day.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    any_port = forms.BooleanField(
        required=False,
        label="When none of the ports a group ranked has room, place it at any open port.",
    )


class DashboardForm(forms.Form):
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    days = forms.IntegerField(
        label="Days",
        min_value=1,
        max_value=62,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
