"""Where presence is kept: in this process, or in Redis shared by every worker.

A worker that has at least one live connection of a user keeps a lease for that user,
renewed by its heartbeat. The user is online while any worker holds an unexpired lease,
so a worker that dies without cleaning up lets its users go offline when the lease ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import redis
from redis.client import Pipeline

STATUSES = ("online", "away", "busy")
# How long Redis keeps a chosen status that nobody touches.
CHOICE_TTL = 7 * 24 * 3600

Lease = TypeVar("Lease")


def renew_leases(
    client: redis.Redis,
    leases: list[Lease],
    read_end: Callable[[Pipeline, Lease], object],
    write: Callable[[Pipeline, Lease, float], object],
) -> list[Lease]:
    """Renew this worker's `leases` in two round trips: one reads the latest end of each
    lease, any worker's (`read_end`), the next writes them (`write(pipe, lease, now)`).
    Returns the leases whose every holder's had ended, or that nobody held: those that
    begin now."""
    if not leases:
        return []
    now = time.time()
    pipe = client.pipeline()
    for lease in leases:
        read_end(pipe, lease)
    before = pipe.execute()
    pipe = client.pipeline()
    for lease in leases:
        write(pipe, lease, now)
    pipe.execute()
    return [lease for lease, end in zip(leases, before, strict=True) if end is None or end < now]


@dataclass(frozen=True)
class Choice:
    """What a person chose to show: a status, a short text, and whether the status was
    set automatically (away after an idle while), so that activity may undo only that."""

    status: str = "online"
    text: str = ""
    auto: bool = False


@dataclass(frozen=True)
class Kept:
    """What a store keeps of one person: a live lease, their choice, when last seen."""

    online: bool
    choice: Choice
    last_seen: float | None


def _choice(raw: dict[bytes, bytes]) -> Choice:
    if not raw:
        return Choice()
    return Choice(
        status=raw.get(b"status", b"online").decode(),
        text=raw.get(b"text", b"").decode(),
        auto=raw.get(b"auto") == b"1",
    )


class MemoryPresenceStore:
    """One process: leases are this worker's own connections."""

    def __init__(self) -> None:
        self._online: set[int] = set()
        self._choice: dict[int, Choice] = {}
        self._last_seen: dict[int, float] = {}

    def renew(self, user_ids: list[int], ttl: float) -> list[int]:
        """Hold leases; returns the users who were offline before."""
        fresh = [user_id for user_id in user_ids if user_id not in self._online]
        self._online.update(user_ids)
        now = time.time()
        for user_id in user_ids:
            self._last_seen[user_id] = now
        return fresh

    def release(self, user_id: int) -> bool:
        """Drop this worker's lease; True when the user is now offline everywhere."""
        self._online.discard(user_id)
        self._last_seen[user_id] = time.time()
        return True

    def expire(self) -> list[int]:
        return []

    def is_online(self, user_id: int) -> bool:
        return user_id in self._online

    def online_count(self) -> int:
        return len(self._online)

    def set_choice(self, user_id: int, choice: Choice) -> None:
        self._choice[user_id] = choice

    def choice(self, user_id: int) -> Choice:
        """What the user set (online unless they said otherwise), whether online or not."""
        return self._choice.get(user_id, Choice())

    def status(self, user_id: int) -> str:
        if not self.is_online(user_id):
            return "offline"
        return self.choice(user_id).status

    def last_seen(self, user_id: int) -> float | None:
        return self._last_seen.get(user_id)

    def read_many(self, user_ids: list[int]) -> list[Kept]:
        return [
            Kept(self.is_online(user_id), self.choice(user_id), self.last_seen(user_id))
            for user_id in user_ids
        ]


class RedisPresenceStore:
    """Many workers: `presence:<user>` is a sorted set of worker ids scored by lease end;
    `presence:index` scores each user by the latest lease end of any worker."""

    PREFIX = "tandem:presence:"

    def __init__(self, url: str, worker_id: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._worker = worker_id
        self._index = self.PREFIX + "index"
        self._release_script = self._redis.register_script(
            """
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
            if redis.call('ZCARD', KEYS[1]) == 0 then
                return redis.call('ZREM', KEYS[2], ARGV[3])
            end
            return 0
            """
        )
        self._expire_script = self._redis.register_script(
            """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            if redis.call('ZCARD', KEYS[1]) == 0 then
                return redis.call('ZREM', KEYS[2], ARGV[2])
            end
            return 0
            """
        )

    def _key(self, user_id: int) -> str:
        return f"{self.PREFIX}{user_id}"

    def renew(self, user_ids: list[int], ttl: float) -> list[int]:
        def write(pipe: Pipeline, user_id: int, now: float) -> None:
            until = now + ttl
            pipe.zadd(self._key(user_id), {self._worker: until})
            pipe.expire(self._key(user_id), int(ttl) + 60)
            pipe.zadd(self._index, {str(user_id): until}, gt=True)
            pipe.set(f"{self.PREFIX}seen:{user_id}", now)

        return renew_leases(
            self._redis, user_ids, lambda pipe, user_id: pipe.zscore(self._index, user_id), write
        )

    def release(self, user_id: int) -> bool:
        now = time.time()
        self._redis.set(f"{self.PREFIX}seen:{user_id}", now)
        removed = self._release_script(
            keys=[self._key(user_id), self._index], args=[self._worker, now, str(user_id)]
        )
        return bool(removed)

    def expire(self) -> list[int]:
        """Users whose every lease ran out; each is reported by exactly one worker."""
        now = time.time()
        gone = []
        for raw in self._redis.zrangebyscore(self._index, "-inf", now):
            user_id = int(raw)
            if self._expire_script(keys=[self._key(user_id), self._index], args=[now, user_id]):
                gone.append(user_id)
        return gone

    def is_online(self, user_id: int) -> bool:
        score = self._redis.zscore(self._index, user_id)
        return score is not None and score >= time.time()

    def online_count(self) -> int:
        """Everyone with an unexpired lease on any worker."""
        return self._redis.zcount(self._index, time.time(), "+inf")

    def set_choice(self, user_id: int, choice: Choice) -> None:
        key = self._choice_key(user_id)
        pipe = self._redis.pipeline()
        pipe.delete(key)
        pipe.hset(
            key, mapping={"status": choice.status, "text": choice.text, "auto": int(choice.auto)}
        )
        pipe.expire(key, CHOICE_TTL)
        pipe.execute()

    def choice(self, user_id: int) -> Choice:
        return _choice(self._redis.hgetall(self._choice_key(user_id)))

    def status(self, user_id: int) -> str:
        if not self.is_online(user_id):
            return "offline"
        return self.choice(user_id).status

    def _choice_key(self, user_id: int) -> str:
        return f"{self.PREFIX}choice:{user_id}"

    def last_seen(self, user_id: int) -> float | None:
        raw = self._redis.get(f"{self.PREFIX}seen:{user_id}")
        return float(raw) if raw else None

    def read_many(self, user_ids: list[int]) -> list[Kept]:
        """What is kept of each of `user_ids`, in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.zscore(self._index, user_id)
            pipe.hgetall(self._choice_key(user_id))
            pipe.get(f"{self.PREFIX}seen:{user_id}")
        raw = pipe.execute()
        now = time.time()
        return [
            Kept(
                online=score is not None and score >= now,
                choice=_choice(chosen),
                last_seen=float(seen) if seen else None,
            )
            for score, chosen, seen in zip(raw[0::3], raw[1::3], raw[2::3], strict=True)
        ]
