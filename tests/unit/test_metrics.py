"""The operator metrics module: what each recording moves, and nothing while off."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from config import ConfigError, load_config, metrics_enabled
from extensions import db
from models.kept_connections import kept_count
from models.read_connection import reading
from realtime import metrics
from realtime.connections import Identity, StreamConnection
from realtime.events import Envelope
from realtime.hub import Hub
from services import operator_metrics
from tests.support.metrics import samples, value


@pytest.fixture
def recording() -> Iterator[None]:
    before = metrics.enabled()
    metrics.configure(True)
    yield
    metrics.configure(before)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_nothing_is_recorded_while_off():
    before = metrics.enabled()
    metrics.configure(False)
    try:
        published = sample("tandem_events_published_total", event="stream:echo")
        latencies = sample("tandem_event_delivery_seconds_count")
        metrics.published("stream:echo")
        metrics.delivered("stream:echo", 3, 0.0)
        metrics.socket_event("time:ping", "ok")
        metrics.rate_limited("http")
        metrics.redis_received(0.0)
        assert sample("tandem_events_published_total", event="stream:echo") == published
        assert sample("tandem_event_delivery_seconds_count") == latencies
    finally:
        metrics.configure(before)


def test_counters_move_by_event_and_outcome(recording):
    published = sample("tandem_events_published_total", event="message:new")
    delivered = sample("tandem_events_delivered_total", event="message:new")
    ok = sample("tandem_socket_events_total", event="message:send", outcome="ok")
    refused = sample("tandem_socket_events_total", event="message:send", outcome="not_found")
    limited = sample("tandem_rate_limited_total", transport="socket")
    metrics.published("message:new")
    metrics.delivered("message:new", 4, None)
    metrics.socket_event("message:send", "ok")
    metrics.socket_event("message:send", "not_found")
    metrics.rate_limited("socket")
    assert sample("tandem_events_published_total", event="message:new") == published + 1
    assert sample("tandem_events_delivered_total", event="message:new") == delivered + 4
    assert sample("tandem_socket_events_total", event="message:send", outcome="ok") == ok + 1
    assert (
        sample("tandem_socket_events_total", event="message:send", outcome="not_found")
        == refused + 1
    )
    assert sample("tandem_rate_limited_total", transport="socket") == limited + 1


def test_latencies_are_observed_from_the_publication_time(recording, monkeypatch):
    monkeypatch.setattr(metrics.time, "time", lambda: 1000.0)
    count = sample("tandem_event_delivery_seconds_count")
    fast = sample("tandem_event_delivery_seconds_bucket", le="0.005")
    slow = sample("tandem_event_delivery_seconds_bucket", le="0.25")
    metrics.delivered("stream:echo", 1, 1000.0 - 0.1)
    metrics.delivered("stream:echo", 1, None)  # read from the log: no latency
    assert sample("tandem_event_delivery_seconds_count") == count + 1
    assert sample("tandem_event_delivery_seconds_bucket", le="0.005") == fast
    assert sample("tandem_event_delivery_seconds_bucket", le="0.25") == slow + 1

    lag = sample("tandem_redis_listener_lag_seconds_count")
    lag_sum = sample("tandem_redis_listener_lag_seconds_sum")
    metrics.redis_received(1000.0 - 0.002)
    metrics.redis_received(1000.0 + 5)  # another machine's clock ahead: never negative
    assert sample("tandem_redis_listener_lag_seconds_count") == lag + 2
    assert sample("tandem_redis_listener_lag_seconds_sum") == pytest.approx(lag_sum + 0.002)


class CountingPool:
    def checkedout(self) -> int:
        return 3

    def size(self) -> int:
        return 5


def test_sampling_sets_every_transport_and_the_pool():
    metrics.sample(lambda: {"websocket": 2, "sse": 1}, CountingPool())
    assert sample("tandem_connections", transport="websocket") == 2
    assert sample("tandem_connections", transport="sse") == 1
    assert sample("tandem_connections", transport="polling") == 0
    assert sample("tandem_connections", transport="longpoll") == 0
    assert sample("tandem_db_pool_checked_out") == 3
    assert sample("tandem_db_pool_size") == 5
    # Connections kept out of the pool between reads are checked out, not in use.
    metrics.sample(dict, CountingPool(), idle_kept=2)
    assert sample("tandem_db_pool_checked_out") == 1
    # A pool that does not count its connections (SQLite in memory) leaves them be.
    metrics.sample(dict, object())
    assert sample("tandem_connections", transport="websocket") == 0
    assert sample("tandem_db_pool_size") == 5


def test_a_connection_kept_idle_between_reads_is_not_counted_in_use(app):
    with reading() as connection:
        connection.execute(text("SELECT 1"))
        operator_metrics.sample()
        assert sample("tandem_db_pool_checked_out") == 1
    operator_metrics.sample()
    assert kept_count(db.engine) == db.engine.pool.checkedout() == 1
    assert sample("tandem_db_pool_checked_out") == 0


def test_the_hub_counts_what_it_delivers_to_streams(recording):
    hub = Hub(lambda: None)
    stream = StreamConnection(Identity(user_id=7), {"user:7"}, "longpoll", pending=None)
    hub.add_stream(stream)
    assert hub.connections_by_transport() == {"longpoll": 1}
    delivered = sample("tandem_events_delivered_total", event="stream:echo")
    count = sample("tandem_event_delivery_seconds_count")
    envelope = Envelope("user:7", "stream:echo", {"text": "hi"}, id=1, published_at=0.0)
    hub.dispatch(envelope)
    hub.dispatch(envelope)  # seen already: not delivered again
    assert stream.queue.get_nowait() == envelope
    assert sample("tandem_events_delivered_total", event="stream:echo") == delivered + 1
    assert sample("tandem_event_delivery_seconds_count") == count + 1


def test_the_wire_carries_the_publication_time():
    envelope = Envelope("user:1", "stream:echo", {"text": "hi"}, id=4, published_at=12.5)
    assert orjson.loads(envelope.to_wire())["t"] == 12.5
    # The time says nothing about the event itself.
    assert envelope == Envelope("user:1", "stream:echo", {"text": "hi"}, id=4)


def test_the_scrape_is_prometheus_text():
    body, content_type = metrics.exposition(None)
    assert content_type.startswith("text/plain; version=0.0.4")
    scraped = samples(body.decode())
    assert value(scraped, "tandem_db_pool_size") >= 0
    families = body.decode()
    for family in (
        "tandem_connections",
        "tandem_events_published_total",
        "tandem_event_delivery_seconds",
        "tandem_redis_listener_lag_seconds",
    ):
        assert f"# TYPE {family} " in families


def test_metrics_are_off_unless_an_operator_configured_access(tmp_path):
    base = {"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)}
    assert not metrics_enabled(load_config(base, environ={}))
    token = load_config(base, environ={"METRICS_TOKEN": "t" * 32})
    assert metrics_enabled(token)
    assert token["METRICS_TOKEN"] == "t" * 32
    loopback = load_config(base, environ={"METRICS_LOOPBACK_ONLY": "on"})
    assert metrics_enabled(loopback)
    assert loopback["METRICS_TOKEN"] is None
    shared = load_config(base, environ={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    assert shared["METRICS_MULTIPROCESS_DIR"] == str(tmp_path)
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        load_config(base, environ={"METRICS_TOKEN": "short"})
    with pytest.raises(ConfigError, match="METRICS_LOOPBACK_ONLY"):
        load_config(base, environ={"METRICS_LOOPBACK_ONLY": "maybe"})
