"""Who is watching a party: having its page open, a presence of its own per party.

A connection watches a party once the party page's live connection says so (Socket.IO
`party:join`, or an event stream opened with `?party=<id>`). Like presence, each worker
holds a lease per (party, person) it has such a connection of, renewed by a heartbeat;
the person watches while any lease is unexpired. A change is announced as
`party:member_count`, counting watchers.
"""

from __future__ import annotations

import logging
import time

import redis
from redis.client import Pipeline

from realtime.events import MEMBER_COUNT, party_channel
from realtime.presence_leases import LeaseHeartbeat
from realtime.presence_store import renew_leases

log = logging.getLogger(__name__)

Pair = tuple[int, int]  # (party id, user id)
# How long a party remembers when someone last watched it.
SEEN_KEPT_SECONDS = 24 * 3600


class MemoryWatchingStore:
    """One process: leases are this worker's own connections."""

    def __init__(self) -> None:
        self._watching: dict[int, set[int]] = {}
        self._seen: dict[Pair, float] = {}

    def renew(self, pairs: list[Pair], ttl: float) -> list[Pair]:
        """Hold leases; returns the pairs that were not watching before."""
        now = time.time()
        fresh = []
        for party_id, user_id in pairs:
            users = self._watching.setdefault(party_id, set())
            if user_id not in users:
                fresh.append((party_id, user_id))
                users.add(user_id)
            self._seen[(party_id, user_id)] = now
        return fresh

    def release(self, party_id: int, user_id: int) -> bool:
        """Drop this worker's lease; True when the person watches no more anywhere."""
        users = self._watching.get(party_id)
        if users is not None:
            users.discard(user_id)
            if not users:
                del self._watching[party_id]
        self._seen[(party_id, user_id)] = time.time()
        return True

    def expire(self) -> list[Pair]:
        """Nothing runs out in one process; forget watchers of long ago."""
        old = time.time() - SEEN_KEPT_SECONDS
        for pair in [pair for pair, seen in self._seen.items() if seen < old]:
            del self._seen[pair]
        return []

    def watchers(self, party_id: int) -> list[int]:
        return sorted(self._watching.get(party_id, ()))

    def is_watching(self, party_id: int, user_id: int) -> bool:
        return user_id in self._watching.get(party_id, ())

    def last_watched(self, party_id: int, user_id: int) -> float | None:
        if self.is_watching(party_id, user_id):
            return time.time()
        return self._seen.get((party_id, user_id))


class RedisWatchingStore:
    """Many workers. `watching:<party>:<user>` is a sorted set of worker ids scored by
    lease end; `watching:<party>` scores each watcher by their latest lease end, and
    `watching:index` each (party, user) pair the same way, for finding expired leases."""

    PREFIX = "tandem:watching:"

    def __init__(self, url: str, worker_id: str, prefix: str = PREFIX) -> None:
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._worker = worker_id
        self._prefix = prefix
        self._index = self._prefix + "index"
        # KEYS: the pair's leases, the party's watchers, the index. ARGV: a worker whose
        # lease goes ('' for none), now, the user, the pair's index member. The pair's
        # latest remaining lease becomes its score; 1 when none remains and this call
        # took the pair out of the index (so exactly one worker reports it).
        self._settle = self._redis.register_script(
            """
            if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
            local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            if #top == 0 then
                redis.call('ZREM', KEYS[2], ARGV[3])
                return redis.call('ZREM', KEYS[3], ARGV[4])
            end
            redis.call('ZADD', KEYS[2], top[2], ARGV[3])
            redis.call('ZADD', KEYS[3], top[2], ARGV[4])
            return 0
            """
        )

    def _keys(self, party_id: int, user_id: int) -> list[str]:
        return [f"{self._prefix}{party_id}:{user_id}", f"{self._prefix}{party_id}", self._index]

    def _seen_key(self, party_id: int) -> str:
        return f"{self._prefix}{party_id}:seen"

    def renew(self, pairs: list[Pair], ttl: float) -> list[Pair]:
        def read_end(pipe: Pipeline, pair: Pair) -> None:
            party_id, user_id = pair
            pipe.zscore(f"{self._prefix}{party_id}", user_id)

        def write(pipe: Pipeline, pair: Pair, now: float) -> None:
            party_id, user_id = pair
            until = now + ttl
            leases, watchers, index = self._keys(party_id, user_id)
            pipe.zadd(leases, {self._worker: until})
            pipe.expire(leases, int(ttl) + 60)
            pipe.zadd(watchers, {str(user_id): until}, gt=True)
            pipe.expire(watchers, int(ttl) + 60)
            pipe.zadd(index, {f"{party_id}:{user_id}": until}, gt=True)
            pipe.hset(self._seen_key(party_id), str(user_id), now)
            pipe.expire(self._seen_key(party_id), SEEN_KEPT_SECONDS)

        return renew_leases(self._redis, pairs, read_end, write)

    def release(self, party_id: int, user_id: int) -> bool:
        now = time.time()
        self._redis.hset(self._seen_key(party_id), str(user_id), now)
        return bool(
            self._settle(
                keys=self._keys(party_id, user_id),
                args=[self._worker, now, str(user_id), f"{party_id}:{user_id}"],
            )
        )

    def expire(self) -> list[Pair]:
        """Pairs whose every lease ran out; each is reported by exactly one worker."""
        now = time.time()
        gone = []
        for raw in self._redis.zrangebyscore(self._index, "-inf", now):
            party, _, user = raw.decode().partition(":")
            party_id, user_id = int(party), int(user)
            if self._settle(keys=self._keys(party_id, user_id), args=["", now, user, raw.decode()]):
                gone.append((party_id, user_id))
        return gone

    def watchers(self, party_id: int) -> list[int]:
        raw = self._redis.zrangebyscore(f"{self._prefix}{party_id}", time.time(), "+inf")
        return sorted(int(user) for user in raw)

    def is_watching(self, party_id: int, user_id: int) -> bool:
        score = self._redis.zscore(f"{self._prefix}{party_id}", user_id)
        return score is not None and score >= time.time()

    def last_watched(self, party_id: int, user_id: int) -> float | None:
        if self.is_watching(party_id, user_id):
            return time.time()
        raw = self._redis.hget(self._seen_key(party_id), str(user_id))
        return float(raw) if raw else None


