"""`/metrics`: refused to strangers, and a Prometheus scrape (parsed with the package's own parser) holding
the figures operators watch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from cita.audit.services import audit_chain_verify_record
from cita.core import clock
from cita.core.actors import system
from cita.draws.models import Draw
from cita.draws.services import draw_close
from cita.notifications.models import Delivery, DeliveryStatus
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, port_with_slots, submitted
from tests.factories.notifications import enqueue
from tests.factories.registrations import applicant

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "metrics-test-token-0123456789"


def _scrape(client: Client) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def _value(samples: dict[str, list[tuple[dict[str, str], float]]], metric: str, **labels: str) -> float:
    found = [v for got, v in samples.get(metric, []) if all(got.get(k) == want for k, want in labels.items())]
    assert len(found) == 1, (metric, labels, samples.get(metric))
    return found[0]


@override_settings(CITA_METRICS_TOKEN=TOKEN, CITA_METRICS_NETWORKS=[])
def test_metrics_are_refused_without_the_token_or_an_allowed_network(client: Client) -> None:
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 403  # no "Bearer "
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    with override_settings(CITA_METRICS_TOKEN=""):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


@override_settings(CITA_METRICS_TOKEN="", CITA_METRICS_NETWORKS=["10.1.0.0/16"])
def test_metrics_answer_an_allowed_network_only(client: Client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.2.3").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@override_settings(CITA_METRICS_TOKEN=TOKEN)
def test_a_scrape_holds_requests_jobs_outbox_draw_steps_audit_check_and_pool(
    client: Client, frozen_clock: clock.FrozenClock
) -> None:
    before = _scrape(client)
    # Other tests in this process may have asked /readyz already, some with another status.
    readyz_before = sum(
        v
        for labels, v in before.get("cita_http_requests_total", [])
        if labels["route"] == "readyz" and labels["status"] == "200"
    )
    for _ in range(3):
        assert client.get("/readyz").status_code == 200
        # /healthz is answered before the middleware (issue 19): never counted.
        assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page").status_code == 404

    person = applicant(email="metrics@example.org")
    enqueue(applicant=person)
    enqueue(applicant=person)
    Delivery.objects.filter(pk=Delivery.objects.order_by("pk").first().pk).update(status=DeliveryStatus.DEAD)  # type: ignore[union-attr]
    port_with_slots("SYS", slots=[("08:00", 10)])
    draw = open_draw(frozen_clock)
    submitted(ports=["SYS"], size=1, draw=draw)
    frozen_clock.set(WINDOW_CLOSES + dt.timedelta(seconds=4))
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    audit_chain_verify_record(actor=system("test"))
    frozen_clock.set(frozen_clock.now() + dt.timedelta(seconds=90))

    samples = _scrape(client)
    # Requests by route name, method and status, and their latency.
    assert _value(samples, "cita_http_requests_total", route="readyz", method="GET", status="200") == (
        readyz_before + 3
    )
    assert not [
        labels for labels, _v in samples.get("cita_http_requests_total", []) if labels["route"] == "healthz"
    ]
    assert _value(samples, "cita_http_requests_total", route="unmatched", method="GET", status="404") >= 1
    assert _value(samples, "cita_http_request_duration_seconds_count", route="readyz") >= 3
    assert _value(samples, "cita_http_request_duration_seconds_bucket", route="readyz", le="+Inf") >= 3
    # Jobs by name and state: the deliveries woke the delivery job.
    assert _value(samples, "cita_jobs", name="notifications.deliver", state="todo") >= 1
    # The outbox by channel: one delivery waits, one is dead.
    waiting = Delivery.objects.filter(channel="email", status__in=["pending", "sending"]).count()
    assert waiting >= 1
    assert _value(samples, "cita_outbox_backlog", channel="email") == waiting
    assert _value(samples, "cita_outbox_dead_letters", channel="email") == 1
    # The last published draw's steps.
    published = Draw.objects.get(pk=draw.pk)
    assert published.frozen_at is not None
    assert published.published_at is not None
    assert _value(samples, "cita_draw_step_seconds", step="freeze") == 4
    assert (
        _value(samples, "cita_draw_step_seconds", step="publish")
        == (published.published_at - published.frozen_at).total_seconds()
    )
    # The audit chain was verified 90 s ago, and found whole.
    assert _value(samples, "cita_audit_check_age_seconds") == 90
    assert _value(samples, "cita_audit_check_ok") == 1
    # The pool of the answering process (none unless OPTIONS["pool"] is set).
    pooled = connection.settings_dict["OPTIONS"].get("pool")
    assert _value(samples, "cita_db_pool_enabled") == (1 if pooled else 0)


def test_the_demo_writes_a_development_metrics_token(tmp_path: Path) -> None:
    from cita.cli.demo import secrets_complete, secrets_write

    fresh = tmp_path / "secrets.env"
    assert secrets_write(fresh, base_url="http://127.0.0.1:8000")
    tokens = [line for line in fresh.read_text().splitlines() if line.startswith("CITA_METRICS_TOKEN=")]
    assert len(tokens) == 1
    assert len(tokens[0].split("=", 1)[1]) >= 24

    older = tmp_path / "older.env"  # written by a demo before /metrics existed
    older.write_text("CITA_SECRET_KEY=x\n")
    assert not secrets_write(older, base_url="http://127.0.0.1:8000")
    assert "CITA_METRICS_TOKEN" in secrets_complete(older)
    assert older.read_text().startswith("CITA_SECRET_KEY=x\nCITA_METRICS_TOKEN=")
    assert secrets_complete(older) == []
    assert older.read_text().count("CITA_METRICS_TOKEN=") == 1
