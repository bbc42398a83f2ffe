"""Forms of the applicant's draw pages: they parse input only; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cita.ports.models import Port


class RequestForm(forms.Form):
    """The group's ports in order of preference: the first is required, the others optional."""

    def __init__(self, *args: Any, ports: list[Port], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("(none)"))] + [(p.code, f"{p.name} — {p.city}") for p in ports]
        for number in range(1, len(ports) + 1):
            self.fields[f"port_{number}"] = forms.ChoiceField(
                label=_("Choice %(number)d") % {"number": number},
                choices=choices,
                required=number == 1,
                error_messages={
                    "required": _("Choose at least one port."),
                    "invalid_choice": _("Choose ports from the list."),
                },
            )

    def ranked(self) -> list[str]:
        """The chosen port codes, first choice first, blanks left out."""
        return [
            self.cleaned_data[name]
            for name in sorted(self.fields, key=lambda n: int(n.split("_")[1]))
            if self.cleaned_data.get(name)
        ]
