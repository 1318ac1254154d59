"""realtime/socket_rooms.py: its books agree with python-socketio's own after every step,
and a disconnect looks only at the rooms of the connection that leaves."""

from __future__ import annotations

import random

import socketio
from bidict import bidict

from realtime import socket_rooms

NS = "/"


def _pair() -> tuple[socketio.Manager, socket_rooms.Manager]:
    """The library's manager and ours, each on a server of its own."""
    plain, indexed = socketio.Manager(), socket_rooms.Manager()
    socketio.Server(client_manager=plain)
    socketio.Server(client_manager=indexed)
    return plain, indexed


def test_the_index_keeps_the_same_rooms_as_the_library_through_random_steps():
    plain, indexed = _pair()
    chance = random.Random(7)
    live: list[tuple[str, str]] = []  # (plain sid, indexed sid), connected in both
    channels = [f"channel:{n}" for n in range(6)]
    for step in range(600):
        action = chance.choice(["connect", "enter", "enter", "leave", "close", "disconnect"])
        if action == "connect" or not live:
            eio_sid = f"eio{step}"
            live.append((plain.connect(eio_sid, NS), indexed.connect(eio_sid, NS)))
            continue
        pair = chance.choice(live)
        room = chance.choice(channels)
        if action == "enter":
            plain.enter_room(pair[0], NS, room)
            indexed.enter_room(pair[1], NS, room)
        elif action == "leave":
            plain.leave_room(pair[0], NS, room)
            indexed.leave_room(pair[1], NS, room)
        elif action == "close":
            plain.close_room(room, NS)
            indexed.close_room(room, NS)
        else:
            live.remove(pair)
            plain.disconnect(pair[0], NS)
            indexed.disconnect(pair[1], NS)
        # The sids differ between the two managers; compare by the eio sid they map to.
        assert _by_eio(plain) == _by_eio(indexed), f"step {step}: {action}"
        for plain_sid, indexed_sid in live:
            assert _named_rooms(plain, plain_sid) == _named_rooms(indexed, indexed_sid)
    assert set(indexed.rooms_of) == {(NS, sid) for _, sid in live}


def _by_eio(manager: socketio.Manager) -> dict:
    """Each room's members by eio sid, and sid rooms named by their owner's eio sid."""
    books = {}
    for namespace, rooms in manager.rooms.items():
        sid_rooms = rooms.get(None, {})
        for room, members in rooms.items():
            name = sid_rooms.get(room, room) if room is not None else None
            books[(namespace, name)] = sorted(members.values())
    return books


def _named_rooms(manager: socketio.Manager, sid: str) -> set:
    return {room for room in manager.get_rooms(sid, NS) if room != sid}


def _rooms_looked_into_by_a_disconnect(manager: socketio.Manager) -> set:
    sids = [manager.connect(f"eio{n}", NS) for n in range(50)]
    for n, sid in enumerate(sids):
        manager.enter_room(sid, NS, f"user:{n}")
    looked_into: set = set()

    class Watched(bidict):
        def __contains__(self, key: object) -> bool:
            looked_into.add(self.name)
            return super().__contains__(key)

    for room, members in list(manager.rooms[NS].items()):
        watched = Watched(members)
        watched.name = room
        manager.rooms[NS][room] = watched
    manager.disconnect(sids[0], NS)
    assert "user:0" not in manager.rooms[NS]
    assert sids[0] not in manager.rooms[NS][None]
    return looked_into - {None, sids[0], "user:0"}


def test_a_disconnect_looks_only_at_the_rooms_of_the_connection_that_leaves():
    plain, indexed = _pair()
    assert len(_rooms_looked_into_by_a_disconnect(plain)) >= 98  # the library walks all
    assert _rooms_looked_into_by_a_disconnect(indexed) == set()
