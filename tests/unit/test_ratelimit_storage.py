"""realtime/ratelimit.py's in-process counters, as a served process runs them: under
gevent's monkey-patching, in a process of their own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_patched(body: str) -> str:
    """Run `body` in a fresh interpreter patched as app.py patches, and return its output."""
    script = "from gevent import monkey\nmonkey.patch_all()\n" + textwrap.dedent(body)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_counting_never_yields_to_other_greenlets():
    """Each count schedules the sweep; with a sweep already waiting that must be a
    plain check. Asking the waiting timer whether it is alive switched greenlets on
    every count."""
    output = run_patched(
        """
        import gevent
        from realtime.ratelimit import SweptMemoryStorage

        storage = SweptMemoryStorage()
        storage.timer.join(10)  # the constructor's first sweep has run; none is waiting
        storage.acquire_entry("first", 10, 60)  # schedules the next sweep
        switched = []
        gevent.spawn(switched.append, True)
        for index in range(200):
            storage.acquire_entry(f"key-{index % 7}", 1000, 60)
        print(len(switched), storage.timer.is_alive())
        """
    )
    assert output == "0 True"


def test_a_sweep_drops_expired_keys_and_the_next_count_schedules_another():
    output = run_patched(
        """
        from realtime import ratelimit
        from realtime.ratelimit import SweptMemoryStorage

        ratelimit.SWEEP_INTERVAL_SECONDS = 0.2
        storage = SweptMemoryStorage()
        storage.timer.join(10)  # the constructor's first sweep
        storage.acquire_entry("short", 10, 0.1)  # expires before the sweep
        storage.acquire_entry("long", 10, 60)
        storage.timer.join(10)  # the sweep it scheduled, 0.2 s later
        first = sorted(storage.events)
        storage.acquire_entry("again", 10, 0.1)
        scheduled = storage.timer.is_alive()
        storage.timer.join(10)
        print(first, sorted(storage.events), storage.acquire_entry("long", 1, 60), scheduled)
        """
    )
    assert output == "['long'] ['long'] False True"
