"""The session engine: Django's database sessions, with the read every request makes compiled once.

Every signed-in request reads its session row (issue 19: the crowd's status page); compiling the ORM query
cost as much as running it. The row is still read on every request, so "sign out everywhere" and a staff
deactivation take effect at once: only the query's text is kept, never a session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from cita.core.rows import sql_fill, sql_of, sql_once

# Stand-ins for compiling the read once (`sql_once`): no session has this key or expires then.
_KEY, _NOW = "~session-key~", dt.datetime(1901, 1, 1, tzinfo=dt.UTC)


class SessionStore(DatabaseSessionStore):
    """`django.contrib.sessions.backends.db`, reading its row with a statement compiled once."""

    def _get_session_from_db(self) -> Any:
        sql, params = sql_once(
            "core.session",
            lambda: sql_of(self.model.objects.filter(session_key=_KEY, expire_date__gt=_NOW)[:1]),
            stand_ins=[_KEY, _NOW],
        )
        values = sql_fill(params, {_KEY: self.session_key, _NOW: timezone.now()})
        row = next(iter(self.model.objects.raw(sql[1:-1], values)), None)
        if row is None:
            # As Django's store does when the row is gone or expired: a new session on the next save.
            self._session_key = None
        return row
