"""/metrics of real servers: refused without the token, and the families move with real
traffic (Socket.IO clients sending messages); with several processes sharing
PROMETHEUS_MULTIPROC_DIR, a scrape of any of them sums them all."""

from __future__ import annotations

import pytest
import requests

from tests.support.clients import SocketClient, register
from tests.support.cluster import wait_until
from tests.support.metrics import samples, value

pytestmark = pytest.mark.server

TOKEN = "live-metrics-token-0123456789abcdef"


def scrape(server) -> dict:
    response = requests.get(
        server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return samples(response.text)


def test_refused_without_the_token_then_the_families_move(server_factory):
    server = server_factory(
        METRICS_TOKEN=TOKEN, TYPING_RATE_LIMIT="1 per minute", TIME_RATE_LIMIT="1 per minute"
    )
    refused = requests.get(server.url + "/metrics", timeout=10)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    wrong = requests.get(
        server.url + "/metrics", headers={"Authorization": "Bearer " + "x" * 32}, timeout=10
    )
    assert wrong.status_code == 401

    before = scrape(server)
    owner, member = register(server.url), register(server.url)
    created = requests.post(
        server.url + "/api/v1/conversations",
        json={"kind": "group", "name": "Metrics", "members": [member.username]},
        headers=owner.headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    conversation_id = created.json()["conversation"]["id"]
    sender = SocketClient(server.url, "websocket").connect(auth={"token": owner.token})
    reader = SocketClient(server.url, "polling").connect(auth={"token": member.token})
    try:
        ack = sender.call("message:send", {"conversation_id": conversation_id, "body": "hi"})
        assert ack["ok"] is True
        reader.received.wait_count("message:new", 1)
        refused_send = sender.call("message:send", {"conversation_id": 10**9, "body": "hi"})
        assert refused_send["error"]["code"] == "not_found"
        typing = {"conversation_id": conversation_id}
        assert sender.call("typing:start", typing)["ok"] is True
        assert sender.call("typing:start", typing)["error"]["code"] == "rate_limited"
        assert sender.call("no:such:event", {})["error"]["code"] == "unknown_event"
        statuses = [requests.get(server.url + "/api/v1/time", timeout=10) for _ in range(2)]
        assert statuses[-1].status_code == 429

        after = scrape(server)
        assert value(after, "tandem_connections", transport="websocket") == 1
        assert value(after, "tandem_connections", transport="polling") == 1
    finally:
        sender.close()
        reader.close()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("tandem_events_published_total", event="message:new") == 1
    # The message went to both members' sockets.
    assert moved("tandem_events_delivered_total", event="message:new") == 2
    assert moved("tandem_event_delivery_seconds_count") >= 1
    assert moved("tandem_socket_events_total", event="message:send", outcome="ok") == 1
    assert moved("tandem_socket_events_total", event="message:send", outcome="not_found") == 1
    assert moved("tandem_socket_events_total", event="typing:start", outcome="rate_limited") == 1
    assert moved("tandem_socket_events_total", event="(unknown)", outcome="unknown_event") == 1
    assert moved("tandem_rate_limited_total", transport="socket") == 1
    assert moved("tandem_rate_limited_total", transport="http") == 1
    assert value(after, "tandem_db_pool_size") >= 1
    assert ("tandem_db_pool_checked_out", frozenset()) in after


def test_processes_sharing_a_directory_are_summed(server_factory, redis_server, tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    settings = {"METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    first = server_factory(redis_url=redis_server.url, **settings)
    second = server_factory(redis_url=redis_server.url, **settings)
    clients = []
    try:
        for server in (first, second):
            account = register(server.url)
            client = SocketClient(server.url, "websocket").connect(auth={"token": account.token})
            clients.append(client)
            account.echo("counted")
            client.received.wait_count("stream:echo", 1)

        # Each process samples its gauges every few seconds and at its own scrapes.
        def both_connected() -> bool:
            scraped = scrape(first)
            return value(scraped, "tandem_connections", transport="websocket") == 2

        wait_until(both_connected, timeout=15)
        for server in (first, second):
            scraped = scrape(server)
            assert value(scraped, "tandem_events_published_total", event="stream:echo") == 2
            assert value(scraped, "tandem_events_delivered_total", event="stream:echo") == 2
            # Every process hears every event from Redis, its own included.
            assert value(scraped, "tandem_redis_listener_lag_seconds_count") >= 4

        # A stopped process's connections leave the sum; what it counted stays.
        first.stop()
        after = scrape(second)
        assert value(after, "tandem_connections", transport="websocket") == 1
        assert value(after, "tandem_events_published_total", event="stream:echo") == 2
    finally:
        for client in clients:
            client.close()
