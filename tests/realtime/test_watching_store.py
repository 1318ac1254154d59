"""Watching a party: leases per (party, person), in-process and in a real Redis shared by
several workers."""

from __future__ import annotations

import time

import pytest

from realtime.watching import MemoryWatchingStore, RedisWatchingStore
from tests.support.waiting import wait_until


def test_memory_store_tracks_one_worker():
    store = MemoryWatchingStore()
    assert store.watchers(1) == []
    assert store.last_watched(1, 7) is None
    assert store.renew([(1, 7), (1, 8), (2, 7)], ttl=20) == [(1, 7), (1, 8), (2, 7)]
    assert store.renew([(1, 7)], ttl=20) == []
    assert store.watchers(1) == [7, 8]
    assert store.is_watching(2, 7)
    assert not store.is_watching(2, 8)  # in party 1 only
    assert store.release(1, 7) is True
    assert store.watchers(1) == [8]
    assert store.is_watching(2, 7)  # still watching the other party
    assert time.time() - store.last_watched(1, 7) < 1
    assert store.expire() == []


@pytest.fixture
def two_workers(redis_server):
    return (
        RedisWatchingStore(redis_server.url, "worker-a"),
        RedisWatchingStore(redis_server.url, "worker-b"),
    )


def test_watching_while_any_worker_holds_a_lease(two_workers):
    a, b = two_workers
    assert a.renew([(5, 7)], ttl=20) == [(5, 7)]
    assert b.renew([(5, 7), (5, 8)], ttl=20) == [(5, 8)]  # 7 already watches through a
    assert a.watchers(5) == b.watchers(5) == [7, 8]  # each person once
    assert a.watchers(6) == []
    assert a.release(5, 7) is False  # still watching through worker b
    assert a.is_watching(5, 7)
    assert b.release(5, 7) is True  # the last lease: reported by this worker
    assert not a.is_watching(5, 7)
    assert a.watchers(5) == [8]
    assert a.last_watched(5, 7) is not None
    assert a.last_watched(5, 8) == pytest.approx(time.time(), abs=1)


def test_a_dead_workers_leases_expire_and_are_reported_once(two_workers):
    a, b = two_workers
    a.renew([(3, 1), (4, 1)], ttl=0.3)
    b.renew([(3, 2)], ttl=20)
    # Worker a died: its leases are not renewed.
    wait_until(lambda: b.watchers(3) == [2] and not b.is_watching(4, 1))
    assert sorted(b.expire()) == [(3, 1), (4, 1)]
    assert a.expire() == []  # already reported
    assert b.watchers(3) == [2]
    assert b.last_watched(3, 1) is not None


def test_a_release_keeps_the_lease_of_the_other_worker_only(two_workers):
    a, b = two_workers
    a.renew([(9, 1)], ttl=20)
    b.renew([(9, 1)], ttl=0.3)
    assert a.release(9, 1) is False
    # b's shorter lease is the one left, and it runs out.
    wait_until(lambda: not a.is_watching(9, 1))
    assert b.expire() == [(9, 1)]


def test_open_conversations_are_kept_apart_from_watched_parties(redis_server):
    """Who has a conversation open uses the same leases under its own keys, shared by
    every worker: a page open on one worker is seen from another."""
    from realtime.bus import VIEWING_PREFIX

    parties_a = RedisWatchingStore(redis_server.url, "worker-a")
    viewing_a = RedisWatchingStore(redis_server.url, "worker-a", VIEWING_PREFIX)
    viewing_b = RedisWatchingStore(redis_server.url, "worker-b", VIEWING_PREFIX)
    assert viewing_a.renew([(3, 7)], ttl=20) == [(3, 7)]
    assert viewing_b.is_watching(3, 7)  # asked on another worker
    assert not parties_a.is_watching(3, 7)  # party 3 is another thing
    assert viewing_a.release(3, 7) is True
    assert not viewing_b.is_watching(3, 7)
