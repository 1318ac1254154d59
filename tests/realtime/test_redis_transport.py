"""The transports against a real redis-server: wire format, local fallback, and ordered
delivery that fills gaps from the log. (End-to-end across processes: tests/cluster.)"""

from __future__ import annotations

import signal
import time

import gevent
import orjson
import pytest
import redis

from realtime.audience import Audience
from realtime.events import Envelope
from realtime.store import GAP
from realtime.transport import CHANNEL, LISTENER_DEAD_AFTER, OrderedDelivery, RedisTransport
from tests.support.processes import free_port
from tests.support.proxy import FlakyProxy


def echo(event_id: int | None, text: str = "") -> Envelope:
    return Envelope(channel="user:1", name="stream:echo", data={"text": text}, id=event_id)


class Log:
    """A stand-in for the event log: what a worker would read from the database."""

    def __init__(self, *envelopes: Envelope) -> None:
        self.envelopes = list(envelopes)
        self.reads: list[tuple[int, int | None]] = []

    def read(self, after: int, before: int | None) -> list[Envelope]:
        self.reads.append((after, before))
        return [e for e in self.envelopes if e.id > after and (before is None or e.id < before)]


def test_published_events_reach_every_subscriber(redis_server):
    delivered = []
    transport = RedisTransport(redis_server.url, OrderedDelivery(delivered.append, Log().read))
    listener = redis.Redis.from_url(redis_server.url).pubsub()

    def next_message(kind: str) -> dict:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            message = listener.get_message(timeout=0.5)
            if message is not None and message["type"] == kind:
                return message
        raise AssertionError(f"no {kind} message within 10 s")

    listener.subscribe(CHANNEL)
    next_message("subscribe")  # Redis confirmed the subscription
    transport.send(echo(42, "hi"))
    message = next_message("message")
    assert orjson.loads(message["data"]) == {
        "c": "user:1",
        "n": "stream:echo",
        "d": {"text": "hi"},
        "i": 42,
        "t": None,  # when it was published, for the metrics: not stamped here
        "h": [],  # the people it is hidden from: nobody
        "o": None,  # the only people it is for: not narrowed
    }
    assert delivered == []  # the listener brings it back, not the publisher
    assert transport.healthy


def test_listener_hands_events_on_in_order(redis_server):
    delivered = []
    delivery = OrderedDelivery(delivered.append, Log().read)
    delivery.start_at(6)
    transport = RedisTransport(redis_server.url, delivery)
    transport._handle(orjson.dumps({"c": "user:1", "n": "stream:echo", "d": {}, "i": 7}))
    transport._handle(orjson.dumps({"c": "presence:1", "n": "presence", "d": {}, "i": None}))
    transport._handle(orjson.dumps({"c": "user:1", "n": "stream:echo", "d": {}, "i": 7}))
    assert [(e.name, e.id) for e in delivered] == [("stream:echo", 7), ("presence", None)]
    assert delivery.last_id == 7  # where a read of the log starts


def test_whom_an_event_is_for_crosses_the_wire(redis_server):
    delivered = []
    delivery = OrderedDelivery(delivered.append, Log().read)
    delivery.start_at(6)
    transport = RedisTransport(redis_server.url, delivery)
    hidden, only_for = Audience(hidden_from=frozenset({3, 9})), Audience(only_for=frozenset({2, 5}))
    sent = Envelope(channel="posts:1:public", name="comment:typing", data={}, audience=hidden)
    transport._handle(sent.to_wire())
    narrowed = Envelope(channel="playlist:4", name="playlist:updated", data={}, audience=only_for)
    transport._handle(narrowed.to_wire())
    [received, only] = delivered
    assert (received.audience, only.audience) == (hidden, only_for)


