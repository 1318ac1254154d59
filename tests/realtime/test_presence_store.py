"""Presence leases: in-process, and in a real Redis shared by several workers."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
import redis

from realtime import presence_leases
from realtime.presence_leases import Presence
from realtime.presence_store import Choice, MemoryPresenceStore, RedisPresenceStore
from tests.support.waiting import wait_until


def test_memory_store_tracks_one_worker():
    store = MemoryPresenceStore()
    assert store.status(1) == "offline"
    assert store.renew([1, 2], ttl=20) == [1, 2]
    assert store.renew([1], ttl=20) == []
    assert store.online_count() == 2
    store.set_choice(1, Choice("busy", "in a call"))
    assert store.status(1) == "busy"
    assert store.choice(1).text == "in a call"
    assert store.release(1) is True
    assert store.status(1) == "offline"
    assert store.last_seen(1) is not None


@pytest.fixture
def two_workers(redis_server):
    return (
        RedisPresenceStore(redis_server.url, "worker-a"),
        RedisPresenceStore(redis_server.url, "worker-b"),
    )


def test_online_while_any_worker_holds_a_lease(two_workers):
    a, b = two_workers
    assert a.renew([7], ttl=20) == [7]
    assert b.renew([7], ttl=20) == []  # already online through worker a
    b.renew([8], ttl=20)
    assert a.online_count() == 2  # each person once, whichever workers hold them
    assert a.release(7) is False  # still on worker b
    assert b.is_online(7)
    assert b.release(7) is True  # the last lease: offline, reported once
    assert not a.is_online(7)
    assert a.status(7) == "offline"


def test_a_dead_workers_leases_expire_and_are_reported_once(two_workers):
    a, b = two_workers
    a.renew([8, 9], ttl=0.5)
    b.renew([9], ttl=30)
    wait_until(lambda: not a.is_online(8))  # worker a died: its leases are not renewed
    gone_b = b.expire()
    gone_a = a.expire()
    assert sorted(gone_a + gone_b) == [8]
    assert b.is_online(9)


def test_status_is_shared(two_workers):
    a, b = two_workers
    a.renew([3], ttl=20)
    assert b.choice(3) == Choice()
    a.set_choice(3, Choice("away", "lunch", auto=True))
    assert b.status(3) == "away"
    assert b.choice(3) == Choice("away", "lunch", auto=True)
    assert b.last_seen(3) is not None
    b.set_choice(3, Choice("busy"))
    assert a.choice(3) == Choice("busy", "", auto=False)


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_many_are_read_at_once_as_each_alone(kind, request):
    store = (
        MemoryPresenceStore()
        if kind == "memory"
        else RedisPresenceStore(request.getfixturevalue("redis_server").url, "worker-a")
    )
    store.renew([21, 22], ttl=20)
    store.set_choice(22, Choice("busy", "in a call"))
    store.release(21)
    people = [21, 22, 23]  # 23 never connected
    kept = store.read_many(people)
    alone = [(store.is_online(n), store.choice(n), store.last_seen(n)) for n in people]
    assert [(one.online, one.choice, one.last_seen) for one in kept] == alone
    assert [one.online for one in kept] == [False, True, False]
    assert kept[1].choice.text == "in a call"
    assert kept[2].last_seen is None


def test_while_redis_is_away_no_presence_is_told_rather_than_a_false_one():
    """Nothing listens on port 1: each read fails at once, as in an outage."""
    store = RedisPresenceStore("redis://127.0.0.1:1/0", "worker-a")
    presence = Presence(store, None, lambda _user: False, list, ttl=20, linger=1)
    assert presence.snapshots([21, 22]) == []


def test_what_an_outage_kept_from_being_told_is_told_once_redis_is_back(redis_server):
    """Ann connects while Redis is paused; Bob leaves while it is paused, and it comes
    back empty (a restart). The first beat after tells each as they are then."""
    told = []
    store = RedisPresenceStore(redis_server.url, "worker-a")
    here = {5}  # Bob (5) is connected here now
    presence = Presence(
        store,
        lambda _channel, _name, data: told.append((data["user_id"], data["status"])),
        lambda user_id: user_id in here,
        lambda: sorted(here),
        ttl=20,
        linger=0,
    )
    presence.connected(5, "websocket")
    assert told == [(5, "online")]
    store._redis.connection_pool.connection_kwargs["socket_timeout"] = 0.5
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        here.add(4)
        presence.connected(4, "websocket")  # Ann
        here.discard(5)
        presence._release_if_still_idle(5)  # Bob, after the linger
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    assert told == [(5, "online")]  # nothing could be told meanwhile
    redis.Redis.from_url(redis_server.url).flushall()  # it came back empty
    presence.beat()
    assert sorted(told[1:]) == [(4, "online"), (5, "offline")]
    presence.beat()
    assert len(told) == 3  # told once


class Clock:
    """Time for the lease timers, moved by the test: what a busy machine does to real
    timers cannot make the test flicker."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[tuple[float, Callable, tuple]] = []

    def monotonic(self) -> float:
        return self.now

    def spawn_later(self, seconds: float, function: Callable, *args) -> None:
        self.timers.append((self.now + seconds, function, args))

    def advance(self, seconds: float) -> None:
        """Move on, running each timer that falls due on the way, in order."""
        until = self.now + seconds
        while due := sorted((t for t in self.timers if t[0] <= until), key=lambda t: t[0]):
            when, function, args = due[0]
            self.timers.remove(due[0])
            self.now = max(self.now, when)
            function(*args)
        self.now = until


def test_someone_polling_often_stays_online_and_goes_offline_a_linger_after_the_last_poll(
    monkeypatch,
):
    """A long-poll that answers at once closes its connection between every two polls:
    the linger runs from the last close, so nobody sees them flicker offline meanwhile."""
    clock = Clock()
    monkeypatch.setattr(presence_leases, "time", clock)
    monkeypatch.setattr(presence_leases, "gevent", clock)
    told = []
    here: set[int] = set()
    presence = Presence(
        MemoryPresenceStore(),
        lambda _channel, _name, data: told.append(data["status"]),
        lambda user_id: user_id in here,
        lambda: sorted(here),
        ttl=20,
        linger=1.0,
    )
    for _poll in range(125):  # 2.5 s of polls 20 ms apart: well past two lingers
        here.add(7)
        presence.connected(7, "longpoll")
        here.discard(7)
        presence.idle(7)
        clock.advance(0.02)
    assert told == ["online"]

    clock.advance(0.97)
    assert told == ["online"]  # not yet a linger after the last poll
    clock.advance(0.02)
    assert told == ["online", "offline"]
