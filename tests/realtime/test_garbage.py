"""The collector freezes the survivors of full collections, and compaction still frees
cycles among frozen objects."""

from __future__ import annotations

import gc
import weakref

import pytest

from realtime import garbage


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def frozen_collector():
    greenlet = garbage.start(3600)
    yield greenlet
    greenlet.kill()
    gc.callbacks.remove(garbage._freeze_survivors)
    gc.unfreeze()


def test_zero_leaves_the_collector_alone():
    assert garbage.start(0) is None
    assert garbage._freeze_survivors not in gc.callbacks


def test_survivors_of_a_full_collection_are_frozen_and_compaction_frees_their_cycles(
    frozen_collector,
):
    first, second = Node(), Node()
    first.other, second.other = second, first
    alive = weakref.ref(first)
    gc.collect()
    assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()

    del first, second
    gc.collect()  # the cycle is frozen: a full collection does not look at it
    assert alive() is not None

    assert garbage.compact() >= 0
    assert alive() is None
    assert 0 < gc.get_freeze_count() < frozen + 1000
