"""Template helpers of the staff consoles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Mapping[str, Any] | None, key: object) -> Any:
    """`{{ names|lookup:label }}`: the value for a key, or the key itself when the mapping has none."""
    if not mapping:
        return key
    return mapping.get(str(key), key)
