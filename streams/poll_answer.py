"""What a long-poll answers: the same for the Flask view (streams/routes.py) and for the
gateway that answers a plain poll beneath Flask (streams/poll_gateway.py)."""

from __future__ import annotations

import time

from gevent.queue import Empty

from errors import ValidationError
from extensions import db
from models.read_connection import give_back_shared
from realtime import cursor as cursors
from realtime import resume
from realtime.bus import bus
from realtime.connections import Identity, StreamConnection
from realtime.cursor import Position
from realtime.events import Envelope
from request_body import whole_number
from services.validation import integer
from streams.hangup import on_hangup

DEFAULT_TIMEOUT = 25


def timeout_of(raw: str | None, maximum: int) -> int:
    """The seconds a poll may wait, from its `timeout` argument (None: the default)."""
    if raw is None:
        return min(DEFAULT_TIMEOUT, maximum)
    seconds = whole_number(raw)
    if seconds is None:
        raise ValidationError("'timeout' must be a whole number of seconds.", field="timeout")
    return integer({"timeout": seconds}, "timeout", minimum=0, maximum=maximum)


def answer(
    identity: Identity, position: Position | None, timeout: int, page: set[str], environ: dict
) -> dict:
    """The events after `position` on the asker's channels and `page`'s, waiting up to
    `timeout` seconds for one if there are none, and the cursor to ask from next. Without
    a position, none and the newest cursor."""
    if position is None:
        return {"events": [], "cursor": cursors.encode(bus.horizon())}
    after_id = position.event_id
    opened_at = time.time()
    stream = resume.open_stream(identity, "longpoll", page)
    try:
        events = resume.backlog(stream, after_id, position.states_known_at)
        # A poll that waits holds no connection meanwhile.
        db.session.remove()
        give_back_shared()
        bus.hub.finish_stream_replay(stream)
        events.extend(_drain(stream))
        if not events and timeout > 0:
            events = _wait(stream, timeout, environ)
    finally:
        bus.hub.remove_stream(stream)
    last = max((event.id for event in events if event.id is not None), default=after_id)
    return {
        "events": [
            {"id": event.cursor, "event": event.name, "data": event.payload()} for event in events
        ],
        "cursor": cursors.encode(
            last, resume.states_known_at(events, opened_at, position.states_known_at)
        ),
    }


def _wait(stream: StreamConnection, timeout: int, environ: dict) -> list[Envelope]:
    """What comes within `timeout` seconds (and no later than the token's expiry)."""
    # A poller that gave up is gone at once, not when its timeout runs out (presence).
    stop_watching = on_hangup(environ, stream.close)
    try:
        first = stream.queue.get(timeout=stream.identity.seconds_left(timeout))
    except Empty:
        return []
    finally:
        stop_watching()
    return [first, *_drain(stream)] if first is not None else []


def _drain(stream: StreamConnection) -> list[Envelope]:
    events = []
    while True:
        try:
            envelope = stream.queue.get_nowait()
        except Empty:
            return events
        if envelope is None:
            return events
        events.append(envelope)
