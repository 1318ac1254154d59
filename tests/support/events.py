"""Publishing from a test as a service does (in a unit of work that the test commits),
and hearing what goes out as a long-poll of someone's channels would."""

from __future__ import annotations

from typing import Any

from extensions import db
from realtime import resume
from realtime.bus import bus
from realtime.connections import Identity, StreamConnection
from realtime.events import Envelope


def announce(channel: str, name: str, data: dict[str, Any]) -> Envelope:
    """Publish one event and commit: it is stored (when durable) and sent, as it would
    be at the end of a service call; returns it with its id."""
    queued = bus.publish(channel, name, data)
    db.session.commit()
    return queued.envelope()


def listen(user_id: int) -> StreamConnection:
    """A long-poll's stream of `user_id`'s channels, hearing from now on."""
    stream = resume.open_stream(Identity(user_id), "longpoll")
    resume.backlog(stream, None)
    bus.hub.finish_stream_replay(stream)
    return stream


def heard_so_far(stream: StreamConnection) -> list[Envelope]:
    """What `stream` has been sent and not yet taken, presence left out."""
    events = []
    while not stream.queue.empty():
        events.append(stream.queue.get_nowait())
    return [event for event in events if event.name != "presence"]
