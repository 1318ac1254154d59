"""Waiting in tests for a condition itself, with a deadline, instead of a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable

import gevent


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05):
    """Poll `predicate` until it holds; how long that took. Between polls it sleeps with
    gevent's sleep, which lets this process's greenlets run (a timer a unit test waits for)
    and, in a process gevent has not patched, sleeps the thread like `time.sleep`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        gevent.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
