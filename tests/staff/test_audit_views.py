import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test import Client

from cita.audit.models import AuditEvent
from cita.audit.services import Event, audit_chain_extend, audit_record_many
from cita.core.actors import system
from tests.conftest import sign_in_staff
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor() -> Client:
    client = Client()
    sign_in_staff(client, StaffFactory.create(role="auditor"))
    return client


def record(actor: str, events: list[tuple[str, str, str]]) -> None:
    """Append the events and chain them, as the sequencer does within seconds."""
    with transaction.atomic():
        audit_record_many(actor=system(actor), events=[Event(a, t, i, {"n": 1}) for a, t, i in events])
    audit_chain_extend()


def ids(html: str) -> list[int]:
    import re

    return [int(i) for i in re.findall(r'<a href="/audit/events/(\d+)">', html)]


def test_auditors_filter_the_log_by_action_object_and_actor(auditor):
    record(
        "draws",
        [("draw.committed", "draw", "7"), ("draw.frozen", "draw", "7"), ("draw.committed", "draw", "8")],
    )
    record("ports", [("capacity.day_set", "port", "SYS")])
    everything = ids(auditor.get("/audit/").content.decode())
    assert everything == sorted(everything, reverse=True)
    assert len(everything) == AuditEvent.objects.count()
    by_action = ids(auditor.get("/audit/?action=draw.").content.decode())
    assert [AuditEvent.objects.get(id=i).action for i in by_action] == [
        "draw.committed",
        "draw.frozen",
        "draw.committed",
    ]
    by_object = ids(auditor.get("/audit/?object_type=draw&object_id=7").content.decode())
    assert len(by_object) == 2
    by_actor = ids(auditor.get("/audit/?actor=system:ports").content.decode())
    assert [AuditEvent.objects.get(id=i).action for i in by_actor] == ["capacity.day_set"]


def test_the_date_range_is_in_utc_days(auditor, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 12, 1, 23, 59, tzinfo=dt.UTC))
    record("a", [("test.late", "", "")])
    frozen_clock.set(dt.datetime(2026, 12, 2, 0, 1, tzinfo=dt.UTC))
    record("a", [("test.early", "", "")])
    html = auditor.get("/audit/?start=2026-12-02&end=2026-12-02").content.decode()
    assert "test.early" in html
    assert "test.late" not in html
    assert (
        "The last day comes before the first."
        in auditor.get("/audit/?start=2026-12-03&end=2026-12-02").content.decode()
    )


def test_pages_go_back_and_forth_by_id(auditor):
    record("bulk", [("test.row", "thing", str(i)) for i in range(120)])
    first = auditor.get("/audit/?action=test.row").content.decode()
    assert len(ids(first)) == 50
    assert "Newer events" not in first
    older = auditor.get(f"/audit/?action=test.row&before={ids(first)[-1]}").content.decode()
    assert ids(older)[0] == ids(first)[-1] - 1
    assert "Newer events" in older
    assert "Older events" in older
    last = auditor.get(f"/audit/?action=test.row&before={ids(older)[-1]}").content.decode()
    assert len(ids(last)) == 20
    assert "Older events" not in last
    back = auditor.get(f"/audit/?action=test.row&after={ids(last)[0]}").content.decode()
    assert ids(back) == ids(older)


def test_verifying_in_the_browser_shows_and_records_the_status(auditor):
    record("x", [("test.row", "", "")])
    assert b"has not been verified from the browser yet" in auditor.get("/audit/").content
    assert auditor.post("/audit/verify").status_code == 302
    html = auditor.get("/audit/").content.decode()
    assert "intact" in html
    recorded = AuditEvent.objects.filter(action="audit.chain_verified").get()
    assert recorded.data["ok"] is True
    assert recorded.data["rows"] == AuditEvent.objects.exclude(pk=recorded.pk).count()  # all before it
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditevent SET action = 'test.rOw' WHERE action = 'test.row'")
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    auditor.post("/audit/verify")
    html = auditor.get("/audit/").content.decode()
    assert "BROKEN" in html
    assert "does not match its hash" in html
    tampered = AuditEvent.objects.get(action="test.rOw")
    detail = auditor.get(f"/audit/events/{tampered.id}").content.decode()
    assert "The row does not match its hash: it was changed." in detail


def test_daily_heads_are_the_hash_of_each_days_last_row_and_nothing_else(frozen_clock):
    frozen_clock.set(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    record("a", [("test.one", "applicant", "12"), ("test.two", "applicant", "13")])
    frozen_clock.set(dt.datetime(2026, 12, 3, 23, 59, 59, tzinfo=dt.UTC))
    record("a", [("test.three", "", "")])
    response = Client().get("/audit/heads.json?from=2026-12-01&to=2026-12-04")
    assert response.status_code == 200
    body = response.json()
    last_of = {
        day: AuditEvent.objects.filter(chained_at__date=day).order_by("-seq").first()
        for day in ("2026-12-01", "2026-12-03")
    }
    signed = {h.pop("key_id") for h in body["heads"]}
    signatures = [h.pop("signature") for h in body["heads"]]
    assert len(set(signatures)) == 2
    keys = body.pop("keys")
    assert signed <= set(keys)
    assert body == {
        "algorithm": "sha256",
        "signature_algorithm": "ed25519",
        "signed": "cita-audit-head-v1\\n<day>\\n<last_id>\\n<hash>\\n<at>\\n",
        "from": "2026-12-01",
        "to": "2026-12-04",
        "heads": [
            {"day": day, "last_id": row.seq, "hash": row.hash, "at": row.chained_at.isoformat()}  # type: ignore[union-attr]
            for day, row in last_of.items()
        ],
    }
    text = json.dumps(body)
    assert "test." not in text
    assert "applicant" not in text


@pytest.mark.parametrize(
    "query", ["from=2026-12-05&to=2026-12-01", "from=yesterday", "from=2025-01-01&to=2026-12-31"]
)
def test_a_bad_heads_range_is_a_problem_response(query):
    response = Client().get(f"/audit/heads.json?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "invalid_range"
