"""Model instances from rows read as JSON (`to_jsonb`), for the statements that read several tables in one
round trip (the status page, a request's submission): each value converted as the ORM would read it."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Field, JSONField, Model, QuerySet

M = TypeVar("M", bound=Model)


def sql_of(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """A queryset compiled to `(SQL)` in parentheses and its parameters, to put into a larger statement."""
    sql, params = queryset.query.sql_with_params()
    return f"({sql})", tuple(params)


def json_of(value: Any) -> Any:
    """A jsonb value as Python (Django has psycopg hand jsonb over as text; its JSONField parses it)."""
    return json.loads(value) if isinstance(value, str) else value


def row_of(model: type[M], text: Any) -> M | None:
    """A model instance from the `to_jsonb` of its row, each value read as its field reads it."""
    data = json_of(text)
    if data is None:
        return None
    fields = model._meta.concrete_fields
    return model.from_db(
        DEFAULT_DB_ALIAS, [f.attname for f in fields], [_field_value(f, data[f.column]) for f in fields]
    )


def _field_value(field: Field[Any, Any], value: Any) -> Any:
    """A column's value from `to_jsonb` as the ORM would read it: through the field's own conversion from
    the database (an encrypted column is opened) except for JSON, which `to_jsonb` already parsed."""
    convert = getattr(field, "from_db_value", None)
    if convert is not None and not isinstance(field, JSONField) and value is not None:
        value = convert(value, None, connection)
    return field.to_python(value)


# Compiling a queryset costs far more than running a small one: the hot statements (a submission's rules)
# compile each shape once, with stand-in values, and put the real values in place of the stand-ins.
_COMPILED: dict[Hashable, tuple[str, tuple[Any, ...]]] = {}


def sql_once(
    key: Hashable, build: Callable[[], tuple[str, tuple[Any, ...]]], *, stand_ins: Iterable[Any]
) -> tuple[str, tuple[Any, ...]]:
    """`build()` (a statement and its parameters, e.g. `sql_of` of a queryset), run on the first call for
    `key` only. `build` makes the statement of this shape with `stand_ins` for the values (see
    `sql_fill`); `key` must name everything that changes its text. A stand-in the compiled parameters do
    not hold as given (a field converted it: a datetime given for a date) is refused."""
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = build()
        held = {tuple(p) if isinstance(p, list) else p for p in compiled[1] if _hashable(p)}
        missing = [value for value in stand_ins if value not in held]
        if missing:
            raise ValueError(f"stand-ins not found as given in the compiled parameters: {missing}")
        _COMPILED[key] = compiled
    return compiled


def _hashable(value: Any) -> bool:
    try:
        hash(tuple(value) if isinstance(value, list) else value)
    except TypeError:
        return False
    return True


def sql_fill(params: tuple[Any, ...], values: Mapping[Hashable, Any]) -> tuple[Any, ...]:
    """The parameters of a statement from `sql_once` with each stand-in replaced by its value (a list
    parameter is matched as a tuple). A stand-in must be a value no query asks for (a negative id, a date in
    1901, a text no column holds); every other parameter stays as compiled."""
    filled = []
    for param in params:
        key = tuple(param) if isinstance(param, list) else param
        try:
            filled.append(values.get(key, param))
        except TypeError:  # an unhashable constant
            filled.append(param)
    return tuple(filled)