class Watching(LeaseHeartbeat):
    """This worker's side: leases for its watching connections, and the announcements
    (none when `publish` is None: who has a conversation open is asked, never announced).
    A lease per (party, user) pair watched on this worker (`held_here(party_id, user_id)`)."""

    store: MemoryWatchingStore | RedisWatchingStore

    def started(self, party_id: int, user_id: int) -> None:
        """A connection of `user_id` on this worker watches the party now."""
        try:
            if self.store.renew([(party_id, user_id)], self.ttl):
                self._announce(party_id, user_id, True)
        except redis.RedisError:
            log.warning("Watching store unreachable; user %s not marked watching", user_id)

    def idle(self, party_id: int, user_id: int) -> None:
        """This worker's last connection of `user_id` watching the party ended: after
        the same grace as presence (a reload), they watch no more."""
        self._release_after_linger(party_id, user_id)

    def left(self, party_id: int, user_id: int) -> None:
        """They left the party (or were removed): they watch no more at once, with no
        grace for a reload (counts and tags would say they watch for that long)."""
        self._release_if_still_idle(party_id, user_id)

    def _release_if_still_idle(self, party_id: int, user_id: int) -> None:
        if self._held_here(party_id, user_id):
            return
        try:
            if self.store.release(party_id, user_id):
                self._announce(party_id, user_id, False)
        except redis.RedisError:
            log.warning("Watching store unreachable; user %s's lease will expire", user_id)

    def watchers(self, party_id: int) -> list[int]:
        """Who has the party's page open, on any worker ([] when that cannot be known)."""
        try:
            return self.store.watchers(party_id)
        except redis.RedisError:
            log.warning("Watching store unreachable; party %s shows no watchers", party_id)
            return []

    def is_watching(self, key: int, user_id: int) -> bool:
        """Has `user_id` the page of `key` open, on any worker (False when that cannot
        be known)?"""
        try:
            return self.store.is_watching(key, user_id)
        except redis.RedisError:
            log.warning("Watching store unreachable; user %s taken as not watching", user_id)
            return False

    def _announce(self, party_id: int, user_id: int, watching: bool) -> None:
        if self._publish is None:
            return
        self._publish(
            party_channel(party_id),
            MEMBER_COUNT,
            {
                "party_id": party_id,
                "count": len(self.store.watchers(party_id)),
                "user_id": user_id,
                "watching": watching,
            },
        )

    def beat(self) -> None:
        """Renew this worker's leases and report pairs whose leases all ran out."""
        try:
            self.store.renew(self._held(), self.ttl)
            for party_id, user_id in self.store.expire():
                self._announce(party_id, user_id, False)
        except redis.RedisError:
            log.warning("Watching store unreachable; will retry")
