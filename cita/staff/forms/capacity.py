"""Forms of the planners' capacity calendar (staff, English). They parse input; rules are in the services."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django import forms

from cita.core.days import reference_today
from cita.ports.models import SlotCapacity
from cita.ports.selectors import MAX_CALENDAR_DAYS

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_SEATS = 10_000
MAX_TEMPLATE_ROWS = 48
EXTRA_ROWS = 3
MAX_APPLY_DAYS = 366


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label, required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


def _seats_field(label: str, *, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=MAX_SEATS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class RangeForm(forms.Form):
    """Which days the calendar shows (GET)."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    days = forms.IntegerField(label="Days", min_value=1, max_value=MAX_CALENDAR_DAYS)

    def range(self) -> tuple[dt.date, dt.date]:
        """First and last day to show (today and two weeks when the input is missing or wrong)."""
        if self.is_bound and self.is_valid():
            start, days = self.cleaned_data["start"], self.cleaned_data["days"]
        else:
            start, days = reference_today(), 14
        return start, start + dt.timedelta(days=days - 1)


class WeekTemplateForm(forms.Form):
    """The weekly template as a grid: one row per slot start time, one column per weekday.

    An empty cell (or 0) means no slot that weekday; clearing a row's time and cells removes the slot.
    """

    rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_TEMPLATE_ROWS)

    def __init__(self, *args: Any, template: dict[int, dict[dt.time, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        times = sorted({slot for slots in template.values() for slot in slots})
        count = len(times) + EXTRA_ROWS
        if self.is_bound:
            with contextlib.suppress(ValueError):
                count = max(1, min(int(self.data.get("rows", "")), MAX_TEMPLATE_ROWS))
        self.fields["rows"].initial = count
        for i in range(count):
            known = times[i] if i < len(times) else None
            name = f"at {known:%H:%M}" if known else f"in new slot {i - len(times) + 1}"
            time_label = (
                f"Start time of the {known:%H:%M} slot"
                if known
                else f"Start time of new slot {i - len(times) + 1}"
            )
            self.fields[f"r{i}_time"] = _time_field(time_label)
            if known:
                self.fields[f"r{i}_time"].initial = known
            for day, weekday in enumerate(WEEKDAYS):
                field = _seats_field(f"Seats on {weekday} {name}")
                if known and known in template.get(day, {}):
                    field.initial = template[day][known]
                self.fields[f"r{i}_d{day}"] = field

    def grid(self) -> Iterator[tuple[forms.BoundField, list[forms.BoundField]]]:
        """(time field, seven seat fields) per row, for the template."""
        for i in range(int(self.fields["rows"].initial)):
            yield self[f"r{i}_time"], [self[f"r{i}_d{day}"] for day in range(7)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: dict[dt.time, int] = {}
        for i in range(int(self.fields["rows"].initial)):
            start = data.get(f"r{i}_time")
            seats = [data.get(f"r{i}_d{day}") for day in range(7)]
            if start is None:
                if any(seats):
                    self.add_error(f"r{i}_time", "Give the start time of this slot.")
                continue
            if start.second or start.microsecond:
                self.add_error(f"r{i}_time", "Slots start on a whole minute.")
            elif start in seen:
                self.add_error(f"r{i}_time", f"{start:%H:%M} is given twice; keep one row per time.")
            seen[start] = i
        return data

    def week(self) -> dict[int, dict[dt.time, int]]:
        """weekday → slot → seats, without empty cells."""
        week: dict[int, dict[dt.time, int]] = {}
        for i in range(int(self.fields["rows"].initial)):
            start = self.cleaned_data.get(f"r{i}_time")
            if start is None:
                continue
            for day in range(7):
                seats = self.cleaned_data.get(f"r{i}_d{day}")
                if seats:
                    week.setdefault(day, {})[start] = seats
        return week


class ApplyForm(forms.Form):
    """Set a range of days to the weekly template."""

    start = forms.DateField(
        label="First day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day comes before the first.")
            elif (end - start).days >= MAX_APPLY_DAYS:
                self.add_error("end", f"Apply the template to at most {MAX_APPLY_DAYS} days at once.")
        return data


def slot_key(slot: dt.time) -> str:
    """The form field name of an existing slot's seats."""
    return f"seats_{slot:%H%M}"


class DayForm(forms.Form):
    """The seats of each slot of one port on one day, and new slots."""

    def __init__(self, *args: Any, slots: list[SlotCapacity], extra: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slots = slots
        for row in slots:
            field = _seats_field(f"Seats at {row.slot:%H:%M}", required=True)
            field.initial = row.seats
            self.fields[slot_key(row.slot)] = field
        self.extra = extra
        for i in range(extra):
            self.fields[f"new{i}_time"] = _time_field(f"Start time of new slot {i + 1}")
            self.fields[f"new{i}_seats"] = _seats_field(f"Seats in new slot {i + 1}")

    def existing(self) -> Iterator[tuple[SlotCapacity, forms.BoundField]]:
        """(slot, its seats field) for the template."""
        for row in self.slots:
            yield row, self[slot_key(row.slot)]

    def new_rows(self) -> Iterator[tuple[forms.BoundField, forms.BoundField]]:
        """(time field, seats field) of each new slot."""
        for i in range(self.extra):
            yield self[f"new{i}_time"], self[f"new{i}_seats"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        known = {row.slot for row in self.slots}
        given = 0
        for i in range(self.extra):
            start, seats = data.get(f"new{i}_time"), data.get(f"new{i}_seats")
            if start is None and seats is None:
                continue
            given += 1
            if start is None:
                self.add_error(f"new{i}_time", "Give the start time of the new slot.")
            elif seats is None:
                self.add_error(f"new{i}_seats", "Give the seats of the new slot.")
            elif start in known:
                self.add_error(
                    f"new{i}_time", f"{start:%H:%M} is already a slot of this day; change it above."
                )
            elif start.second or start.microsecond:
                self.add_error(f"new{i}_time", "Slots start on a whole minute.")
            else:
                known.add(start)
        if not self.slots and not given and not self.errors:
            raise forms.ValidationError("Give at least one slot: its start time and seats.")
        return data

    def slots_to_set(self) -> dict[dt.time, int]:
        """slot → seats, for `capacity_day_set`."""
        result = {row.slot: self.cleaned_data[slot_key(row.slot)] for row in self.slots}
        for i in range(self.extra):
            start = self.cleaned_data.get(f"new{i}_time")
            if start is not None:
                result[start] = self.cleaned_data[f"new{i}_seats"]
        return result
