"""`/metrics`: the Prometheus text exposition for operators' monitoring (docs/operations.md, "Metrics").

Public by route (a scraper has no staff session), refused unless the caller sends the bearer token or
comes from an allowed network (cita.core.metrics.scrape_allowed). The figures read from the database are
computed at each scrape, so every worker process answers alike.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from cita.audit.selectors import audit_last_verification
from cita.core import clock
from cita.core.access import allow
from cita.core.actors import Role
from cita.core.jobs import job_counts
from cita.core.metrics import CONTENT_TYPE, scrape, scrape_allowed
from cita.draws.selectors import draw_last_step_seconds
from cita.notifications.models import NEEDS_ATTENTION, DeliveryStatus
from cita.notifications.selectors import delivery_counts_by_channel

BACKLOG = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class DatabaseFigures(Collector):
    """Jobs, outbox, draw steps, the audit check and the connection pool, read at scrape time."""

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "cita_jobs", "Jobs in the queue table, by task name and state", labels=["name", "state"]
        )
        for (name, state), n in sorted(job_counts().items()):
            jobs.add_metric([name, state], n)
        yield jobs

        deliveries = delivery_counts_by_channel()
        channels = sorted({channel for channel, _ in deliveries})
        backlog = GaugeMetricFamily(
            "cita_outbox_backlog", "Deliveries waiting or being sent, by channel", labels=["channel"]
        )
        dead = GaugeMetricFamily(
            "cita_outbox_dead_letters",
            "Deliveries failed for good or dead-lettered, by channel",
            labels=["channel"],
        )
        for channel in channels:
            backlog.add_metric([channel], sum(deliveries.get((channel, s), 0) for s in BACKLOG))
            dead.add_metric([channel], sum(deliveries.get((channel, s), 0) for s in NEEDS_ATTENTION))
        yield backlog
        yield dead

        steps = GaugeMetricFamily(
            "cita_draw_step_seconds", "How long each step of the last published draw took", labels=["step"]
        )
        for step, seconds in sorted(draw_last_step_seconds().items()):
            steps.add_metric([step], seconds)
        yield steps

        last = audit_last_verification()
        age = GaugeMetricFamily(
            "cita_audit_check_age_seconds", "Seconds since the audit chain was last verified (absent: never)"
        )
        ok = GaugeMetricFamily(
            "cita_audit_check_ok", "1 when the last audit chain verification found it whole"
        )
        if last is not None:
            age.add_metric([], (clock.now() - last.at).total_seconds())
            ok.add_metric([], 1.0 if last.data.get("ok") else 0.0)
        yield age
        yield ok

        yield from _pool()


def _pool() -> Iterator[Metric]:
    """The psycopg pool of the process answering the scrape (Django's OPTIONS["pool"]), when there is one."""
    pool = getattr(connection, "pool", None)
    enabled = GaugeMetricFamily("cita_db_pool_enabled", "1 when this process uses a psycopg connection pool")
    enabled.add_metric([], 1.0 if pool is not None else 0.0)
    yield enabled
    if pool is None:
        return
    stats = pool.get_stats()
    usage = GaugeMetricFamily(
        "cita_db_pool_connections", "Connections of this process's pool, by state", labels=["state"]
    )
    size, available = stats.get("pool_size", 0), stats.get("pool_available", 0)
    usage.add_metric(["open"], size)
    usage.add_metric(["idle"], available)
    usage.add_metric(["in_use"], size - available)
    usage.add_metric(["max"], stats.get("pool_max", pool.max_size))
    yield usage
    waiting = GaugeMetricFamily(
        "cita_db_pool_waiting", "Requests waiting for a connection of this process's pool"
    )
    waiting.add_metric([], stats.get("requests_waiting", 0))
    yield waiting


@allow(Role.PUBLIC)
@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics in the Prometheus text format, for allowed scrapers only."""
    if not scrape_allowed(request):
        return HttpResponse(
            "metrics: send Authorization: Bearer <CITA_METRICS_TOKEN>, or scrape from an allowed network\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(scrape([DatabaseFigures()]), content_type=CONTENT_TYPE)
