"""The event bus: the only way anything reaches a client.

Services call `bus.publish(channel, name, data)` while they work: the event joins the
unit of work under way (realtime/outbox.py), is written to the event log
with the change it announces (durable events, which get their cursor there), and once
the transaction commits goes to every worker's hub, which fans it out to Socket.IO
rooms, SSE streams and long-poll waiters.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import gevent
import orjson
from flask import Flask
from sqlalchemy.engine import Connection

from extensions import db, socketio
from realtime import faults, metrics, store, user_caches
from realtime.audience import Audience
from realtime.events import CONTROL, CONTROL_CHANNEL, Envelope, check_all, is_durable
from realtime.hub import Hub, OpenPages
from realtime.outbox import Outbox, Queued
from realtime.presence_leases import Presence, Publish
from realtime.presence_store import MemoryPresenceStore, RedisPresenceStore
from realtime.state_marks import marks
from realtime.transport import LocalTransport, OrderedDelivery, RedisTransport
from realtime.watching import MemoryWatchingStore, RedisWatchingStore, Watching

VIEWING_PREFIX = "tandem:viewing:"  # the Redis keys of who has a conversation open

log = logging.getLogger(__name__)


class Bus:
    def __init__(self) -> None:
        self.app: Flask | None = None
        self.worker_id = uuid.uuid4().hex[:12]
        self.hub = Hub(lambda: socketio.server)
        self.transport: LocalTransport | RedisTransport | None = None
        self.presence: Presence | None = None
        self.watching: Watching | None = None
        self.viewing: Watching | None = None
        self._delivery: OrderedDelivery | None = None
        self._check_contract = False
        self._outbox = Outbox(lambda envelopes: self.announce(envelopes))
        self._pruner: gevent.Greenlet | None = None
        self._after_outage: list[Callable[[], Iterable[Envelope]]] = []

    def init_app(self, app: Flask) -> None:
        """Bind to an app. The last app bound is the one this process serves."""
        self.stop()
        self.app = app
        user_caches.forget_all()
        marks.clear()
        self.hub = Hub(lambda: socketio.server)
        redis_url = app.config.get("REDIS_URL")
        # SQLite serializes writers, so an id below a visible one is final at once: a gap
        # there is read from the log without waiting.
        sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
        gap_wait = 0.0 if sqlite else app.config["STREAM_GAP_WAIT_SECONDS"]
        delivery = OrderedDelivery(self._dispatch, self._read_log, self._settle, gap_wait)
        self._delivery = delivery
        if redis_url:
            self.transport = RedisTransport(redis_url, delivery)
            self.transport.on_back = self._resend_after_outage
            presence_store = RedisPresenceStore(redis_url, self.worker_id)
            watching_store = RedisWatchingStore(redis_url, self.worker_id)
            viewing_store = RedisWatchingStore(redis_url, self.worker_id, VIEWING_PREFIX)
        else:
            self.transport = LocalTransport(delivery)
            presence_store = MemoryPresenceStore()
            watching_store = MemoryWatchingStore()
            viewing_store = MemoryWatchingStore()
        self.presence = Presence(
            presence_store,
            self.send_now,
            self.hub.has_user,
            self.hub.local_users,
            ttl=app.config["PRESENCE_TTL_SECONDS"],
            linger=app.config["PRESENCE_LINGER_SECONDS"],
        )
        self.watching = self._page_leases(watching_store, self.send_now, self.hub.watchers)
        # Who has a conversation's page open: leases like watching, never announced.
        self.viewing = self._page_leases(viewing_store, None, self.hub.viewers)
        self.hub.on_user_connected = self.presence.connected
        self.hub.on_user_idle = self.presence.idle
        faults.arm(app.config["FAULT_KILL_AFTER_COMMIT"])
        self._check_contract = app.config["EVENT_CONTRACT_CHECK"]
        self._outbox.install()
        app.extensions["tandem_bus"] = self

    def after_outage(
        self, hook: Callable[[], Iterable[Envelope]]
    ) -> Callable[[], Iterable[Envelope]]:
        """Register a function giving ephemeral state this worker's clients may have
        missed while Redis was away (it is in no log): sent to them again once it is back."""
        self._after_outage.append(hook)
        return hook

    def _resend_after_outage(self) -> None:
        with self.app.app_context():
            try:
                for hook in self._after_outage:
                    self.deliver_here(hook())
            finally:
                db.session.remove()

    def deliver_here(self, envelopes: Iterable[Envelope]) -> None:
        """Hand ephemeral state to this worker's clients only: what they missed, read
        again from the truth (the other workers find what they missed themselves)."""
        for envelope in envelopes:
            self._delivery.deliver(envelope)

    def _page_leases(
        self,
        store: MemoryWatchingStore | RedisWatchingStore,
        publish: Publish | None,
        pages: OpenPages,
    ) -> Watching:
        """Leases, shared by every worker, on who has which pages open; this worker's
        `pages` take and give up its own."""
        config = self.app.config
        leases = Watching(
            store,
            publish,
            pages.holds,
            pages.pairs,
            ttl=config["PRESENCE_TTL_SECONDS"],
            linger=config["PRESENCE_LINGER_SECONDS"],
        )
        pages.started = leases.started
        pages.idle = leases.idle
        pages.left = leases.left
        return leases

    # -- publishing -------------------------------------------------------------------
    def publish(
        self,
        channel: str,
        name: str,
        data: dict[str, Any],
        hidden_from: frozenset[int] = frozenset(),
        only_for: frozenset[int] | None = None,
    ) -> Queued:
        """Announce one event when the current unit of work commits; never if it rolls
        back. Durable events are written to the event log in the same transaction (the
        returned entry has its id once the commit is done). Of the people who hold the
        channel, those in `hidden_from` are not to have this event, live or replayed, nor
        (when it is given) anyone not in `only_for`: it is theirs alone, for good."""
        self._check([(channel, name, data)])
        audience = Audience(hidden_from, only_for)
        return self._outbox.add(db.session, channel, name, data, audience)

    def publish_many(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        self._check(items)
        for channel, name, data in items:
            self._outbox.add(db.session, channel, name, data)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the current unit of work commits; never if it rolls back."""
        self._outbox.after_commit(db.session, action)

    def after_rollback(self, action: Callable[[], None]) -> None:
        """Run `action` if the current unit of work rolls back; never once it commits."""
        self._outbox.after_rollback(db.session, action)

    def work_on_connection(self) -> AbstractContextManager[Connection]:
        """A unit of work on a pooled connection of its own, without the session, for
        the hottest writes (realtime/outbox.py)."""
        return self._outbox.on_connection(db.engine)

    def send_now(
        self,
        channel: str,
        name: str,
        data: dict[str, Any],
        hidden_from: frozenset[int] = frozenset(),
    ) -> None:
        """An ephemeral event no transaction causes (presence, who watches): out at once."""
        if is_durable(name):
            raise ValueError(f"{name} is durable: publish it in a unit of work")
        self._check([(channel, name, data)])
        metrics.published(name)
        self.transport.send(
            Envelope(
                channel=channel,
                name=name,
                data=data,
                published_at=time.time(),
                audience=Audience(hidden_from),
            )
        )

    def _check(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Every event against its declaration (realtime/events.py), where configured."""
        if self._check_contract:
            check_all(items)

    def announce(self, envelopes: Sequence[Envelope]) -> None:
        """Hand committed events to the transport, in the order they were published."""
        for envelope in envelopes:
            metrics.published(envelope.name)
            self.transport.send(envelope)

    def horizon(self) -> int:
        """The newest position of the log that every writer has passed: no event at or
        below it can still appear, so a cursor there misses nothing."""
        last = self._delivery.last_id if self._delivery is not None else None
        return store.latest_id() if last is None else last

    def redact(
        self,
        subject: str,
        names: Collection[str],
        rewrite: store.Rewrite,
        unseen: store.Rewrite | None = None,
        sees: Callable[[str], bool] | None = None,
    ) -> int:
        """Rewrite the stored events about `subject` inside the caller's transaction, so
        that every later replay carries only what is true once it commits; those on a
        channel whose reader may no longer see it (`sees`) get `unseen` (store.redact)."""
        return store.redact(subject, names, rewrite, unseen, sees)

    def hide_from(
        self, subjects: Collection[str], names: Collection[str], user_ids: frozenset[int]
    ) -> int:
        """The stored events about any of `subjects` are hidden from `user_ids` too, in
        the caller's transaction (store.hide_from)."""
        return store.hide_from(subjects, names, user_ids)

    def redact_person(self, summary: dict[str, Any], old_username: str | None = None) -> int:
        """Every stored event that shows this person ({"id", "username", ...}, as senders,
        actors and members are shown) shows them as `summary` now, in the caller's
        transaction: an old display name is not replayed (nor an old username, when the
        events are found by `old_username`)."""

        def rewrite(value: Any) -> Any:
            if isinstance(value, dict):
                if value.get("id") == summary["id"] and value.get("username") is not None:
                    return {**value, **summary}
                return {key: rewrite(item) for key, item in value.items()}
            if isinstance(value, list):
                return [rewrite(item) for item in value]
            return value

        fragment = orjson.dumps({"username": old_username or summary["username"]}).decode()[1:-1]
        return store.redact_containing(fragment, rewrite)

    # -- control: applied by every worker's hub ------------------------------------------
    # Stored in the log like durable events, so every worker applies them in order with
    # the events around them, even those it reads from the log after a Redis outage.
    def subscribe_user(self, user_id: int, channel: str) -> None:
        """The user now belongs to `channel`: their live connections start receiving it."""
        self._control({"op": "join", "user": user_id, "channel": channel})

    def unsubscribe_user(self, user_id: int, channel: str, keep_pages: bool = False) -> None:
        """The user left or was removed: their live connections stop receiving `channel`.
        `keep_pages`: they may still see its subject (they stopped following someone
        whose public posts or presence they still see), so a page that asked for it
        when it opened keeps it."""
        message = {"op": "leave", "user": user_id, "channel": channel}
        self._control({**message, "keep_pages": True} if keep_pages else message)

    def narrow(self, channel: str, keep: Collection[int]) -> None:
        """Only the people in `keep` hear `channel` from now on: everyone else's live
        connections that hold it (a page opened while they could see its subject) stop
        receiving it."""
        self._control({"op": "narrow", "channel": channel, "keep": sorted(keep)})

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

    def account_changed(self, user_id: int) -> None:
        """The account's role, mute or public face changed: live connections that keep
        it at hand read it again."""
        self._control({"op": "account", "user": user_id})

    def _control(self, message: dict) -> None:
        self.publish(CONTROL_CHANNEL, CONTROL, message)

    def _dispatch(self, envelope: Envelope) -> None:
        if envelope.channel == CONTROL_CHANNEL:
            self.apply_control(envelope.data)
        else:
            marks.hear(envelope)
            self.hub.dispatch(envelope)

    def apply_control(self, message: dict) -> None:
        op = message.get("op")
        if isinstance(message.get("user"), int):
            # Before the connections: one opening meanwhile reads the new set.
            user_caches.forget_user(message["user"])
        if op == "join":
            self.hub.join(message["user"], message["channel"])
        elif op == "leave":
            self.hub.leave(message["user"], message["channel"], message.get("keep_pages", False))
        elif op == "narrow":
            self.hub.narrow(message["channel"], message["keep"])
        elif op == "account":
            self.hub.forget_account(message["user"])
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
        self.viewing.start()
        if self._pruner is None:
            self._pruner = gevent.spawn(self._prune_forever)

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.stop()
        if self.presence is not None:
            self.presence.stop()
        if self.watching is not None:
            self.watching.stop()
        if self.viewing is not None:
            self.viewing.stop()
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

    def _settle(self, ids: list[int]) -> None:
        with self.app.app_context():
            try:
                store.settle(ids)
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
