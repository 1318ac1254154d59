"""Who is online: leases per worker, published as `presence` events when they change."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import gevent
import redis

from realtime.events import PRESENCE, presence_channel
from realtime.presence_store import STATUSES, Choice, Kept, MemoryPresenceStore, RedisPresenceStore

log = logging.getLogger(__name__)

Publish = Callable[[str, str, dict], object]


def _shown(user_id: int, kept: Kept, here: bool = False) -> dict:
    status = kept.choice.status if here or kept.online else "offline"
    seen = kept.last_seen
    return {
        "user_id": user_id,
        "status": status,
        # The text belongs to the chosen status: nobody is told it of someone offline.
        "text": "" if status == "offline" else kept.choice.text,
        "last_seen": datetime.fromtimestamp(seen, UTC).isoformat().replace("+00:00", "Z")
        if seen
        else None,
    }


class LeaseHeartbeat:
    """Renews a worker's leases every third of their time to live (`beat`), in one
    greenlet, for presence and for watching parties alike."""

    _heartbeat: gevent.Greenlet | None = None

    def __init__(
        self,
        store: Any,
        publish: Publish | None,
        held_here: Callable[..., bool],
        held: Callable[[], list],
        ttl: float,
        linger: float,
    ) -> None:
        """`store` keeps the leases; a lease lives `ttl` seconds unless renewed, and one
        this worker gives up waits `linger` seconds first (a reload, a long-poll's gap).
        `held_here(*lease)` says whether a connection on this worker still needs a lease,
        `held()` lists the leases this worker renews on each beat."""
        self.store = store
        self._publish = publish
        self._held_here = held_here
        self._held = held
        self.ttl = ttl
        self.linger = linger
        self._due: dict[tuple, float] = {}  # lease -> when it may be given up

    def beat(self) -> None:
        raise NotImplementedError

    def _release_if_still_idle(self, *lease: int) -> None:
        raise NotImplementedError

    def _release_after_linger(self, *lease: int) -> None:
        """Give `lease` up once `linger` seconds have passed since the last of this
        worker's connections needing it closed, unless one needs it then. A later close
        moves that moment on, so someone polling often (a connection closed between every
        two polls) is never let go between polls; and one timer waits per lease."""
        waiting = lease in self._due
        self._due[lease] = time.monotonic() + self.linger
        if not waiting:
            gevent.spawn_later(self.linger, self._release_when_due, lease)

    def _release_when_due(self, lease: tuple) -> None:
        left = self._due[lease] - time.monotonic()
        if left > 0:
            gevent.spawn_later(left, self._release_when_due, lease)
            return
        del self._due[lease]
        self._release_if_still_idle(*lease)

    def start(self) -> None:
        if self._heartbeat is None:
            self._heartbeat = gevent.spawn(self._beat_forever)

    def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.kill(block=False)
            self._heartbeat = None

    def _beat_forever(self) -> None:
        interval = max(self.ttl / 3, 0.5)
        while True:
            gevent.sleep(interval)
            try:
                self.beat()
            except Exception:
                log.exception("%s heartbeat failed", type(self).__name__)


class Presence(LeaseHeartbeat):
    """A lease per user with a connection on this worker (`held_here(user_id)`). A change
    that could not be stored or told while the store was away (someone connected, or
    left) is told, as it is then, on the first beat that reaches the store again."""

    store: MemoryPresenceStore | RedisPresenceStore

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._untold: set[int] = set()

    def connected(self, user_id: int, _transport: str) -> None:
        """A connection of `user_id` opened on this worker."""
        try:
            if self.store.renew([user_id], self.ttl):
                self._announce(user_id)
        except redis.RedisError:
            self._untold.add(user_id)
            log.warning("Presence store unreachable; user %s not marked online", user_id)

    def idle(self, user_id: int) -> None:
        """This worker's last connection of `user_id` closed: wait a moment (a reload,
        the gap between two long-polls) before calling the user offline."""
        self._release_after_linger(user_id)

    def _release_if_still_idle(self, user_id: int) -> None:
        if self._held_here(user_id):
            return
        try:
            if self.store.release(user_id):
                self._announce(user_id)
        except redis.RedisError:
            self._untold.add(user_id)
            log.warning("Presence store unreachable; user %s's lease will expire", user_id)

    def choice(self, user_id: int) -> Choice:
        return self.store.choice(user_id)

    def choose(self, user_id: int, choice: Choice) -> dict:
        """Keep what the user chose and tell those who may see it."""
        if choice.status not in STATUSES:
            raise ValueError(choice.status)
        self.store.set_choice(user_id, choice)
        return self._announce(user_id)

    def snapshot(self, user_id: int, here: bool = False) -> dict:
        """`here`: the user is being served this very moment (a page of theirs), so they
        are not offline, even before that page's live connection opens."""
        store = self.store
        kept = Kept(store.is_online(user_id), store.choice(user_id), store.last_seen(user_id))
        return _shown(user_id, kept, here)

    def snapshots(self, user_ids: list[int]) -> list[dict]:
        """The presence of each of `user_ids`, read together (none while the store is
        unreachable: nothing is said rather than something false)."""
        try:
            kept = self.store.read_many(user_ids)
        except redis.RedisError:
            log.warning("Presence store unreachable; no presence sent as a page opened")
            return []
        return [_shown(user_id, one) for user_id, one in zip(user_ids, kept, strict=True)]

    def _announce(self, user_id: int) -> dict:
        data = self.snapshot(user_id)
        self._publish(presence_channel(user_id), PRESENCE, data)
        return data

    def beat(self) -> None:
        """Renew this worker's leases and report users whose leases all ran out, those
        whose lease begins again (the store lost it: an outage, a restart), and those
        whose change could not be told before."""
        try:
            fresh = self.store.renew(self._held(), self.ttl)
            for user_id in sorted(self._untold - set(fresh)):
                if not self._held_here(user_id):
                    self.store.release(user_id)  # the release that failed
            for user_id in [*fresh, *self.store.expire(), *sorted(self._untold - set(fresh))]:
                self._announce(user_id)
                self._untold.discard(user_id)
        except redis.RedisError:
            log.warning("Presence store unreachable; will retry")
