"""A stream that lost one of its page's channels as it opened hears nothing more of it,
not even what came on it while it was still replaying its backlog."""

from __future__ import annotations

from realtime.connections import Identity, StreamConnection
from realtime.events import Envelope
from realtime.hub import Hub


def event(channel: str, name: str = "presence") -> Envelope:
    return Envelope(channel=channel, name=name, data={"user_id": 1})


def test_a_stream_stops_hearing_a_channel_and_what_it_held_of_it():
    hub = Hub(lambda: None)
    stream = StreamConnection(
        Identity(user_id=7),
        {"user:7", "presence:8", "presence:9"},
        "page",
        page_channels=frozenset({"presence:8", "presence:9"}),
    )
    hub.add_stream(stream)
    hub.dispatch(event("presence:8"))
    hub.dispatch(event("presence:9"))
    assert [e.channel for e in stream.pending] == ["presence:8", "presence:9"]

    hub.stop_hearing(stream, {"presence:8"})
    hub.dispatch(event("presence:8"))
    hub.dispatch(event("user:7", "notification:new"))
    hub.finish_stream_replay(stream)
    assert stream.channels == {"user:7", "presence:9"}
    delivered = []
    while not stream.queue.empty():
        delivered.append(stream.queue.get().channel)
    assert delivered == ["presence:9", "user:7"]
