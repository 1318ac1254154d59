"""Rate limits for socket events, on the same storage as Flask-Limiter (Redis when set).

Flask-Limiter only sees HTTP requests, so socket events use the `limits` package it is
built on, with Flask-Limiter's storage. An event draws on the budget of its action
(budgets.py), so doing the same thing through another door counts against it too.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time

from flask import Flask
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage

from budgets import Budget
from extensions import limiter
from realtime import metrics

log = logging.getLogger(__name__)

# Sweeping only frees memory (counting never depends on it): a sweep walks every key, so
# it runs seldom enough that its walks cost next to nothing beside the counting.
SWEEP_INTERVAL_SECONDS = 10.0


class SweptMemoryStorage(MemoryStorage):
    """In-process counters (the embedded configuration), registered for `memory://` in
    place of limits' own class. They differ in how expired entries are swept away:
    limits sweeps every key a hundred times a second, and never forgets a key once its
    entries are gone, so each sweep walks every key ever used; with a thousand people
    sending events the sweeps alone took most of a core. Here a sweep runs every ten seconds,
    passes over keys whose oldest entry still counts, and drops keys left empty. Counting
    never depends on the sweep (each check compares timestamps itself); it frees memory.
    """

    STORAGE_SCHEME = ["memory"]
    # Whether a sweep is waiting to run: limits' own constructor has started one.
    _sweep_pending = True

    # limits (5.x) schedules its sweep through these two private hooks. It is scheduled
    # on every count, so the check is a flag: asking the timer `is_alive()` tries its
    # lock, and under gevent a failed try yields to the hub, a switch on every event.
    def _MemoryStorage__schedule_expiry(self) -> None:
        if self._sweep_pending:
            return
        self._sweep_pending = True
        self.timer = threading.Timer(SWEEP_INTERVAL_SECONDS, self._MemoryStorage__expire_events)
        self.timer.daemon = True
        self.timer.start()

    def _MemoryStorage__expire_events(self) -> None:
        try:
            self._sweep()
        finally:
            self._sweep_pending = False

    def _sweep(self) -> None:
        now = time.time()
        for key, events in list(self.events.items()):
            if events and events[-1].expiry > now:
                continue  # newest first: the oldest entry still counts, so all do
            with self.locks[key]:
                events = self.events.get(key)
                if events:
                    live = bisect.bisect_left(events, -now, key=lambda entry: -entry.expiry)
                    events = self.events[key] = events[:live]
                if not events:
                    self.events.pop(key, None)
                    self.locks.pop(key, None)
        for key, expiry in list(self.expirations.items()):
            if expiry <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)


class SocketRateLimiter:
    def __init__(self) -> None:
        self._limits: dict[str, RateLimitItem] = {}

    def init_app(self, app: Flask) -> None:
        self._config = app.config
        self._limits = {}

    def _item(self, setting: str) -> RateLimitItem:
        if setting not in self._limits:
            self._limits[setting] = parse(self._config[setting])
        return self._limits[setting]

    def hit(self, budget: Budget, user_id: int, event: str) -> float | None:
        """Count one `event` against `budget`; None when allowed, else the seconds to
        wait. The count is the one Flask-Limiter keeps for the routes of that budget."""
        item = self._item(budget.setting)
        # Flask-Limiter's key: prefix, key function (route_limits.user_or_ip), scope.
        key = (self._config["RATELIMIT_KEY_PREFIX"], f"user:{user_id}", budget.scope)
        # Flask-Limiter's own counter (bound to this app), so an allowance shared with
        # HTTP routes is one count, in memory as in Redis, and in its in-memory fallback
        # while Redis is away.
        counter = limiter.limiter
        try:
            if counter.hit(item, *key):
                return None
            reset_at = counter.get_window_stats(item, *key).reset_time
        except Exception:
            # Like Flask-Limiter with RATELIMIT_SWALLOW_ERRORS: a storage outage lets
            # events through rather than stopping the site.
            log.warning("Rate-limit storage unreachable; allowing %s", event)
            return None
        metrics.rate_limited("socket")
        return max(reset_at - time.time(), 1.0)


socket_limiter = SocketRateLimiter()
