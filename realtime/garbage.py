"""Short garbage-collector pauses in a process that holds thousands of connections.

Each connection keeps long-lived objects (greenlets, sockets, queues, protocol state), and
CPython's full collection walks every one of them: with a few thousand connections that
was a pause of 150 to 300 ms every few seconds, during which nothing was delivered, and
it set the 99th-percentile latency (docs/performance.md). So the survivors of each full
collection are frozen, out of the collector's sight: the next full collections walk only
what is newer. Frozen objects are still freed by reference counting; only cycles among
them wait for the periodic compaction, which unfreezes everything, collects once (one
long pause per interval instead of one every few seconds) and freezes the survivors again.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

import gevent

log = logging.getLogger(__name__)


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def start(compact_every_s: float) -> gevent.Greenlet | None:
    """Freeze what survives full collections, and compact every `compact_every_s`
    seconds. Zero leaves the collector as Python sets it up."""
    if compact_every_s <= 0:
        return None
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)
    gc.collect()
    return gevent.spawn(_compact_forever, compact_every_s)


def compact() -> float:
    """Collect everything once, frozen objects included; returns the seconds it took."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()  # its callback freezes the survivors again
    return time.perf_counter() - started


def _compact_forever(every_s: float) -> None:
    while True:
        gevent.sleep(every_s)
        took = compact()
        log.info(
            "Full garbage collection took %.0f ms; %d objects frozen",
            took * 1000,
            gc.get_freeze_count(),
        )
