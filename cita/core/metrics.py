"""Prometheus metrics of the web processes (requests by route, status and latency) and the text rendering
of a scrape (`/metrics`, cita.staff.metrics).

With several granian worker processes each counts its own requests; `PROMETHEUS_MULTIPROC_DIR` (which
`cita serve` sets) makes them write to shared files that a scrape adds up, whichever worker answers it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from cita.core.http import caller_ip

REQUESTS = Counter(
    "cita_http_requests",
    "HTTP requests answered, by route name, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "cita_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def route_of(request: HttpRequest) -> str:
    """The route's name (`transparency:home`), never the raw path: a bounded set of labels."""
    match = getattr(request, "resolver_match", None)
    return (match.view_name or "unnamed") if match is not None else "unmatched"


class MetricsMiddleware:
    """Counts every request and times it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        LATENCY.labels(route).observe(time.perf_counter() - started)
        REQUESTS.labels(route, request.method or "", str(response.status_code)).inc()
        return response


def scrape_allowed(request: HttpRequest) -> bool:
    """Whether the caller sent `Authorization: Bearer <CITA_METRICS_TOKEN>` or comes from one of the
    networks in CITA_METRICS_NETWORKS."""
    token = settings.CITA_METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if (
        token
        and sent.startswith("Bearer ")
        and hmac.compare_digest(sent[7:].strip().encode(), token.encode())
    ):
        return True
    networks = settings.CITA_METRICS_NETWORKS
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(caller_ip(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def scrape(collectors: Iterable[Collector]) -> bytes:
    """The text exposition of this process's metrics (or every worker's) plus `collectors`' figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    for collector in collectors:
        extra.register(collector)
    return text + generate_latest(extra)
