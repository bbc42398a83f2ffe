"""`cita audit verify` as an operator runs it: the real command, in its own process, on the test database."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction

from cita.audit.models import AuditEvent
from cita.audit.services import Event, audit_record_many
from cita.core.actors import system

pytestmark = pytest.mark.django_db(transaction=True)


def run_cita(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed `cita` console script against the database this test uses."""
    db = connection.settings_dict
    host = db["HOST"] or "localhost"
    netloc = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        netloc += ":" + quote(db["PASSWORD"], safe="")
    url = f"postgresql://{netloc}@/{quote(db['NAME'])}?host={quote(host, safe='')}"
    if db["PORT"]:
        url += f"&port={db['PORT']}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = url
    cita = Path(sys.executable).with_name("cita")
    return subprocess.run(
        [str(cita), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_the_cita_command_names_the_row_changed_by_one_byte():
    with transaction.atomic():
        audit_record_many(
            actor=system("test"),
            events=[Event("test.happened", "thing", str(i), {"i": i}) for i in range(10)],
        )
    clean = run_cita("audit", "verify")
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.startswith("verified: 10 rows, head ")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        # The command chained the rows; the seventh in the chain is changed.
        cursor.execute("UPDATE audit_auditevent SET object_id = '7' WHERE seq = 7")  # was "6": one byte
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    seventh = AuditEvent.objects.get(seq=7).id
    broken = run_cita("audit", "verify")
    assert broken.returncode == 1
    assert (
        f"cita: audit chain broken at row {seventh} (test.happened) does not match its hash" in broken.stderr
    )
    assert "(6 rows before it verified)" in broken.stderr
