"""How events travel between workers: in-process, or one Redis channel per site.

Each worker runs a single listener greenlet on the Redis channel and hands every message
to its hub, so every worker sees every event once and in publication order. After a
Redis outage the listener reads what it missed from the event log before going on.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import gevent
import orjson
import redis

from config import redacted_url
from realtime.events import Envelope

log = logging.getLogger(__name__)

CHANNEL = "tandem:stream"


class LocalTransport:
    """One process: publishing is handing the event to this worker's hub."""

    name = "local"

    def __init__(self, deliver: Callable[[Envelope], None], control: Callable[[dict], None]):
        self._deliver = deliver
        self._control = control

    def send(self, envelope: Envelope) -> None:
        self._deliver(envelope)

    def send_control(self, message: dict) -> None:
        self._control(message)

    def start(self, catch_up: Callable[[int], None]) -> None:
        """Nothing to listen to."""

    @property
    def healthy(self) -> bool:
        return True


class RedisTransport:
    """Many workers: publish to Redis, and listen with one greenlet per process."""

    name = "redis"

    def __init__(
        self,
        url: str,
        deliver: Callable[[Envelope], None],
        control: Callable[[dict], None],
    ):
        self.url = url
        self._deliver = deliver
        self._control = control
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        # The listener waits for messages indefinitely, so its reads have no timeout.
        self._subscriber = redis.Redis.from_url(url, socket_connect_timeout=2)
        self.last_remote_id = 0
        self._listener: gevent.Greenlet | None = None
        self._healthy = True

    @property
    def healthy(self) -> bool:
        return self._healthy

    def send(self, envelope: Envelope) -> None:
        """Publish; with Redis away, deliver locally and let other workers catch up later."""
        try:
            self._client.publish(CHANNEL, envelope.to_wire())
        except redis.RedisError:
            self._mark_down()
            self._deliver(envelope)

    def send_control(self, message: dict) -> None:
        try:
            self._client.publish(CHANNEL, orjson.dumps({"k": message}))
        except redis.RedisError:
            self._mark_down()
            self._control(message)

    def _mark_down(self) -> None:
        if self._healthy:
            log.warning("Redis at %s is unreachable; delivering locally", redacted_url(self.url))
        self._healthy = False

    def start(self, catch_up: Callable[[int], None]) -> None:
        """Listen in a greenlet; `catch_up(after_id)` replays the log after an outage."""
        if self._listener is None:
            self._listener = gevent.spawn(self._listen_forever, catch_up)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.kill(block=False)
            self._listener = None

    def _listen_forever(self, catch_up: Callable[[int], None]) -> None:
        delay = 0.2
        first = True
        while True:
            pubsub = self._subscriber.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANNEL)
                if not first:
                    # Subscribed first, then read the log: nothing falls in between.
                    catch_up(self.last_remote_id)
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
        if "k" in body:
            self._control(body["k"])
        else:
            envelope = Envelope(channel=body["c"], name=body["n"], data=body["d"], id=body["i"])
            if envelope.id is not None:
                self.last_remote_id = max(self.last_remote_id, envelope.id)
            self._deliver(envelope)
