"""Template helpers of the audit log pages."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def as_json(value: Any) -> str:
    """Audit data as canonical-looking JSON (sorted keys), for reading."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
