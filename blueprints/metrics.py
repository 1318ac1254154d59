"""Operator metrics in Prometheus' text format (docs/operations.md, "Metrics")."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from services import operator_metrics

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    body, content_type = operator_metrics.scrape(
        current_app.config, request.headers.get("Authorization"), request.remote_addr
    )
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
