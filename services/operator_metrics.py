"""Who may read the operator metrics, and what a scrape returns (realtime/metrics.py)."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from typing import Any

from flask import Flask

from config import metrics_enabled
from errors import Forbidden, NotFound, Unauthenticated
from extensions import db
from models.kept_connections import kept_count
from realtime import metrics
from realtime.bus import bus


def scrape(
    config: Mapping[str, Any], authorization: str | None, remote_addr: str | None
) -> tuple[bytes, str]:
    """The metrics' text and content type for an operator; refused otherwise. Off (no
    token, no loopback-only access configured), there is nothing here."""
    if not metrics_enabled(config):
        raise NotFound("There is nothing here.")
    if config["METRICS_LOOPBACK_ONLY"] and not _is_loopback(remote_addr):
        raise Forbidden("Metrics are read from this machine only.")
    token = config["METRICS_TOKEN"]
    if token and not _bearer_matches(authorization, token):
        raise Unauthenticated("Send the metrics token as a bearer token.")
    sample()
    return metrics.exposition(config["METRICS_MULTIPROCESS_DIR"])


def sample() -> None:
    """Set this process's gauges now (in an application context)."""
    engine = db.engine
    metrics.sample(bus.hub.connections_by_transport, engine.pool, kept_count(engine))


def sampler(app: Flask):
    """The periodic sampling of a serving process's gauges."""

    def run() -> None:
        with app.app_context():
            sample()

    return run


def _bearer_matches(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False
