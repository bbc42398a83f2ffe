"""The public transparency page, draws.json and the bundle files (byte for byte, with caching)."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import transaction

from cita.appointments.services.run import cycle_run_due
from cita.draws.models import Draw
from tests.factories.draws import JOB, WINDOW_CLOSES, WINDOW_OPENS, port_with_slots, submitted


@pytest.fixture
def published(db, frozen_clock) -> Draw:
    port_with_slots("SYS", slots=[("08:00", 2)])
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    for _ in range(4):
        submitted(ports=["SYS"])
    frozen_clock.set(WINDOW_CLOSES)
    cycle_run_due(actor=JOB)
    return Draw.objects.get(draw_id="2026-12-01")


def test_draws_json_lists_each_draw_with_its_commitment_status_and_files(published, client):
    response = client.get("/transparency/draws.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["format"] == "cita-draws-v1"
    assert [d["draw_id"] for d in data["draws"]] == ["2026-12-01-2", "2026-12-01"]
    first = data["draws"][1]
    assert first["appointment_date"] == "2026-12-15"
    assert first["status"] == "published"
    assert first["commitment"] == published.commitment
    assert first["server_seed"] == published.server_seed
    assert first["entries"] == 4
    assert first["selected"] == 2
    assert first["seats"] == 2
    assert first["files"] == {
        name: f"http://testserver/transparency/draws/2026-12-01/{name}"
        for name in ("manifest.json", "entries.csv", "results.csv")
    }
    second = data["draws"][0]
    assert second["status"] == "open"
    assert second["server_seed"] is None
    assert second["files"] == {}


def test_the_files_are_served_byte_for_byte_with_the_published_hashes(published, client):
    manifest_response = client.get("/transparency/draws/2026-12-01/manifest.json")
    manifest = json.loads(manifest_response.content)
    for name, key in (("entries.csv", "entries_sha256"), ("results.csv", "results_sha256")):
        response = client.get(f"/transparency/draws/2026-12-01/{name}")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert hashlib.sha256(response.content).hexdigest() == manifest[key]
        assert "immutable" in response["Cache-Control"]
        etag = response["ETag"]
        assert (
            client.get(f"/transparency/draws/2026-12-01/{name}", HTTP_IF_NONE_MATCH=etag).status_code == 304
        )


@pytest.mark.parametrize(
    "path",
    [
        "/transparency/draws/2026-12-01/secret.txt",
        "/transparency/draws/1999-01-01/manifest.json",
        "/transparency/draws/2026-12-01-2/results.csv",
    ],
)
def test_unknown_files_are_not_found(published, client, path):
    assert client.get(path).status_code == 404


def test_the_page_lists_the_draws_and_explains_how_to_check_them_in_the_callers_language(published, client):
    page = client.get("/transparency/", HTTP_ACCEPT_LANGUAGE="ht")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Kijan pou verifye yon tiraj" in text
    assert "cita draw verify" in text
    assert published.commitment in text
    assert published.server_seed in text
    assert "/transparency/draws/2026-12-01/results.csv" in text


def test_the_transparency_pages_answer_only_reads(published, client):
    assert client.post("/transparency/draws.json").status_code == 405


def test_the_page_shows_who_was_selected_by_group_size(published, client):
    page = client.get("/transparency/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Elegidos según el tamaño del grupo" in page
    assert "Personas en el grupo" in page


@pytest.mark.django_db
def test_the_audit_page_shows_each_days_chain_head_and_links_the_signed_file(client):
    from cita.audit.models import AuditEvent
    from cita.audit.services import Event, audit_chain_extend, audit_record_many
    from cita.core.actors import system

    with transaction.atomic():
        audit_record_many(actor=system("test"), events=[Event("test.happened", "thing", "1", {})])
    audit_chain_extend()  # as the sequencer does within seconds
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    assert last.hash is not None
    response = client.get("/transparency/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="audit">' in html
    assert last.hash in html
    assert 'href="/audit/heads.json"' in html
    assert "test.happened" not in html
