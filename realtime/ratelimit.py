"""Rate limits for socket events, on the same storage as Flask-Limiter (Redis when set).

Flask-Limiter only sees HTTP requests, so socket events use the `limits` package it is
built on, with the same storage URI.
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class SocketRateLimiter:
    def __init__(self) -> None:
        self._limiter: MovingWindowRateLimiter | None = None
        self._limits: dict[str, RateLimitItem] = {}

    def init_app(self, app: Flask) -> None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        self._limiter = MovingWindowRateLimiter(storage)
        self._config = app.config
        self._limits = {}

    def _item(self, setting: str) -> RateLimitItem:
        if setting not in self._limits:
            self._limits[setting] = parse(self._config[setting])
        return self._limits[setting]

    def hit(self, setting: str, user_id: int, event: str) -> float | None:
        """Count one event; None when allowed, else the seconds to wait."""
        item = self._item(setting)
        key = (f"socket:{event}", str(user_id))
        try:
            if self._limiter.hit(item, *key):
                return None
            reset_at = self._limiter.get_window_stats(item, *key).reset_time
        except Exception:
            # Like Flask-Limiter with RATELIMIT_SWALLOW_ERRORS: a storage outage lets
            # events through rather than stopping the site.
            log.warning("Rate-limit storage unreachable; allowing %s", event)
            return None
        return max(reset_at - time.time(), 1.0)


socket_limiter = SocketRateLimiter()
