"""Bulk paths of the draw job: entries.csv made by PostgreSQL in one value.

A day can hold a million requests; building them as Python objects would cost more than the whole draw,
and even reading them as a million COPY rows costs a Python call per row. The database writes every
entries.csv line itself, in draw-v1's canonical order (by ticket, byte order), joins them into one value
and sends it as raw bytes; `cita.lottery` then reads and checks those bytes exactly as a verifier would.
A text value holds at most 1 GB: some 28 million entries (a day has about one million).
"""

from __future__ import annotations

from collections.abc import Collection

import psycopg
from django.db import connection

# draw-v1 §Bundle layout: the header line of entries.csv.
ENTRIES_HEADER = "ticket,group_size,tier,waiting_since,ports"

# Tier 0 while the group has an active urgent flag or a displaced flag with draws left; tier 1 otherwise.
_PRIORITY = """
    SELECT DISTINCT applicant_id FROM draws_priorityflag
    WHERE ended_at IS NULL AND (kind = 'urgent' OR draws_remaining > 0)
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


def bytes_query(sql: str, params: dict[str, object]) -> bytes:
    """The single bytea value a query returns, fetched in binary (no hex text to decode)."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        # The canonical order sorts a million tickets: in memory, not in temporary files.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")  # date::text is then YYYY-MM-DD
        row = cursor.execute(sql, params, binary=True).fetchone()
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
    body = bytes_query(sql, {"draw": draw_pk, "state": state, "missing": missing})
    return (ENTRIES_HEADER + "\n").encode("ascii") + body