def test_an_entry_after_a_gap_waits_until_the_gap_arrives():
    log = Log()
    delivered = []
    delivery = OrderedDelivery(delivered.append, log.read, gap_wait=60)
    delivery.start_at(10)
    delivery.deliver(echo(12, "b"))  # 11 was taken first and is committing still
    assert delivered == []
    assert delivery.last_id == 10  # the horizon stays before the gap
    delivery.deliver(echo(11, "a"))
    assert [e.id for e in delivered] == [11, 12]
    assert log.reads == []  # in the usual case the log is not read at all
    delivery.stop()


def test_a_gap_that_stays_open_is_read_and_then_settled():
    log = Log(echo(11, "committed, never published"))  # 12 was rolled back
    settled = []
    delivered = []
    delivery = OrderedDelivery(delivered.append, log.read, settled.append, gap_wait=60)
    delivery.start_at(10)
    delivery.deliver(echo(13, "c"))
    delivery.resolve_gap()  # what the gap's timer does once it runs out
    assert [e.id for e in delivered] == [11, 13]
    assert settled == [[12]]
    assert delivery.last_id == 13
    delivery.deliver(echo(12, "a copy from nowhere"))  # below the horizon: dropped
    assert [e.id for e in delivered] == [11, 13]


def test_an_event_committed_while_its_gap_is_settled_is_delivered_in_its_place():
    log = Log()
    delivered = []

    def settle(ids):  # the writer holding 11 commits while the settling waits for it
        log.envelopes.append(echo(11, "late"))

    delivery = OrderedDelivery(delivered.append, log.read, settle, gap_wait=60)
    delivery.start_at(10)
    delivery.deliver(echo(12, "b"))
    delivery.resolve_gap()
    assert [(e.id, e.data["text"]) for e in delivered] == [(11, "late"), (12, "b")]


def test_the_gap_timer_resolves_a_gap_by_itself():
    log = Log(echo(1, "never published"))
    delivered = []
    delivery = OrderedDelivery(delivered.append, log.read, gap_wait=0.01)
    delivery.start_at(0)
    delivery.deliver(echo(2))
    deadline = time.monotonic() + 5
    while len(delivered) < 2 and time.monotonic() < deadline:
        gevent.sleep(0.01)
    assert [e.id for e in delivered] == [1, 2]


def test_gap_placeholders_are_passed_over():
    log = Log(Envelope(channel=GAP, name=GAP, data={}, id=1), echo(2))
    delivered = []
    delivery = OrderedDelivery(delivered.append, log.read)
    delivery.start_at(0)
    assert delivery.catch_up() == 2
    assert [e.id for e in delivered] == [2]
    assert delivery.last_id == 2


def test_a_read_of_the_log_brings_what_no_one_published():
    log = Log(echo(4), echo(5))
    delivered = []
    delivery = OrderedDelivery(delivered.append, log.read)
    delivery.start_at(3)
    assert delivery.catch_up() == 2
    assert delivery.catch_up() == 0
    delivery.deliver(echo(5))
    assert [e.id for e in delivered] == [4, 5]


def test_history_before_the_start_is_not_handed_on():
    log = Log(echo(1), echo(2))
    delivered = []
    delivery = OrderedDelivery(delivered.append, log.read)
    delivery.deliver(echo(2))  # the first entry heard sets where delivery stands
    delivery.deliver(echo(3))
    assert [e.id for e in delivered] == [2, 3]


def test_without_redis_events_are_delivered_locally():
    log = Log()
    delivered = []
    delivery = OrderedDelivery(delivered.append, log.read)
    delivery.start_at(0)
    transport = RedisTransport(f"redis://127.0.0.1:{free_port()}/0", delivery)
    envelope = echo(1)
    transport.send(envelope)
    assert delivered == [envelope]
    assert not transport.healthy


def test_a_publish_no_listener_heard_is_delivered_here(redis_server):
    """Not even this worker's own listener is subscribed (it is reconnecting): the event
    is handed on here rather than lost."""
    delivered = []
    delivery = OrderedDelivery(delivered.append, Log().read)
    delivery.start_at(0)
    transport = RedisTransport(redis_server.url, delivery)
    envelope = echo(1)
    transport.send(envelope)
    assert delivered == [envelope]
    assert not transport.healthy


