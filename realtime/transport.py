"""How events travel between workers: in-process, or one Redis channel per site.

The event log in the database is the truth; Redis is the fast path between workers. Each
worker hands durable entries (events and control messages) to its hub strictly in id
order, exactly once: what Redis brings with a gap before it waits until the gap is read
from the log, and the log is checked on a short interval so that what Redis never
carried (an outage, a worker that died before publishing) arrives all the same.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable

import gevent
import orjson
import redis

from config import redacted_url
from realtime import metrics
from realtime.audience import Audience
from realtime.events import Envelope
from realtime.store import GAP

log = logging.getLogger(__name__)

CHANNEL = "tandem:stream"
# The listener pings Redis when it has heard nothing for this long, and takes its
# connection for dead when nothing (not even the pong) came for `LISTENER_DEAD_AFTER`: a
# connection a network drop cut silently would otherwise be waited on for hours.
LISTENER_PING_EVERY = 2.0
LISTENER_DEAD_AFTER = 6.0
# How long after Redis is heard again an ephemeral event handed on here after a failed
# publish is still known by its bytes (RedisTransport._handed_on_here).
HANDED_ON_HERE_FOR = 2 * LISTENER_DEAD_AFTER

# Reads the log: the durable entries with after < id < before (before None: no bound),
# oldest first.
LogReader = Callable[[int, int | None], list[Envelope]]
# Makes the ids of a gap final (see store.settle).
Settler = Callable[[list[int]], None]


class OrderedDelivery:
    """Durable entries go to `dispatch` in id order, once each; ephemeral ones at once.

    Ids are taken when a transaction writes its events and become visible when it
    commits, so on PostgreSQL two writers can commit out of id order. An entry that
    arrives after a gap waits in `_ahead`; a gap still open `gap_wait` seconds later is
    read from the log and then settled (`Settler`), which waits for a transaction still
    writing one of its ids and marks the others as never used. `last_id` is therefore a
    position every writer has passed: no event at or below it can still appear, and
    reads of the log for clients stop there (the horizon).
    """

    def __init__(
        self,
        dispatch: Callable[[Envelope], None],
        read_log: LogReader,
        settle: Settler = lambda _ids: None,
        gap_wait: float = 0.5,
    ) -> None:
        self._dispatch = dispatch
        self._read_log = read_log
        self._settle = settle
        self._gap_wait = gap_wait
        # threading's lock is gevent's once the server has monkey-patched.
        self._lock = threading.RLock()
        self._ahead: dict[int, Envelope] = {}
        self._gap_timer: gevent.Greenlet | None = None
        # The id of the last entry handed on; None until the first one, or `start_at`.
        self.last_id: int | None = None

    def start_at(self, event_id: int) -> None:
        """Entries up to `event_id` are history: hand on only what comes after."""
        with self._lock:
            self.last_id = max(self.last_id or 0, event_id)
            self._drain()

    def deliver(self, envelope: Envelope) -> None:
        if envelope.id is None:
            self._dispatch(envelope)
            return
        with self._lock:
            if self.last_id is None:
                self._pass_on([envelope])
                return
            if envelope.id <= self.last_id:
                return
            self._ahead[envelope.id] = envelope
            self._drain()

    def catch_up(self) -> int:
        """Take in everything the log holds after the last entry handed on; returns how
        many entries that brought."""
        with self._lock:
            if self.last_id is None:
                return 0
            found = [e for e in self._read_log(self.last_id, None) if e.id not in self._ahead]
            for envelope in found:
                self._ahead[envelope.id] = envelope
            self._drain()
            return len(found)

    def resolve_gap(self) -> None:
        """Close the gap before the first entry waiting: read it, settle what is still
        missing, read again, and go on past it."""
        with self._lock:
            self._gap_timer = None
            if not self._ahead or self.last_id is None:
                return
            first = min(self._ahead)
            for envelope in self._read_log(self.last_id, first):
                self._ahead.setdefault(envelope.id, envelope)
            missing = [i for i in range(self.last_id + 1, first) if i not in self._ahead]
            if missing:
                self._settle(missing)
                for envelope in self._read_log(missing[0] - 1, missing[-1] + 1):
                    self._ahead.setdefault(envelope.id, envelope)
                log.info("Settled a gap of %d id(s) in the event log", len(missing))
                self._pass_on([self._ahead.pop(i) for i in sorted(self._ahead) if i < first])
                self.last_id = max(self.last_id, first - 1)
            self._drain()

    def _drain(self) -> None:
        ready = []
        while self.last_id + 1 + len(ready) in self._ahead:
            ready.append(self._ahead.pop(self.last_id + 1 + len(ready)))
        # Entries at or below the horizon (after start_at) are history.
        for stale in [i for i in self._ahead if i <= self.last_id]:
            del self._ahead[stale]
        self._pass_on(ready)
        if self._ahead and self._gap_timer is None:
            self._gap_timer = gevent.spawn_later(self._gap_wait, self._resolve_quietly)

    def check_log_forever(self, interval: float) -> None:
        """Every `interval` seconds, take in what the log holds that never came to this
        worker (an outage of Redis, a publisher that died after its commit, a command
        run beside the server)."""
        while True:
            gevent.sleep(interval)
            try:
                caught = self.catch_up()
            except Exception:
                log.exception("Reading the event log for missed events failed")
                continue
            if caught:
                log.info("Read %d event(s) from the log that were not announced here", caught)

    def _resolve_quietly(self) -> None:
        try:
            self.resolve_gap()
        except Exception:
            log.exception("Closing a gap in the event log failed; retrying")
            with self._lock:
                if self._gap_timer is None:
                    self._gap_timer = gevent.spawn_later(self._gap_wait, self._resolve_quietly)

    def stop(self) -> None:
        if self._gap_timer is not None:
            self._gap_timer.kill(block=False)
            self._gap_timer = None

    def _pass_on(self, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            if self.last_id is None or envelope.id > self.last_id:
                self.last_id = envelope.id
                if envelope.channel == GAP:
                    continue
                try:
                    self._dispatch(envelope)
                except Exception:  # one bad delivery must not stop the flow
                    log.exception("Delivering event %s failed", envelope.id)


class LocalTransport:
    """One process: publishing is handing the event to this worker's hub."""

    name = "local"

    def __init__(self, delivery: OrderedDelivery) -> None:
        self._delivery = delivery
        self._checker: gevent.Greenlet | None = None

    def send(self, envelope: Envelope) -> None:
        self._delivery.deliver(envelope)

    def start(self, first_id: int, check_interval: float) -> None:
        """Events are handed on as they are published; the log is read now and then for
        what another process wrote (a command such as `users set-role`)."""
        self._delivery.start_at(first_id)
        if self._checker is None:
            self._checker = gevent.spawn(self._delivery.check_log_forever, check_interval)

    def stop(self) -> None:
        self._delivery.stop()
        if self._checker is not None:
            self._checker.kill(block=False)
            self._checker = None

    @property
    def healthy(self) -> bool:
        return True


