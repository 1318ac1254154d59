"""The bus and hub on one worker: durable events stored and ordered, ephemeral ones not,
resume from a cursor exactly once, resync for cursors out of the window, control."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models.clock import utcnow
from models.stream import StreamEvent
from realtime import resume, store
from realtime.bus import bus
from realtime.connections import Identity
from realtime.events import ECHO, PRESENCE, RESYNC, UNREAD_COUNTS, is_durable, user_channel
from tests.support.events import announce


def echo(text: str) -> dict:
    return {"text": text, "sent_at": 0.0}


def message(conversation_id: int, body: str) -> dict:
    """A message as the contract shapes it (realtime/events.py)."""
    return {
        "id": 1,
        "conversation_id": conversation_id,
        "sender": None,
        "kind": "system",
        "body": body,
        "created_at": "2026-01-01T00:00:00Z",
        "edited_at": None,
        "deleted": False,
        "reply_to": None,
        "client_id": None,
        "attachment": None,
        "reactions": [],
    }


def drain(stream):
    """What a connection has queued, less its owner's own presence announcements."""
    events = []
    while not stream.queue.empty():
        events.append(stream.queue.get_nowait())
    return [event for event in events if event is None or event.name != PRESENCE]


@pytest.mark.parametrize(
    ("name", "durable"),
    [
        ("message:new", True),
        ("message:deleted", True),
        ("notification:new", True),
        ("party:message", True),
        ("party:member_joined", True),
        ("party:host_changed", True),
        ("party:ended", True),
        ("stream:echo", True),
        ("typing", False),
        ("party:typing", False),
        ("presence", False),
        ("party:reaction", False),
        ("party:state", False),
        ("resync", False),
        ("party:member_count", False),
        ("party:drift", False),
        ("party:member_requested", True),
    ],
)
def test_durable_and_ephemeral_names(name, durable):
    assert is_durable(name) is durable


def test_durable_events_are_stored_in_order_with_cursors(app):
    first = announce("user:1", ECHO, echo("a"))
    second = announce("user:2", ECHO, echo("b"))
    assert first.id < second.id
    assert first.payload() == {**echo("a"), "cursor": first.cursor}
    rows = db.session.scalars(select(StreamEvent).order_by(StreamEvent.id)).all()
    assert [(row.channel, row.name) for row in rows] == [("user:1", ECHO), ("user:2", ECHO)]


def test_ephemeral_events_are_not_stored_and_carry_no_cursor(app):
    envelope = announce(
        "presence:1", PRESENCE, {"user_id": 1, "status": "online", "text": "", "last_seen": None}
    )
    assert envelope.id is None
    assert "cursor" not in envelope.payload()
    assert db.session.scalar(select(func.count()).select_from(StreamEvent)) == 0


def test_live_stream_gets_its_channels_only(app, user_factory):
    alice, bob = user_factory("alice"), user_factory("bob")
    stream = resume.open_stream(Identity(alice.id), "sse")
    assert resume.backlog(stream, None) == []
    bus.hub.finish_stream_replay(stream)
    announce(user_channel(alice.id), ECHO, echo("for alice"))
    announce(user_channel(bob.id), ECHO, echo("for bob"))
    assert [event.data["text"] for event in drain(stream)] == ["for alice"]
    bus.hub.remove_stream(stream)


def test_resume_gives_every_missed_event_once_in_order(app, user_factory):
    alice = user_factory("alice")
    channel = user_channel(alice.id)
    seen = announce(channel, ECHO, echo("seen"))
    for n in range(5):
        announce(channel, ECHO, echo(f"missed {n}"))

    stream = resume.open_stream(Identity(alice.id), "longpoll")
    # Published while the backlog is being prepared: must come once, after the backlog.
    announce(channel, ECHO, echo("during"))
    backlog = resume.backlog(stream, seen.id)
    bus.hub.finish_stream_replay(stream)
    live = drain(stream)
    texts = [event.data["text"] for event in backlog + live]
    assert texts == [f"missed {n}" for n in range(5)] + ["during"]
    ids = [event.id for event in backlog + live]
    assert ids == sorted(set(ids))
    bus.hub.remove_stream(stream)