def test_while_redis_is_away_events_do_not_wait_on_it(redis_server):
    """One publish finds Redis away (here: not answering); the next ones are handed on
    here at once, until the listener hears Redis again."""
    delivered = []
    delivery = OrderedDelivery(delivered.append, Log().read)
    delivery.start_at(0)
    transport = RedisTransport(redis_server.url, delivery)
    published = []
    real = transport._client.publish
    transport._client.publish = lambda *args: published.append(args) or real(*args)
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        for event_id in (1, 2, 3):
            transport.send(echo(event_id))
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    assert [e.id for e in delivered] == [1, 2, 3]
    assert len(published) == 1


def test_the_listener_gives_up_a_connection_that_fell_silent(redis_server):
    """A network drop that resets nothing: the listener's pings go unanswered, and it
    takes the connection for dead (to subscribe again) instead of waiting for hours."""
    proxy = FlakyProxy(redis_server.port)
    url = f"redis://127.0.0.1:{proxy.port}/0"
    transport = RedisTransport(url, OrderedDelivery([].append, Log().read))
    pubsub = redis.Redis.from_url(url).pubsub()
    try:
        pubsub.subscribe(CHANNEL)
        proxy.fall_silent()
        started = time.monotonic()
        with pytest.raises(redis.ConnectionError):
            transport._listen(pubsub, catch_up=False)
        assert time.monotonic() - started >= LISTENER_DEAD_AFTER - 0.1
    finally:
        pubsub.close()
        proxy.close()


class Stop(Exception):
    pass


def test_back_after_an_outage_the_listener_reads_the_log_then_sends_state_again(redis_server):
    log = Log()
    delivery = OrderedDelivery([].append, log.read)
    delivery.start_at(0)
    transport = RedisTransport(redis_server.url, delivery)
    seen = []

    def back() -> None:
        seen.append(list(log.reads))
        raise Stop  # ends the listening here

    transport.on_back = back
    pubsub = redis.Redis.from_url(redis_server.url).pubsub()
    try:
        pubsub.subscribe(CHANNEL)
        with pytest.raises(Stop):
            transport._listen(pubsub, catch_up=True)
    finally:
        pubsub.close()
    assert seen == [[(0, None)]]  # the log was read first
    assert transport.healthy


def test_an_event_whose_publish_timed_out_but_went_out_is_handed_on_once(redis_server):
    """Redis stalls past the publish's timeout: the ephemeral event is handed on here at
    once, and when Redis wakes and carries the publish after all, the listener does not
    hand it on a second time; what comes after is handed on as ever."""
    delivered = []
    delivery = OrderedDelivery(delivered.append, Log().read)
    delivery.start_at(0)
    transport = RedisTransport(redis_server.url, delivery)
    listener = redis.Redis.from_url(redis_server.url).pubsub()
    listener.subscribe(CHANNEL)
    assert listener.get_message(timeout=10)["type"] == "subscribe"

    def presence(status: str) -> Envelope:
        data = {"user_id": 1, "status": status}
        return Envelope(channel="presence:1", name="presence", data=data, published_at=time.time())

    transport._client.ping()  # its connection is open: the publish itself goes out
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        transport.send(presence("busy"))  # waits out the publish's timeout
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    assert [e.data["status"] for e in delivered] == ["busy"]
    transport._heard_again()  # as the listener does on hearing Redis answer again
    redis.Redis.from_url(redis_server.url).publish(CHANNEL, presence("away").to_wire())

    carried = []
    while not carried or orjson.loads(carried[-1])["d"]["status"] != "away":
        message = listener.get_message(timeout=10)
        assert message is not None, "Redis carried nothing within 10 s"
        if message["type"] == "message":
            carried.append(message["data"])
            transport._handle(message["data"])
    assert len(carried) == 2  # the stalled publish went out after all, then the next
    assert [e.data["status"] for e in delivered] == ["busy", "away"]
    listener.close()
