"""The event bus: the only way anything reaches a client.

Services call `bus.publish(channel, name, data)` after their transaction commits. A
durable event is stored in the event log first (which gives it its cursor); then the
event goes to every worker's hub, which fans it out to Socket.IO rooms, SSE streams and
long-poll waiters.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import timedelta
from typing import Any

import gevent
import orjson
from flask import Flask

from extensions import db, socketio
from realtime import store
from realtime.events import CONTROL, CONTROL_CHANNEL, Envelope, check_all, is_durable
from realtime.hub import Hub
from realtime.ordering import OrderingLock
from realtime.presence import Presence
from realtime.presence_store import MemoryPresenceStore, RedisPresenceStore
from realtime.transport import LocalTransport, OrderedDelivery, RedisTransport
from realtime.watching import MemoryWatchingStore, RedisWatchingStore, Watching

log = logging.getLogger(__name__)


class Bus:
    def __init__(self) -> None:
        self.app: Flask | None = None
        self.worker_id = uuid.uuid4().hex[:12]
        self.hub = Hub(lambda: socketio.server)
        self.transport: LocalTransport | RedisTransport | None = None
        self.presence: Presence | None = None
        self.watching: Watching | None = None
        self._ordering: OrderingLock | None = None
        self._pruner: gevent.Greenlet | None = None

    def init_app(self, app: Flask) -> None:
        """Bind to an app. The last app bound is the one this process serves."""
        self.stop()
        self.app = app
        self.hub = Hub(lambda: socketio.server)
        redis_url = app.config.get("REDIS_URL")
        delivery = OrderedDelivery(self._dispatch, self._read_log)
        if redis_url:
            self.transport = RedisTransport(redis_url, delivery)
            presence_store = RedisPresenceStore(redis_url, self.worker_id)
            watching_store = RedisWatchingStore(redis_url, self.worker_id)
        else:
            self.transport = LocalTransport(delivery)
            presence_store = MemoryPresenceStore()
            watching_store = MemoryWatchingStore()
        self.presence = Presence(
            presence_store,
            self.publish,
            self.hub.has_user,
            self.hub.local_users,
            ttl=app.config["PRESENCE_TTL_SECONDS"],
            linger=app.config["PRESENCE_LINGER_SECONDS"],
        )
        self.watching = Watching(
            watching_store,
            self.publish,
            self.hub.watches,
            self.hub.local_watchers,
            ttl=app.config["PRESENCE_TTL_SECONDS"],
            linger=app.config["PRESENCE_LINGER_SECONDS"],
        )
        self.hub.on_user_connected = self.presence.connected
        self.hub.on_user_idle = self.presence.idle
        self.hub.on_watch_started = self.watching.started
        self.hub.on_watch_idle = self.watching.idle
        with app.app_context():
            self._ordering = OrderingLock(db.engine)
        app.extensions["tandem_bus"] = self

    # -- publishing -------------------------------------------------------------------
    def ordered(self):
        """Hold the publish order while writing rows whose ids must follow it too (a
        message's id, say), then publish inside: ids and cursors then agree."""
        return self._ordering.hold()

    def publish(self, channel: str, name: str, data: dict[str, Any]) -> Envelope:
        """Announce one event. Call it after the transaction that caused it commits."""
        return self.publish_many([(channel, name, data)])[0]

    def publish_many(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> list[Envelope]:
        if self.app is not None and self.app.config["EVENT_CONTRACT_CHECK"]:
            check_all(items)  # every event as realtime/events.py declares it
        durable = [item for item in items if is_durable(item[1])]
        sent: dict[int, Envelope] = {}
        if durable:
            with self._ordering.hold():
                stored = store.append(durable)
                for envelope in stored:
                    self.transport.send(envelope)
            positions = [i for i, item in enumerate(items) if is_durable(item[1])]
            sent.update(zip(positions, stored, strict=True))
        for index, (channel, name, data) in enumerate(items):
            if index not in sent:
                envelope = Envelope(channel=channel, name=name, data=data)
                self.transport.send(envelope)
                sent[index] = envelope
        return [sent[index] for index in range(len(items))]

    def redact(
        self,
        subject: str,
        names: Collection[str],
        rewrite: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> int:
        """Rewrite the stored events about `subject` inside the caller's transaction, so
        that every later replay carries only what is true once it commits."""
        return store.redact(subject, names, rewrite)

    def redact_person(self, summary: dict[str, Any]) -> int:
        """Every stored event that shows this person ({"id", "username", ...}, as senders,
        actors and members are shown) shows them as `summary` now, in the caller's
        transaction: an old display name is not replayed."""

        def rewrite(value: Any) -> Any:
            if isinstance(value, dict):
                if value.get("id") == summary["id"] and value.get("username") is not None:
                    return {**value, **summary}
                return {key: rewrite(item) for key, item in value.items()}
            if isinstance(value, list):
                return [rewrite(item) for item in value]
            return value

        fragment = orjson.dumps({"username": summary["username"]}).decode()[1:-1]
        return store.redact_containing(fragment, rewrite)

    # -- control: applied by every worker's hub ------------------------------------------
    # Stored in the log like durable events, so every worker applies them in order with
    # the events around them, even those it reads from the log after a Redis outage.
    def subscribe_user(self, user_id: int, channel: str) -> None:
        """The user now belongs to `channel`: their live connections start receiving it."""
        self._control({"op": "join", "user": user_id, "channel": channel})

    def unsubscribe_user(self, user_id: int, channel: str) -> None:
        """The user left or was removed: their live connections stop receiving `channel`."""
        self._control({"op": "leave", "user": user_id, "channel": channel})

    def close_connections(
        self,
        user_id: int,
        login_id: str | None = None,
        token_id: int | None = None,
        keep_login_id: str | None = None,
    ) -> None:
        """Close the user's live connections of one sign-in, or all of them (but those of
        the sign-in `keep_login_id`), everywhere."""
        self._control(
            {
                "op": "close",
                "user": user_id,
                "login_id": login_id,
                "token_id": token_id,
                "keep_login_id": keep_login_id,
            }
        )

    def _control(self, message: dict) -> None:
        self.publish(CONTROL_CHANNEL, CONTROL, message)

    def _dispatch(self, envelope: Envelope) -> None:
        if envelope.channel == CONTROL_CHANNEL:
            self.apply_control(envelope.data)
        else:
            self.hub.dispatch(envelope)

    def apply_control(self, message: dict) -> None:
        op = message.get("op")
        if op == "join":
            self.hub.join(message["user"], message["channel"])
        elif op == "leave":
            self.hub.leave(message["user"], message["channel"])
        elif op == "close":
            self.hub.close(
                message["user"],
                message.get("login_id"),
                message.get("token_id"),
                keep_login_id=message.get("keep_login_id"),
            )
        else:
            log.warning("Unknown control message %r", message)

    # -- background work, started by the serving process ---------------------------------
    def start(self) -> None:
        with self.app.app_context():
            first_id = store.latest_id()
            db.session.remove()
        self.transport.start(first_id, self.app.config["STREAM_LOG_CHECK_SECONDS"])
        self.presence.start()
        self.watching.start()
        if self._pruner is None:
            self._pruner = gevent.spawn(self._prune_forever)

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.stop()
        if self.presence is not None:
            self.presence.stop()
        if self.watching is not None:
            self.watching.stop()
        if self._pruner is not None:
            self._pruner.kill(block=False)
            self._pruner = None

    def _read_log(self, after_id: int, before_id: int | None) -> list[Envelope]:
        """What the log holds between two ids, for a worker that did not hear of it."""
        with self.app.app_context():
            try:
                return store.read_after(
                    after_id,
                    None,
                    limit=self.app.config["STREAM_CATCH_UP_MAX"],
                    before_id=before_id,
                )
            finally:
                db.session.remove()

    def _prune_forever(self) -> None:
        config = self.app.config
        while True:
            gevent.sleep(config["STREAM_PRUNE_INTERVAL_SECONDS"])
            try:
                with self.app.app_context():
                    dropped = store.prune(
                        timedelta(seconds=config["STREAM_RETENTION_SECONDS"]),
                        config["STREAM_RETENTION_PER_CHANNEL"],
                    )
                    db.session.remove()
                if dropped:
                    log.info("Pruned %d old stream event(s)", dropped)
            except Exception:
                log.exception("Pruning the event log failed")


bus = Bus()
