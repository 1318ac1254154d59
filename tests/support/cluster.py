"""Helpers for tests of several workers: settings that make presence quick, and waiting."""

from __future__ import annotations

import time

FAST_PRESENCE = {"PRESENCE_TTL_SECONDS": "3", "PRESENCE_LINGER_SECONDS": "0.3"}


def wait_until(predicate, timeout: float, interval: float = 0.1) -> float:
    """Poll `predicate` until it holds; how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
