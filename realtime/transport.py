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
import threading
from collections.abc import Callable

import gevent
import orjson
import redis

from config import redacted_url
from realtime.events import Envelope

log = logging.getLogger(__name__)

CHANNEL = "tandem:stream"

# Reads the log: the durable entries with after < id < before (before None: no bound),
# oldest first.
LogReader = Callable[[int, int | None], list[Envelope]]


class OrderedDelivery:
    """Durable entries go to `dispatch` in id order, once each; ephemeral ones at once."""

    def __init__(self, dispatch: Callable[[Envelope], None], read_log: LogReader) -> None:
        self._dispatch = dispatch
        self._read_log = read_log
        # threading's lock is gevent's once the server has monkey-patched.
        self._lock = threading.RLock()
        # The id of the last entry handed on; None until the first one, or `start_at`.
        self.last_id: int | None = None

    def start_at(self, event_id: int) -> None:
        """Entries up to `event_id` are history: hand on only what comes after."""
        with self._lock:
            self.last_id = max(self.last_id or 0, event_id)

    def deliver(self, envelope: Envelope) -> None:
        if envelope.id is None:
            self._dispatch(envelope)
            return
        with self._lock:
            if self.last_id is not None:
                if envelope.id <= self.last_id:
                    return
                if envelope.id > self.last_id + 1:
                    self._pass_on(self._read_log(self.last_id, envelope.id))
            self._pass_on([envelope])

    def catch_up(self) -> int:
        """Hand on everything in the log after the last entry handed on."""
        with self._lock:
            if self.last_id is None:
                return 0
            missed = self._read_log(self.last_id, None)
            self._pass_on(missed)
            return len(missed)

    def _pass_on(self, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            if self.last_id is None or envelope.id > self.last_id:
                self.last_id = envelope.id
                try:
                    self._dispatch(envelope)
                except Exception:  # one bad delivery must not stop the flow
                    log.exception("Delivering event %s failed", envelope.id)


class LocalTransport:
    """One process: publishing is handing the event to this worker's hub."""

    name = "local"

    def __init__(self, delivery: OrderedDelivery) -> None:
        self._delivery = delivery

    def send(self, envelope: Envelope) -> None:
        self._delivery.deliver(envelope)

    def start(self, first_id: int, check_interval: float) -> None:
        """Nothing to listen to: events are handed on as they are published."""
        self._delivery.start_at(first_id)

    def stop(self) -> None:
        """Nothing runs in the background."""

    @property
    def healthy(self) -> bool:
        return True


class RedisTransport:
    """Many workers: publish to Redis, and listen with one greenlet per process."""

    name = "redis"

    def __init__(self, url: str, delivery: OrderedDelivery) -> None:
        self.url = url
        self._delivery = delivery
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        # The listener waits for messages indefinitely, so its reads have no timeout.
        self._subscriber = redis.Redis.from_url(url, socket_connect_timeout=2)
        self._greenlets: list[gevent.Greenlet] = []
        self._healthy = True

    @property
    def healthy(self) -> bool:
        return self._healthy

    def send(self, envelope: Envelope) -> None:
        """Publish; with Redis away, hand it on here (other workers read it from the log)."""
        try:
            self._client.publish(CHANNEL, envelope.to_wire())
        except redis.RedisError:
            self._mark_down()
            self._delivery.deliver(envelope)

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
            gevent.spawn(self._check_log_forever, check_interval),
        ]

    def stop(self) -> None:
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        self._greenlets = []

    def _check_log_forever(self, interval: float) -> None:
        while True:
            gevent.sleep(interval)
            try:
                caught = self._delivery.catch_up()
            except Exception:
                log.exception("Reading the event log for missed events failed")
                continue
            if caught and self._healthy:
                log.info("Read %d event(s) from the log that Redis had not brought", caught)

    def _listen_forever(self) -> None:
        delay = 0.2
        first = True
        while True:
            pubsub = self._subscriber.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANNEL)
                if not first:
                    # Subscribed first, then read the log: nothing falls in between.
                    self._delivery.catch_up()
                    log.info("Redis is back; cross-worker delivery resumed")
                first = False
                self._healthy = True
                delay = 0.2
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._handle(message["data"])
            except redis.RedisError:
                self._mark_down()
            except Exception:
                log.exception("Stream listener failed; restarting it")
            finally:
                with contextlib.suppress(Exception):  # closing a broken connection
                    pubsub.close()
            gevent.sleep(delay)
            delay = min(delay * 2, 2.0)

    def _handle(self, raw: bytes) -> None:
        body = orjson.loads(raw)
        self._delivery.deliver(
            Envelope(channel=body["c"], name=body["n"], data=body["d"], id=body["i"])
        )
