"""Forms of the applicant's draw pages: they parse input only; the rules live in the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cita.core.errors import CitaError
from cita.ports.models import Port
from cita.web.forms import ApplicantForm

# "1st choice", "2nd choice", …: ordinals are written differently in every language, so each is a string.
ORDINALS = (
    _("1st choice"),
    _("2nd choice"),
    _("3rd choice"),
    _("4th choice"),
    _("5th choice"),
    _("6th choice"),
    _("7th choice"),
    _("8th choice"),
    _("9th choice"),
    _("10th choice"),
)


def choice_label(number: int) -> Any:
    """The label of the `number`-th choice (from 1)."""
    if number <= len(ORDINALS):
        return ORDINALS[number - 1]
    return _("Choice %(number)d") % {"number": number}


class RequestForm(ApplicantForm):
    """The group's ports in order of preference, one plain select list per rank: the first is required,
    the others optional. A port chosen twice is refused beside its second place."""

    def __init__(self, *args: Any, ports: Sequence[Port], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [(p.code, f"{p.name} — {p.city}") for p in ports]
        for number in range(1, len(ports) + 1):
            first = number == 1
            self.fields[f"port_{number}"] = forms.ChoiceField(
                label=choice_label(number),
                choices=[("", _("Choose a port") if first else _("No other port")), *options],
                required=first,
                error_messages={
                    "required": _("Choose at least one port."),
                    "invalid_choice": _("Choose ports from the list."),
                },
            )
        if "port_1" in self.fields:
            self.fields["port_1"].help_text = _("The port you prefer most.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: set[str] = set()
        for name in self.rank_names():
            code = data.get(name)
            if not code:
                continue
            if code in seen:
                self.add_error(name, _("You chose this port already. Choose each port only once."))
            seen.add(code)
        return data

    def rank_names(self) -> list[str]:
        """The fields' names, first choice first."""
        return sorted(self.fields, key=lambda n: int(n.split("_")[1]))

    def ranked(self) -> list[str]:
        """The chosen port codes, first choice first, blanks left out."""
        return [self.cleaned_data[name] for name in self.rank_names() if self.cleaned_data.get(name)]

    def add_service_error(self, error: CitaError) -> None:
        """Port errors go beside the first choice; the others (window closed, already asked, someone busy,
        group too large or not registered) concern the whole request and go at the top."""
        if error.code == "invalid_ports" and "port_1" in self.fields:
            self.add_error("port_1", error.message)
        else:
            self.add_error(None, error.message)
