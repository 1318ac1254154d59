"""Readiness checks of the parts Tandem depends on."""

from __future__ import annotations

import logging

import redis
from sqlalchemy import text

from extensions import db
from realtime.draining import drain

log = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not ready"
        log.warning("Readiness: database check failed", exc_info=True)
        db.session.rollback()
        return False


def redis_ok(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        log.warning("Readiness: Redis check failed")
        return False


def readiness(redis_url: str | None) -> dict[str, str]:
    """Each part's state; a worker that is stopping (SIGTERM) says so, so that a load
    balancer sends it nothing new while it finishes what it holds."""
    checks = {"database": "ok" if database_ok() else "down"}
    if redis_url:
        checks["redis"] = "ok" if redis_ok(redis_url) else "down"
    if drain.closing:
        checks["worker"] = "stopping"
    return checks
