"""The Redis transport against a real redis-server: wire format, local fallback, and the
listener's handling of what it hears. (End-to-end across processes: tests/cluster.)"""

from __future__ import annotations

import time

import orjson
import redis

from realtime.events import Envelope
from realtime.transport import CHANNEL, RedisTransport
from tests.support.processes import free_port


def collectors():
    delivered, controls = [], []
    return delivered, controls


def test_published_events_reach_every_subscriber(redis_server):
    delivered, controls = collectors()
    transport = RedisTransport(redis_server.url, delivered.append, controls.append)
    listener = redis.Redis.from_url(redis_server.url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(CHANNEL)
    time.sleep(0.1)
    envelope = Envelope(channel="user:1", name="stream:echo", data={"text": "hi"}, id=42)
    transport.send(envelope)
    transport.send_control({"op": "leave", "user": 1, "channel": "party:3"})
    received = []
    deadline = time.monotonic() + 5
    while len(received) < 2 and time.monotonic() < deadline:
        message = listener.get_message(timeout=0.5)
        if message:
            received.append(message["data"])
    assert orjson.loads(received[0]) == {
        "c": "user:1",
        "n": "stream:echo",
        "d": {"text": "hi"},
        "i": 42,
    }
    assert orjson.loads(received[1]) == {"k": {"op": "leave", "user": 1, "channel": "party:3"}}
    assert delivered == []
    assert controls == []
    assert transport.healthy


def test_listener_hands_events_and_controls_to_the_hub(redis_server):
    delivered, controls = collectors()
    transport = RedisTransport(redis_server.url, delivered.append, controls.append)
    transport._handle(orjson.dumps({"c": "user:1", "n": "stream:echo", "d": {}, "i": 7}))
    transport._handle(orjson.dumps({"c": "presence:1", "n": "presence", "d": {}, "i": None}))
    transport._handle(orjson.dumps({"k": {"op": "close", "user": 1}}))
    assert [(e.name, e.id) for e in delivered] == [("stream:echo", 7), ("presence", None)]
    assert controls == [{"op": "close", "user": 1}]
    assert transport.last_remote_id == 7  # where a catch-up after an outage starts


def test_without_redis_events_are_delivered_locally():
    delivered, controls = collectors()
    transport = RedisTransport(
        f"redis://127.0.0.1:{free_port()}/0", delivered.append, controls.append
    )
    envelope = Envelope(channel="user:1", name="stream:echo", data={}, id=1)
    transport.send(envelope)
    transport.send_control({"op": "join", "user": 1, "channel": "party:1"})
    assert delivered == [envelope]
    assert controls == [{"op": "join", "user": 1, "channel": "party:1"}]
    assert not transport.healthy
