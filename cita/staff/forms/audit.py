"""The audit log's filter form (staff, English)."""

from __future__ import annotations

from typing import Any

from django import forms

from cita.audit.selectors import EventFilter


def _date() -> forms.DateField:
    return forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class EventFilterForm(forms.Form):
    action = forms.CharField(
        required=False, max_length=80, help_text="Starts with, e.g. staff. or capacity.day_set"
    )
    object_type = forms.CharField(
        required=False, max_length=40, label="Object type", help_text="e.g. staff, port"
    )
    object_id = forms.CharField(required=False, max_length=64, label="Object id")
    actor = forms.CharField(required=False, max_length=80, help_text="Starts with, e.g. admin:3 or ngo:")
    start = _date()
    end = _date()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].label = "From (UTC day)"
        self.fields["end"].label = "To (UTC day)"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day comes before the first.")
        return data

    def filters(self) -> EventFilter:
        """The filter to apply (nothing filtered when the input is not valid)."""
        if not self.is_valid():
            return EventFilter()
        data = self.cleaned_data
        return EventFilter(
            action=data["action"].strip(),
            object_type=data["object_type"].strip(),
            object_id=data["object_id"].strip(),
            actor=data["actor"].strip(),
            start=data["start"],
            end=data["end"],
        )
