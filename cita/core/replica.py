"""Reads that may lag a little go to a streaming replica (`DATABASE_REPLICA_URL`); everything else to the
primary (docs/operations.md, "Read replica"; ADR 0009).

- A view opts in with `@replica_reads`: the public pages and files, the ports list, the pass keys, the
  applicant's result pages. Jobs, commands and every other view never read the replica.
- Writes always go to the primary (`ReplicaRouter.db_for_write`).
- Read-your-writes: a response to a request that wrote sets a cookie; for `CITA_REPLICA_STICKY_SECONDS`
  after it, that browser's reads stay on the primary.
- Health: at most every `CITA_REPLICA_CHECK_SECONDS` one query asks the replica how far its replay trails;
  when it is unreachable or trails by more than `CITA_REPLICA_MAX_LAG_SECONDS`, reads go to the primary,
  logged at most once a minute. A replica query that fails mid-view marks the replica down and the view
  runs again on the primary (these views only read).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from cita.core import clock

log = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
# The cookie holding the moment until which this browser reads from the primary (a Unix time). Forging it
# only makes that browser read from the primary: nothing to sign.
STICKY_COOKIE = "cita_primary_until"
# A fallback is logged at most this often (per process), not once per request.
LOG_EVERY = dt.timedelta(minutes=1)
# How far the replica's replay trails, in seconds; NULL when it cannot tell (it received WAL it has never
# replayed a transaction of). Equal positions mean it has replayed all it received: no lag.
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Request:
    """What the router needs to know about the request being served."""

    pinned: bool = False  # this browser wrote a moment ago: read-your-writes
    replica_reads: bool = False  # inside a `@replica_reads` view
    used_replica: bool = False
    wrote: bool = False


_current: ContextVar[_Request | None] = ContextVar("cita_replica_request", default=None)


class ReplicaHealth:
    """Whether the replica may serve reads now: checked at most every CITA_REPLICA_CHECK_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at: dt.datetime | None = None
        self._usable = False
        self._reason = ""
        self._logged_at: dt.datetime | None = None

    def reset(self) -> None:
        """Forget the last check and the last log line (tests; a settings change)."""
        with self._lock:
            self._checked_at = None
            self._logged_at = None

    def usable(self) -> bool:
        """Whether reads may go to the replica, checking it when the last check is too old."""
        now = clock.now()
        interval = dt.timedelta(seconds=settings.CITA_REPLICA_CHECK_SECONDS)
        with self._lock:
            if self._checked_at is None or now - self._checked_at >= interval:
                self._checked_at = now
                self._usable, self._reason = _check()
                if not self._usable:
                    self._log(now)
            return self._usable

    def mark_down(self, reason: str) -> None:
        """A replica query failed: read from the primary until the next check."""
        now = clock.now()
        with self._lock:
            self._checked_at = now
            self._usable, self._reason = False, reason
            self._log(now)
        connections[REPLICA].close()

    def _log(self, now: dt.datetime) -> None:
        if self._logged_at is None or now - self._logged_at >= LOG_EVERY:
            self._logged_at = now
            log.warning("replica bypassed, reads go to the primary: %s", self._reason)


health = ReplicaHealth()


def replica_lag_seconds() -> float | None:
    """How many seconds the replica's replay trails (None: it cannot tell). Raises when unreachable."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        row = cursor.fetchone()
    return None if row is None or row[0] is None else float(row[0])


def _check() -> tuple[bool, str]:
    try:
        lag = replica_lag_seconds()
    except DatabaseError as error:
        connections[REPLICA].close()
        return False, f"unreachable ({str(error).strip().splitlines()[0] if str(error).strip() else error!r})"
    limit = settings.CITA_REPLICA_MAX_LAG_SECONDS
    if lag is None:
        return False, "replay position unknown"
    if lag > limit:
        return False, f"replay trails by {lag:.1f} s (limit {limit} s)"
    return True, ""


def replica_configured() -> bool:
    """Whether `DATABASE_REPLICA_URL` named a replica."""
    return REPLICA in connections.settings


def _use_replica() -> bool:
    state = _current.get()
    if state is None or not state.replica_reads or state.pinned or not replica_configured():
        return False
    return health.usable()


class ReplicaRouter:
    """Django's database router: the replica for `@replica_reads` views while it is healthy, else the
    primary; writes and migrations on the primary only."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if _use_replica():
            state = _current.get()
            assert state is not None
            state.used_replica = True
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type, **hints: Any) -> str:
        state = _current.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


def replica_reads(view: F) -> F:
    """Mark a view whose reads may lag a little: they go to the replica when one is usable."""
    return _ReplicaReads(view)  # type: ignore[return-value]


class _ReplicaReads:
    """The view of `replica_reads`. A callable object rather than a closure so that it can carry the
    view's `__globals__`: django-ninja resolves an operation's string annotations in them."""

    def __init__(self, view: Callable[..., Any]) -> None:
        functools.update_wrapper(self, view)
        self.view = view
        self.__globals__ = getattr(view, "__globals__", {})

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        state = _current.get()
        if state is None:
            return self.view(request, *args, **kwargs)
        state.replica_reads = True
        try:
            return self.view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            if not state.used_replica:
                raise
            health.mark_down(f"failed mid-request ({type(error).__name__})")
            state.replica_reads = False
            return self.view(request, *args, **kwargs)
        finally:
            state.replica_reads = False


class ReadYourWritesMiddleware:
    """Keeps a browser on the primary for CITA_REPLICA_STICKY_SECONDS after a request of its wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = clock.now().timestamp()
        try:
            pinned = float(request.COOKIES.get(STICKY_COOKIE, "0")) > now
        except ValueError:
            pinned = False
        state = _Request(pinned=pinned)
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if state.wrote and replica_configured():
            seconds = settings.CITA_REPLICA_STICKY_SECONDS
            response.set_cookie(
                STICKY_COOKIE,
                f"{now + seconds:.0f}",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
