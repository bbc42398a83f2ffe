"""`cita manage rotate_data_key`: re-seal every encrypted value with the current data key.

Rotation: put a new key first in CITA_DATA_KEY (keep the old ones after it), restart, run this command;
when it reports 0 values left under old keys, the old keys can be removed from CITA_DATA_KEY.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from psycopg import sql

from cita.core import crypto
from cita.core.fields import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt all personal data with the current key of CITA_DATA_KEY."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        ring = crypto.data_keys()
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            for field in fields:
                total += _rotate_column(model, field, ring, batch_size)
        left = sum(
            _count_old(model, field, ring.current)
            for model in apps.get_models()
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        )
        self.stdout.write(
            f"re-sealed {total} values with key {ring.current!r}; {left} values left under old keys"
        )
        if left:
            raise SystemExit(1)


def _rotate_column(model: Any, field: EncryptedTextField, ring: crypto.KeyRing, batch_size: int) -> int:
    """Re-seal one column in batches, reading and writing raw ciphertext (no model save, no signals)."""
    table, column, pk = (
        sql.Identifier(n) for n in (model._meta.db_table, field.column, model._meta.pk.column)
    )
    select = sql.SQL(
        "SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL "
        "AND split_part({column}, '$', 2) <> %s AND {pk} > %s ORDER BY {pk} LIMIT %s FOR UPDATE"
    ).format(pk=pk, column=column, table=table)
    update = sql.SQL("UPDATE {table} SET {column} = %s WHERE {pk} = %s").format(
        pk=pk, column=column, table=table
    )
    context = field.context()
    done, last = 0, -1
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [ring.current, last, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return done
            resealed = [
                (
                    crypto.seal(crypto.unseal(value, context=context, ring=ring), context=context, ring=ring),
                    key,
                )
                for key, value in rows
            ]
            cursor.executemany(update, resealed)
            done += len(rows)
            last = rows[-1][0]


def _count_old(model: Any, field: EncryptedTextField, current: str) -> int:
    table, column = sql.Identifier(model._meta.db_table), sql.Identifier(field.column)
    query = sql.SQL(
        "SELECT count(*) FROM {table} WHERE {column} IS NOT NULL AND split_part({column}, '$', 2) <> %s"
    ).format(table=table, column=column)
    with connection.cursor() as cursor:
        cursor.execute(query, [current])
        return int(cursor.fetchone()[0])
