"""Showing a domain's refusal on the form that asked for it."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from cita.core.errors import CitaError


def form_error_add(form: forms.Form, error: CitaError, *, fields: Mapping[str, str] | None = None) -> None:
    """Show `error` beside the form field it concerns (its `field`, renamed by `fields` where the form calls
    it otherwise), or above the form when it concerns none of its fields."""
    name = (fields or {}).get(error.field or "", error.field or "")
    form.add_error(name if name in form.fields else None, error.message)
