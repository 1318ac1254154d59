"""Operator metrics in Prometheus' text format: every metric Tandem exports is defined here.

The places that do the work call the small `record` functions below; each is a counter
increment or a histogram observation (the library's own lock only), and nothing at all
while metrics are off (`configure`). Gauges that describe a state (connections by
transport, the database pool) are not kept up to date on the hot path: `sample` reads
the state and sets them, every `SAMPLE_INTERVAL_SECONDS` and at each scrape.

Labels come from the code, never from a client: event names from realtime/events.py,
socket event names from their handlers' registrations, error codes from errors.py's
classes and the services that raise them, transports from a fixed set.

With PROMETHEUS_MULTIPROC_DIR set in the environment (read by prometheus-client when it
is imported, and by config.py as METRICS_MULTIPROCESS_DIR), each process keeps its values
in files there and a scrape of any process sums them all (docs/operations.md); otherwise
a scrape reads the process's default registry.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping

import gevent
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

log = logging.getLogger(__name__)

SAMPLE_INTERVAL_SECONDS = 5.0
TRANSPORTS = ("websocket", "polling", "sse", "sse-html", "longpoll")
# Seconds: a local fan-out takes well under a millisecond; a gap in the log or a slow
# reader takes up to STREAM_GAP_WAIT_SECONDS and more.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

EVENTS_PUBLISHED = Counter(
    "tandem_events_published",
    "Events this process handed to the transport, after their commit (or at once when ephemeral).",
    ["event"],
)
EVENTS_DELIVERED = Counter(
    "tandem_events_delivered",
    "Live events written or queued to a connection of this process, one per connection.",
    ["event"],
)
DELIVERY_SECONDS = Histogram(
    "tandem_event_delivery_seconds",
    "From an event's publication to its fan-out to this process's connections.",
    buckets=LATENCY_BUCKETS,
)
SOCKET_EVENTS = Counter(
    "tandem_socket_events",
    "Socket.IO events from clients, by handler and outcome (ok or the error code).",
    ["event", "outcome"],
)
RATE_LIMITED = Counter(
    "tandem_rate_limited", "Requests and socket events refused by a rate limit.", ["transport"]
)
REDIS_LAG_SECONDS = Histogram(
    "tandem_redis_listener_lag_seconds",
    "From an event's publication to its receipt by this process's Redis listener.",
    buckets=LATENCY_BUCKETS,
)
CONNECTIONS = Gauge(
    "tandem_connections",
    "Live connections by transport.",
    ["transport"],
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "tandem_db_pool_checked_out",
    "Database connections in use (checked out of the pool and not kept idle).",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "tandem_db_pool_size", "Database connections the pool keeps.", multiprocess_mode="livesum"
)

_enabled = False


def configure(enabled: bool) -> None:
    """Record or not; off, every `record` function returns at once."""
    global _enabled
    _enabled = enabled


def enabled() -> bool:
    return _enabled


# -- recording, from the places that do the work -------------------------------------------
def published(event: str) -> None:
    if _enabled:
        EVENTS_PUBLISHED.labels(event).inc()


def delivered(event: str, connections: int, published_at: float | None) -> None:
    """One event fanned out to `connections` local connections."""
    if not _enabled:
        return
    if connections:
        EVENTS_DELIVERED.labels(event).inc(connections)
    if published_at is not None:
        DELIVERY_SECONDS.observe(max(time.time() - published_at, 0.0))


def socket_event(event: str, outcome: str) -> None:
    if _enabled:
        SOCKET_EVENTS.labels(event, outcome).inc()


def rate_limited(transport: str) -> None:
    if _enabled:
        RATE_LIMITED.labels(transport).inc()


def redis_received(published_at: float | None) -> None:
    if _enabled and published_at is not None:
        REDIS_LAG_SECONDS.observe(max(time.time() - published_at, 0.0))


# -- sampled state ---------------------------------------------------------------------------
def sample(
    transport_counts: Callable[[], Mapping[str, int]], pool: object | None, idle_kept: int = 0
) -> None:
    """Set the gauges from the state they describe: this process's connections by
    transport and, for a pool that counts them (QueuePool), its database connections in
    use: those checked out, but for `idle_kept`, checked out and kept idle for the next
    read (models/kept_connections.py)."""
    counts = transport_counts()
    for transport in TRANSPORTS:
        CONNECTIONS.labels(transport).set(counts.get(transport, 0))
    checked_out = getattr(pool, "checkedout", None)
    size = getattr(pool, "size", None)
    if callable(checked_out) and callable(size):
        DB_POOL_CHECKED_OUT.set(checked_out() - idle_kept)
        DB_POOL_SIZE.set(size())


def sample_forever(sampler: Callable[[], None], interval: float = SAMPLE_INTERVAL_SECONDS) -> None:
    while True:
        try:
            sampler()
        except Exception:
            log.exception("Sampling the metrics' gauges failed")
        gevent.sleep(interval)


def start_sampling(sampler: Callable[[], None]) -> gevent.Greenlet | None:
    """The serving process's sampler greenlet, when metrics are on."""
    return gevent.spawn(sample_forever, sampler) if _enabled else None


def process_stopped(multiprocess_dir: str | None) -> None:
    """Drop this stopping process's live gauges from the shared directory (multiprocess
    mode): its connections and pool are gone. Its counters and histograms still count."""
    if multiprocess_dir:
        multiprocess.mark_process_dead(os.getpid(), multiprocess_dir)


def exposition(multiprocess_dir: str | None) -> tuple[bytes, str]:
    """The text a scrape returns, and its content type: every process's values summed in
    multiprocess mode (`multiprocess_dir`, the PROMETHEUS_MULTIPROC_DIR prometheus-client
    itself writes to), this process's registry otherwise."""
    if multiprocess_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4