def test_cursor_beyond_the_log_gets_one_resync(app, user_factory):
    alice = user_factory("alice")
    last = announce(user_channel(alice.id), ECHO, echo("x"))
    stream = resume.open_stream(Identity(alice.id), "sse")
    events = resume.backlog(stream, last.id + 100)
    assert [event.name for event in events] == [RESYNC]
    assert events[0].data == {"reason": "cursor_unknown"}
    assert events[0].id == last.id  # the resync carries the newest cursor
    bus.hub.remove_stream(stream)


def test_pruned_cursor_gets_resync_and_recent_events_survive(app, user_factory):
    alice = user_factory("alice")
    channel = user_channel(alice.id)
    old = [announce(channel, ECHO, echo(f"old {n}")) for n in range(5)]
    keep = announce("user:999", ECHO, echo("other channel, old but its newest"))
    db.session.execute(update(StreamEvent).values(created_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    recent = announce(channel, ECHO, echo("recent"))

    dropped = store.prune(timedelta(hours=24), keep_per_channel=2)
    assert dropped == 4  # 6 events on the channel, the newest 2 kept; the other channel kept
    remaining = set(db.session.scalars(select(StreamEvent.id)))
    assert remaining == {old[4].id, keep.id, recent.id}
    assert store.pruned_through() == old[3].id

    stream = resume.open_stream(Identity(alice.id), "sse")
    events = resume.backlog(stream, old[0].id)
    assert [(event.name, event.data) for event in events] == [
        (RESYNC, {"reason": "cursor_expired"})
    ]
    fine = resume.backlog(stream, old[3].id)
    replayed, state = fine[:-1], fine[-1]
    assert [event.data["text"] for event in replayed] == ["old 4", "recent"]
    # Then the state no replay brings back (an SSE connection's).
    assert (state.name, state.data) == (UNREAD_COUNTS, {"notifications": 0, "messages": 0})
    bus.hub.remove_stream(stream)


def test_recent_events_are_never_pruned(app):
    for n in range(10):
        announce("user:1", ECHO, echo(str(n)))
    assert store.prune(timedelta(hours=24), keep_per_channel=2) == 0


def test_join_and_leave_change_what_live_connections_receive(app, user_factory):
    alice = user_factory("alice")
    stream = resume.open_stream(Identity(alice.id), "sse")
    resume.backlog(stream, None)
    bus.hub.finish_stream_replay(stream)

    announce("conversation:7", "message:new", message(7, "before joining"))
    bus.subscribe_user(alice.id, "conversation:7")
    db.session.commit()
    announce("conversation:7", "message:new", message(7, "member"))
    bus.unsubscribe_user(alice.id, "conversation:7")
    db.session.commit()
    announce("conversation:7", "message:new", message(7, "after leaving"))
    assert [event.data["body"] for event in drain(stream)] == ["member"]
    bus.hub.remove_stream(stream)


def test_close_connections_of_one_sign_in(app, user_factory):
    alice = user_factory("alice")
    web = resume.open_stream(Identity(alice.id, login_id="laptop"), "sse")
    bot = resume.open_stream(Identity(alice.id, token_id=5), "sse")
    bus.close_connections(alice.id, login_id="laptop")
    db.session.commit()
    assert web.closed
    assert not bot.closed
    assert web.queue.get_nowait() is None
    bus.close_connections(alice.id, token_id=5)
    db.session.commit()
    assert bot.closed
    assert not bus.hub.has_user(alice.id)


def test_hub_delivers_a_durable_event_once_per_worker(app, user_factory):
    alice = user_factory("alice")
    stream = resume.open_stream(Identity(alice.id), "sse")
    resume.backlog(stream, None)
    bus.hub.finish_stream_replay(stream)
    envelope = announce(user_channel(alice.id), ECHO, echo("once"))
    bus.hub.dispatch(envelope)  # e.g. replayed again after a Redis outage
    assert len(drain(stream)) == 1
    bus.hub.remove_stream(stream)
