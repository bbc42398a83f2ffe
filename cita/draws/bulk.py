"""Bulk paths of the draw job: entries.csv made by PostgreSQL in one value, the offers in one statement.

A day can hold a million requests; building them as Python objects would cost more than the whole draw,
and even reading them as a million COPY rows costs a Python call per row. The database writes every
entries.csv line itself, in draw-v1's canonical order (by ticket, byte order), joins them into one value
and sends it as raw bytes; `cita.lottery` then reads and checks those bytes exactly as a verifier would.
A text value holds at most 1 GB: some 28 million entries (a day has about one million).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import psycopg
from django.db import connection

from cita.draws.errors import DrawStateError
from cita.draws.models import Draw
from cita.lottery import Result

# draw-v1 §Bundle layout: the header line of entries.csv.
ENTRIES_HEADER = "ticket,group_size,tier,waiting_since,ports"

# Tier 0 while the group has an active urgent or passed-over flag or a displaced flag with draws left
# that counts in this draw (no `from_day`, or the draw is for that day or later); tier 1 otherwise (the
# same rule as draws.selectors.ACTIVE_PRIORITY).
_PRIORITY = """
    SELECT DISTINCT applicant_id FROM draws_priorityflag
    WHERE ended_at IS NULL AND (kind IN ('urgent', 'passed_over') OR (draws_remaining > 0 AND (
        from_day IS NULL OR from_day <= (SELECT appointment_date FROM draws_draw WHERE id = %(draw)s))))
"""

# A group that holds people elsewhere: another live request, an open offer, or an appointment.
_BUSY = """
    EXISTS (
        SELECT 1 FROM draws_request o JOIN draws_requeststatus os ON os.request_id = o.id
        LEFT JOIN draws_offer fo ON fo.request_id = o.id
        WHERE o.applicant_id = r.applicant_id AND o.id <> r.id
          AND (os.state IN ('submitted', 'entered') OR (os.state = 'selected' AND fo.state = 'open'))
    ) OR EXISTS (
        SELECT 1 FROM appointments_appointment a
        WHERE a.applicant_id = r.applicant_id AND a.state IN ('scheduled', 'checked_in')
    )
"""


def bytes_query(sql: str, params: dict[str, object], *, settings: dict[str, str] | None = None) -> bytes:
    """The single bytea value a query returns, fetched in binary (no hex text to decode); `settings` are
    set for that query only."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        previous: dict[str, str] = {}
        for name, value in (settings or {}).items():
            cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
            previous[name] = cursor.fetchone()[0]  # type: ignore[index]
        row = cursor.execute(sql, params, binary=True).fetchone()
        for name, value in previous.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    return bytes(row[0]) if row and row[0] is not None else b""


def entries_export(*, draw_pk: int, state: str, missing_ports: Collection[str], second_chance: bool) -> bytes:
    """entries.csv of the requests of draw `draw_pk` in `state` (draw-v1 §Bundle layout, sorted by ticket).

    Ports without capacity that day (`missing_ports`) are left out of each ranking, and requests that rank
    nothing else are left out of the draw. A second chance also leaves out groups that hold people
    elsewhere by now (they asked again in a later draw, or hold an appointment).
    """
    missing = sorted(missing_ports)
    if missing:
        ports = """CASE WHEN r.ports && %(missing)s::varchar[] THEN ARRAY(
            SELECT u.p FROM unnest(r.ports) WITH ORDINALITY AS u(p, i)
            WHERE u.p <> ALL(%(missing)s::varchar[]) ORDER BY u.i) ELSE r.ports END"""
        keep = "AND NOT (r.ports <@ %(missing)s::varchar[])"
    else:
        ports, keep = "r.ports", ""
    if second_chance:
        # Requests not selected yet, less those of groups that hold people elsewhere by now.
        status = "JOIN draws_requeststatus s ON s.request_id = r.id"
        where = f"s.state = %(state)s AND NOT ({_BUSY})"
    else:
        # At the freeze of round 1 the live requests (never withdrawn) are exactly those submitted.
        status, where = "", "r.withdrawn_at IS NULL"
    sql = f"""
        SELECT convert_to(string_agg(
            r.ticket || ',' || r.group_size || ',' || CASE WHEN p.applicant_id IS NULL THEN '1' ELSE '0' END
            || ',' || r.waiting_since::text || ',' || array_to_string({ports}, '|') || E'\\n',
            '' ORDER BY r.ticket COLLATE "C"), 'UTF8')
        FROM draws_request r {status}
        LEFT JOIN ({_PRIORITY}) p ON p.applicant_id = r.applicant_id
        WHERE r.draw_id = %(draw)s AND {where} {keep}
    """  # noqa: S608 - only fixed SQL fragments are formatted in; values are bound parameters
    body = bytes_query(
        sql,
        {"draw": draw_pk, "state": state, "missing": missing},
        # The canonical order sorts a million tickets in memory, not in temporary files; date::text is
        # YYYY-MM-DD whatever the session's DateStyle.
        settings={"work_mem": "256MB", "DateStyle": "ISO, YMD"},
    )
    return (ENTRIES_HEADER + "\n").encode("ascii") + body


