"""Liveness and readiness probes for load balancers and operators."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    checks = health.readiness(current_app.config.get("REDIS_URL"))
    failing = [name for name, state in checks.items() if state != "ok"]
    # Without Redis a worker still serves pages and commits writes: degraded, not down.
    down = "database" in failing or "worker" in failing
    status = "ok" if not failing else "unavailable" if down else "degraded"
    body = {"status": status, "checks": checks}
    if failing:
        body["failing"] = failing
    return jsonify(body), 200 if not failing else 503
