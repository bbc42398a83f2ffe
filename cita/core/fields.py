"""Model fields whose values are sealed at rest (cita.core.crypto) and open transparently in Python."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models.expressions import Expression

from cita.core import crypto


class EncryptedTextField(models.TextField):
    """Text sealed with AES-GCM; the column holds only ciphertext. Cannot be filtered or ordered on."""

    description = "Text encrypted at rest"

    def context(self) -> str:
        """The associated data binding a ciphertext to this column."""
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: str | None, expression: Expression, connection: Any) -> str | None:
        if value is None:
            return None
        return crypto.unseal(value, context=self.context())

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return crypto.seal(str(value), context=self.context())


class EncryptedDateField(EncryptedTextField):
    """A date sealed at rest (stored as an ISO date inside the ciphertext)."""

    description = "Date encrypted at rest"

    def from_db_value(self, value: str | None, expression: Expression, connection: Any) -> Any:
        text = super().from_db_value(value, expression, connection)
        return None if text is None else dt.date.fromisoformat(text)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        return crypto.seal(self.to_python(value).isoformat(), context=self.context())

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        from django import forms

        return forms.DateField(**{"required": not self.blank, "label": self.verbose_name, **kwargs})