@dataclass(frozen=True, slots=True)
class OfferRow:
    """One offer just made: what applying the results needs of it."""

    id: int
    request_id: int
    applicant_id: int
    port_id: int
    slot: dt.time
    group_size: int


def offers_insert(
    *,
    draw_pk: int,
    first_pk: int,
    results: Sequence[Result],
    day: dt.date,
    deadline: dt.datetime,
    now: dt.datetime,
) -> list[OfferRow]:
    """One open offer per result of draw `draw_pk`, in one statement, for the requests of round-1 draw
    `first_pk` with those tickets that are still live and were never selected (entered or not selected →
    selected). Returns the offers made, in allocation order; fewer than `results` when some request no
    longer qualifies (the caller refuses that), none twice (the offer's unique request)."""
    if not results:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO draws_offer (request_id, draw_id, applicant_id, port_id, day, slot, group_size, phase,
                "order", state, deadline, created_at, settled_at, settled_reason, reminded_at)
            SELECT r.id, %(draw)s, r.applicant_id, p.id, %(day)s, u.slot::time, r.group_size, u.phase,
                u.position, 'open', %(deadline)s, %(now)s, NULL, '', NULL
            FROM unnest(%(tickets)s::text[], %(ports)s::text[], %(slots)s::text[], %(phases)s::text[],
                        %(orders)s::int[]) AS u(ticket, port, slot, phase, position)
            JOIN draws_request r ON r.ticket = u.ticket AND r.draw_id = %(first)s AND r.withdrawn_at IS NULL
            JOIN ports_port p ON p.code = u.port
            WHERE NOT EXISTS (SELECT 1 FROM draws_offer o WHERE o.request_id = r.id)
            ORDER BY u.position
            RETURNING id, request_id, applicant_id, port_id, slot, group_size
            """,
            {
                "draw": draw_pk,
                "first": first_pk,
                "day": day,
                "deadline": deadline,
                "now": now,
                "tickets": [result.ticket for result in results],
                "ports": [result.port for result in results],
                "slots": [result.slot for result in results],
                "phases": [result.phase for result in results],
                "orders": [result.order for result in results],
            },
        )
        rows = [OfferRow(*row) for row in cursor.fetchall()]
    return sorted(rows, key=lambda row: row.id)


def file_bytes(draw: Draw, name: str) -> bytes:
    """The stored bytes of one bundle file, fetched in binary (35 MB of entries would travel as 70 MB of
    hex text otherwise, and be decoded back)."""
    content = bytes_query(
        "SELECT content FROM draws_drawfile WHERE draw_id = %(draw)s AND name = %(name)s",
        {"draw": draw.pk, "name": name},
    )
    if not content:
        raise DrawStateError(f"draw {draw.draw_id} has no {name}")
    return content
