"""Health endpoints for load balancers and orchestrators."""

from __future__ import annotations

import functools

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cita.core.access import allow
from cita.core.actors import Role


@allow(Role.PUBLIC)
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving."""
    return JsonResponse({"status": "ok"})


@allow(Role.PUBLIC)
@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers and every migration is applied; 503 otherwise. One query per call: the
    migrations in the code are read from disk once per process (`_migrations_in_code`)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = {(app, name) for app, name in cursor.fetchall()}
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "unavailable", "database": "unreachable", "error": type(exc).__name__}, status=503
        )
    pending = _migrations_in_code() - applied
    if pending:
        return JsonResponse(
            {"status": "unavailable", "database": "ok", "unapplied_migrations": len(pending)}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "unapplied_migrations": 0})


@functools.cache
def _migrations_in_code() -> frozenset[tuple[str, str]]:
    """Every (app, migration) of the code, from disk, once per process (they change only with a deploy,
    which starts new processes). Squashed migrations count by the ones they replace."""
    loader = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False)
    return frozenset(key for key, migration in loader.disk_migrations.items() if not migration.replaces)
