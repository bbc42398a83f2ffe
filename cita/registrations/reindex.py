"""Re-computing every keyed hash (blind index) after a rotation of `CITA_INDEX_KEY`.

Put the new key first in the ring, keep the old ones after it, restart web and workers (new rows are
indexed with the new key; lookups try every key, newest first), then run `cita manage reindex`. It walks
each column whose value is kept (sealed) in the same row, in batches in primary key order; each batch and
its progress record commit together, so a stopped run starts again after the last finished batch.

Hashes of values that are not kept cannot be re-computed: a one-time code's hash and the hashes of the
browser session and address that asked for it (they matter for `signin.LIMIT_WINDOW`, 15 minutes), the
sender of an inbound text message (its hourly limit), a conversation's phone, a delivery's recipient (the
hourly sending limit). Lookups find them under any key while it is in the ring. A stopped number is
moved with the phone of the applicant it belongs to, the document hashes that requests and appointments
copy with the member's document (`<app>/reindex.py`); a conversation moves when its phone writes again.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, cast

from django.apps import apps
from django.db import connection, models, transaction
from django.utils.module_loading import module_has_submodule
from psycopg import sql

from cita.core import clock, crypto
from cita.core.crypto import blind_index, key_ring
from cita.notifications.services import stopped_numbers_rekey
from cita.registrations.models import Applicant, Member, OneTimeCode, ReindexProgress


@dataclass(frozen=True)
class Column:
    """A keyed hash column and how to re-compute it from the row's sealed, already normalised value."""

    model: type[models.Model]
    index: str
    source: str
    purpose: Callable[[models.Model], str]
    follow: Callable[[list[str]], object] | None = (
        None  # called with a batch's values: moves hashes kept elsewhere
    )

    @property
    def label(self) -> str:
        return f"{self.model._meta.db_table}.{self.index}"


def _stop_rekey(numbers: list[str]) -> int:
    return stopped_numbers_rekey(numbers=numbers)


class ReindexPart(Protocol):
    """The `reindex` module of an app above registrations that keeps copies of members' document hashes."""

    def documents_rekey(self, *, moved: Mapping[str, str]) -> int: ...


def _parts() -> tuple[ReindexPart, ...]:
    """Every other cita app's `reindex` module, found through Django's app registry (as for retention)."""
    return tuple(
        cast(ReindexPart, importlib.import_module(f"{config.name}.reindex"))
        for config in apps.get_app_configs()
        if config.name.startswith("cita.")
        and config.name != __package__
        and module_has_submodule(config.module, "reindex")
    )


def _documents_rekey(numbers: list[str]) -> int:
    """Move the copies of these document numbers' hashes (requests, appointments) to the current key."""
    moved: dict[str, str] = {}
    for number in numbers:
        current, *older = crypto.blind_indexes(number, purpose="document")
        moved.update(dict.fromkeys(older, current))
    return sum(part.documents_rekey(moved=moved) for part in _parts()) if moved else 0


def array_rekey(model: type[models.Model], column: str, moved: Mapping[str, str]) -> int:
    """Replace, in an array column of keyed hashes, every hash in `moved` by its new value; rows changed."""
    update = sql.SQL(
        "UPDATE {table} SET {column} = ARRAY(SELECT coalesce(%s::jsonb ->> d, d) "
        "FROM unnest({column}) WITH ORDINALITY AS u(d, i) ORDER BY i) WHERE {column} && %s::varchar[]"
    ).format(table=sql.Identifier(model._meta.db_table), column=sql.Identifier(column))
    with connection.cursor() as cursor:
        cursor.execute(update, [json.dumps(dict(moved)), list(moved)])
        return cursor.rowcount


COLUMNS = (
    # An applicant's phone also moves its STOP record (the number itself is not kept there).
    Column(Applicant, "phone_index", "phone", lambda row: "phone", _stop_rekey),
    Column(Applicant, "email_index", "email", lambda row: "email"),
    # A member's document also moves the copies that requests and appointments keep (one person, one booking).
    Column(Member, "document_index", "document_number", lambda row: "document", _documents_rekey),
    Column(
        OneTimeCode,
        "contact_index",
        "contact",
        lambda row: "phone" if row.channel == "sms" else "email",  # type: ignore[attr-defined]
    ),
)


@dataclass(frozen=True)
class ColumnDone:
    label: str
    rows: int
    changed: int


def reindex_column(column: Column, *, batch_size: int) -> ColumnDone:
    """Move one column to the current index key, batch by batch, from where an earlier run stopped."""
    kid = key_ring("CITA_INDEX_KEY").current
    rows = changed = 0
    while True:
        with transaction.atomic():
            progress, _ = ReindexProgress.objects.select_for_update().get_or_create(
                key_id=kid, column=column.label, defaults={"updated_at": clock.now()}
            )
            batch = list(
                column.model._default_manager.select_for_update()
                .filter(pk__gt=progress.last_id, **{f"{column.source}__isnull": False})
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return ColumnDone(column.label, rows, changed)
            moved = []
            for row in batch:
                value = getattr(row, column.source)
                new = blind_index(value, purpose=column.purpose(row)) if value else None
                if new is not None and getattr(row, column.index) != new:
                    setattr(row, column.index, new)
                    moved.append(row)
            _update(column, moved)
            if column.follow is not None:
                column.follow([value for row in batch if (value := getattr(row, column.source))])
            progress.last_id = batch[-1].pk
            progress.updated_at = clock.now()
            progress.save(update_fields=["last_id", "updated_at"])
            rows += len(batch)
            changed += len(moved)


def _update(column: Column, rows: list[models.Model]) -> None:
    """Write the new hashes with one statement per row, sent together (faster than a CASE over the batch)."""
    meta = column.model._meta
    update = sql.SQL("UPDATE {table} SET {index} = %s WHERE id = %s").format(
        table=sql.Identifier(meta.db_table), index=sql.Identifier(column.index)
    )
    with connection.cursor() as cursor:
        cursor.executemany(update, [(getattr(row, column.index), row.pk) for row in rows])


def reindex_all(*, batch_size: int) -> list[ColumnDone]:
    """Move every re-computable keyed hash to the current key of `CITA_INDEX_KEY`."""
    return [reindex_column(column, batch_size=batch_size) for column in COLUMNS]
