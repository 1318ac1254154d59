"""Rate limits for socket events, on the same storage as Flask-Limiter (Redis when set).

Flask-Limiter only sees HTTP requests, so socket events use the `limits` package it is
built on, with Flask-Limiter's storage. An event may share its allowance with HTTP
routes (`shared`), so doing the same thing through another door counts against it too.
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

from extensions import limiter

log = logging.getLogger(__name__)


class SocketRateLimiter:
    def __init__(self) -> None:
        self._limiter: MovingWindowRateLimiter | None = None
        self._limits: dict[str, RateLimitItem] = {}

    def init_app(self, app: Flask) -> None:
        # Flask-Limiter's own storage (bound to this app just before), so an allowance
        # shared with HTTP routes is one count, in memory as in Redis.
        self._limiter = MovingWindowRateLimiter(limiter.storage)
        self._config = app.config
        self._limits = {}

    def _item(self, setting: str) -> RateLimitItem:
        if setting not in self._limits:
            self._limits[setting] = parse(self._config[setting])
        return self._limits[setting]

    def hit(
        self, setting: str, user_id: int, event: str, shared: str | None = None
    ) -> float | None:
        """Count one event; None when allowed, else the seconds to wait. With `shared`,
        the count is the one Flask-Limiter keeps for routes of that shared limit."""
        item = self._item(setting)
        if shared:
            # Flask-Limiter's key: prefix, key function (blueprints.limits.user_or_ip), scope.
            key = (self._config["RATELIMIT_KEY_PREFIX"], f"user:{user_id}", shared)
        else:
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
