"""A cheap rate meter: events counted into one-second buckets, read as a recent average.

Every worker hears every event (through Redis when there are several), so one worker's
meter shows the site's event rate."""

from __future__ import annotations

import time
from collections.abc import Callable

WINDOW_SECONDS = 60


class RateMeter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts = [0] * WINDOW_SECONDS
        self._stamps = [-1] * WINDOW_SECONDS

    def tick(self) -> None:
        second = int(self._clock())
        slot = second % WINDOW_SECONDS
        if self._stamps[slot] != second:
            self._stamps[slot], self._counts[slot] = second, 0
        self._counts[slot] += 1

    def per_second(self, seconds: int = 10) -> float:
        """The average over the last `seconds` whole seconds (the current one excluded)."""
        seconds = max(1, min(seconds, WINDOW_SECONDS - 1))
        now = int(self._clock())
        total = 0
        for second in range(now - seconds, now):
            slot = second % WINDOW_SECONDS
            if self._stamps[slot] == second:
                total += self._counts[slot]
        return total / seconds
