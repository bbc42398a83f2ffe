"""What the least-privilege application role may do (issue 14, item 10; docs/operations.md, "Database
roles"). Migrations run as the role that owns the tables and grant the application role rows, never
tables: it may read and write rows and use sequences, and on the audit table only add rows and chain
pending ones (the sequencer's four columns; the append-only trigger checks the rest). Owning nothing, it
cannot ALTER a table, switch a trigger off, TRUNCATE or DROP."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

# The audit sequencer's columns (decision 0012): the only ones the application may update.
AUDIT_CHAIN_COLUMNS = ("seq", "prev_hash", "hash", "chained_at")


def app_role_grant(*, connection: BaseDatabaseWrapper, role: str) -> None:
    """Grant `role` rows (SELECT, INSERT, UPDATE, DELETE) on every table of the current schema and use of
    its sequences, then take back UPDATE, DELETE and TRUNCATE on the audit table but for its chain columns.
    Idempotent; run by the owner after each migrate (tables added later get the same)."""
    name = sql.Identifier(role)
    chain = sql.SQL(", ").join(sql.Identifier(column) for column in AUDIT_CHAIN_COLUMNS)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM {}").format(name),
        sql.SQL("GRANT UPDATE ({}) ON audit_auditevent TO {}").format(chain, name),
        # The migrations' own record is the owner's alone.
        sql.SQL("REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {}").format(name),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.as_string(cursor.connection))


def grant_after_migrate(*, using: str = "default", **_: Any) -> None:
    """post_migrate: grant `CITA_APP_DATABASE_URL`'s role its rows when that role is not the one
    migrating (unset: nothing to do)."""
    from django.db import connections

    from cita.db import app_role_name

    role = app_role_name()
    connection = connections[using]
    if not role or using != "default":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return
    app_role_grant(connection=connection, role=role)
