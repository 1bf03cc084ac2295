"""Operational endpoints: liveness, readiness (database and broker) and Prometheus metrics."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, g, jsonify, request
from kombu import Connection
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import text

from portal.core.runtime import database, settings

bp = Blueprint("health", __name__)

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("portal_http_requests_total", "HTTP requests", ["method", "endpoint", "status"], registry=REGISTRY)
LATENCY = Histogram("portal_http_request_seconds", "HTTP request latency", ["endpoint"], registry=REGISTRY)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers."""
    return jsonify({"status": "ok"})


def _check_database() -> str:
    with database().engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "ok"


def _check_broker() -> str:
    url = settings().broker_url
    if url.startswith("memory://"):
        return "ok"
    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: the database and the broker are reachable (errors are named, secrets never shown)."""
    checks: dict[str, str] = {}
    for name, probe in (("database", _check_database), ("broker", _check_broker)):
        try:
            checks[name] = probe()
        except Exception as exc:  # any failure means not ready; report its type only
            current_app.logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            checks[name] = f"unavailable ({type(exc).__name__})"
    ready = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ready" if ready else "not ready", "checks": checks}), 200 if ready else 503


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format."""
    return Response(generate_latest(REGISTRY), mimetype=CONTENT_TYPE_LATEST)


def start_timer() -> None:
    """before_request: remember when the request started."""
    g.started = time.perf_counter()


def observe(response: Response) -> Response:
    """after_request: count the request and record its latency by endpoint."""
    endpoint = request.endpoint or "unmatched"
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    if "started" in g:
        LATENCY.labels(endpoint).observe(time.perf_counter() - g.started)
    return response