class RedisTransport:
    """Many workers: publish to Redis, and listen with one greenlet per process."""

    name = "redis"

    def __init__(self, url: str, delivery: OrderedDelivery) -> None:
        self.url = url
        self._delivery = delivery
        self._client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        # The listener waits for messages indefinitely, so its reads have no timeout.
        self._subscriber = redis.Redis.from_url(url, socket_connect_timeout=2)
        self._greenlets: list[gevent.Greenlet] = []
        self._healthy = True
        self._retry_delay = 0.2
        self._sent_here: dict[bytes, float] = {}  # wire -> until when (`_handed_on_here`)
        # Called once the listener is back after an outage and has read the log: what was
        # only ever sent live (a party's state) is sent again from the truth.
        self.on_back: Callable[[], None] | None = None

    @property
    def healthy(self) -> bool:
        return self._healthy

    def send(self, envelope: Envelope) -> None:
        """Publish; with Redis away, hand it on here (other workers read it from the log).
        Away means a publish failed, or reached no listener (not even this worker's own),
        until the listener hears Redis again: meanwhile nothing waits on Redis's timeout,
        event after event."""
        if self._healthy:
            wire = envelope.to_wire()
            try:
                if self._client.publish(CHANNEL, wire):
                    return
            except redis.RedisError:
                if envelope.id is None:
                    self._handed_on_here(wire)
            self._mark_down()
        self._delivery.deliver(envelope)

    def _handed_on_here(self, wire: bytes) -> None:
        """A publish that failed may still have reached Redis (a stall past the timeout,
        a connection lost after the command went out) and come back to the listener once
        Redis carries it. A durable entry is handed on once by its id; an ephemeral one
        is known by its bytes until a while after Redis is heard again (`_heard_again`),
        by when Redis has carried whatever it took in before. There is one such entry for
        each failed publish only: the events after it are handed on without trying Redis."""
        self._sent_here[wire] = math.inf

    def _heard_again(self) -> None:
        if self._sent_here:
            now = time.monotonic()
            until = now + HANDED_ON_HERE_FOR
            self._sent_here = {
                wire: min(kept, until) for wire, kept in self._sent_here.items() if kept > now
            }

    def _already_handed_on(self, raw: bytes) -> bool:
        return self._sent_here.pop(raw, 0.0) > time.monotonic()

    def _mark_down(self) -> None:
        if self._healthy:
            log.warning("Redis at %s is unreachable; delivering locally", redacted_url(self.url))
        self._healthy = False

    def start(self, first_id: int, check_interval: float) -> None:
        """Listen in a greenlet, and read the log every `check_interval` seconds."""
        if self._greenlets:
            return
        self._delivery.start_at(first_id)
        self._greenlets = [
            gevent.spawn(self._listen_forever),
            gevent.spawn(self._delivery.check_log_forever, check_interval),
        ]

    def stop(self) -> None:
        self._delivery.stop()
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        self._greenlets = []

    def _listen_forever(self) -> None:
        first = True
        while True:
            pubsub = self._subscriber.pubsub()
            try:
                pubsub.subscribe(CHANNEL)
                self._listen(pubsub, catch_up=not first)
            except redis.RedisError:
                self._mark_down()
            except Exception:
                log.exception("Stream listener failed; restarting it")
            finally:
                first = False
                with contextlib.suppress(Exception):  # closing a broken connection
                    pubsub.close()
            gevent.sleep(self._retry_delay)
            self._retry_delay = min(self._retry_delay * 2, 2.0)

    def _listen(self, pubsub, catch_up: bool) -> None:
        """Hand on what comes, until the connection fails or falls silent. Redis's answer
        to the subscription, and each pong, prove it reachable (for publishing too)."""
        heard = time.monotonic()
        pinged = False
        while True:
            message = pubsub.get_message(timeout=LISTENER_PING_EVERY)
            now = time.monotonic()
            if message is None:
                if now - heard >= LISTENER_DEAD_AFTER:
                    raise redis.ConnectionError("No answer from Redis to the stream listener")
                if not pinged and now - heard >= LISTENER_PING_EVERY:
                    pubsub.ping()
                    pinged = True
                continue
            heard, pinged = now, False
            kind = message.get("type")
            if kind == "message":
                self._handle(message["data"])
            elif kind == "subscribe":
                if catch_up:
                    # Subscribed first, then read the log: nothing falls in between.
                    self._delivery.catch_up()
                    if self.on_back is not None:
                        self.on_back()
                    log.info("Redis is back; cross-worker delivery resumed")
                self._healthy, self._retry_delay = True, 0.2
                self._heard_again()
            elif kind == "pong":
                self._healthy = True
                self._heard_again()

    def _handle(self, raw: bytes) -> None:
        if self._sent_here and self._already_handed_on(raw):
            return
        body = orjson.loads(raw)
        published_at = body.get("t")
        metrics.redis_received(published_at)
        self._delivery.deliver(
            Envelope(
                channel=body["c"],
                name=body["n"],
                data=body["d"],
                id=body["i"],
                published_at=published_at,
                audience=Audience.from_wire(body),
            )
        )
