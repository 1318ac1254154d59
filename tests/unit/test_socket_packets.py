"""Socket.IO packets as the server writes and reads them (sockets.connection.ClientPacket)."""

from __future__ import annotations

import json

import pytest
from socketio import packet as socketio_packet

from sockets.connection import UNNAMED_EVENT, UNREADABLE_EVENT, ClientPacket


def encoded(data: object, packet_id: int | None = None) -> str:
    return ClientPacket(socketio_packet.EVENT, data=data, id=packet_id).encode()


def test_an_event_is_written_as_the_standard_library_would_read_it():
    data = ["message:new", {"id": 7, "body": "héllo ✓ <b>", "counts": {3: 1}, "n": None}]
    text = encoded(data, packet_id=12)
    assert text.startswith("212[")
    assert json.loads(text[3:]) == ["message:new", {**data[1], "counts": {"3": 1}}]


def test_a_packet_read_back_is_the_event_that_was_written():
    incoming = ClientPacket(encoded_packet=encoded(["message:send", {"body": "ça va"}], 4))
    assert incoming.id == 4
    assert incoming.data == ["message:send", {"body": "ça va"}]


@pytest.mark.parametrize(
    "raw",
    [
        '2["message:send", NaN]',
        '2["message:send", "\\ud800"]',
        '2["message:send", {"body": "cut',
        "2" + "[" * 5000 + "]" * 5000,
    ],
)
def test_json_that_cannot_be_read_becomes_the_unreadable_event(raw: str):
    assert ClientPacket(encoded_packet=raw).data == [UNREADABLE_EVENT]


@pytest.mark.parametrize("name", ["connect", "disconnect", "*", 5])
def test_a_reserved_or_unnamed_event_is_renamed(name: object):
    assert ClientPacket(encoded_packet=encoded([name, {}])).data == [UNNAMED_EVENT]
