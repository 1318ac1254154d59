"""A debug-only look at the server's memory: tracemalloc, dumped on SIGUSR1.

Off unless `MEMORY_PROBE_PATH` is set (the `TANDEM_MEMORY_PROBE` variable). Then tracing
starts when the server starts serving, and each SIGUSR1 writes `<path>.<n>.json`: the
process's RSS and the traced bytes and blocks grouped by source file, largest first.
bench/connection_memory.py takes one before and one after opening idle connections and
subtracts them. Tracing costs memory and CPU: never on in service.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import signal
import tracemalloc
from pathlib import Path

import gevent
import greenlet

_dumps = itertools.count(1)


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def dump(path: Path) -> Path:
    """Write the current snapshot, grouped by file, next to `path`."""
    snapshot = tracemalloc.take_snapshot()
    files = [
        {"file": stat.traceback[0].filename, "bytes": stat.size, "blocks": stat.count}
        for stat in snapshot.statistics("filename")
    ]
    greenlets = sum(1 for obj in _objects() if isinstance(obj, greenlet.greenlet))
    out = path.with_name(f"{path.name}.{next(_dumps)}.json")
    out.write_text(
        json.dumps(
            {
                "rss_bytes": rss_bytes(),
                "traced_bytes": tracemalloc.get_traced_memory()[0],
                "greenlets": greenlets,
                "files": files,
            }
        )
    )
    return out


def _objects() -> list:
    """Every object the collector tracks, also those realtime/garbage.py froze."""
    frozen = gc.get_freeze_count()
    if frozen:
        gc.unfreeze()
    try:
        return gc.get_objects()
    finally:
        if frozen:
            gc.freeze()


def start(path: str | None) -> bool:
    """Trace allocations and dump on SIGUSR1 when `path` is set; otherwise nothing."""
    if not path:
        return False
    tracemalloc.start()
    gevent.signal_handler(signal.SIGUSR1, dump, Path(path))
    return True
