"""A unit of work on a connection of its own (realtime/outbox.py `on_connection`), and the
chat message written in one: a change and its events commit together and then go out; a
rollback announces nothing; nothing is written through the session meanwhile. On SQLite
and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select, update

from errors import Forbidden, NotFound, Unauthenticated, ValidationError
from extensions import db
from models.clock import utcnow
from models.conversation import Message
from models.read_connection import reading
from models.social import Notification
from models.stream import StreamEvent
from models.user import User
from realtime.bus import bus
from realtime.events import ECHO, user_channel
from services import accounts, conversations, messages, notifications
from services.unit_of_work import writing
from tests.conftest import PASSWORD
from tests.support.connections import connections_in_use
from tests.support.events import heard_so_far, listen


def stored(name: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(StreamEvent).where(StreamEvent.name == name)
    )


def kept_account(user_id: int) -> User:
    """The account as a socket keeps it: read once, outside any session."""
    return accounts.connected_account(user_id)


@pytest.fixture
def crew(engine_app):
    ann, ben = (accounts.register(name, PASSWORD) for name in ("ann", "ben"))
    group = conversations.create_group(ann, "Crew", ["ben"])
    ids = ann.id, ben.id, group.id
    db.session.remove()
    return ids


def test_a_plain_message_is_stored_and_announced_without_a_session(crew):
    ann_id, ben_id, group_id = crew
    ann = kept_account(ann_id)
    stream = listen(ben_id)
    db.session.remove()
    sent = messages.send(ann, group_id, "hello there", client_id="c-1")
    assert not db.session.registry.has()
    (event,) = heard_so_far(stream)
    assert (event.name, event.data, event.id is not None) == ("message:new", sent, True)
    assert db.session.get(Message, sent["id"]).body == "hello there"
    assert stored("message:new") == 1


def test_a_connections_account_is_read_outside_the_session_and_its_first_send_too(crew):
    ann_id, _ben_id, group_id = crew
    muted_until = utcnow() + timedelta(hours=1)
    db.session.execute(
        update(User).where(User.id == ann_id).values(display_name="Ann A.", muted_until=muted_until)
    )
    db.session.commit()
    db.session.remove()
    ann = accounts.connected_account(ann_id)
    assert inspect(ann).detached
    assert (ann.id, ann.username, ann.display_name) == (ann_id, "ann", "Ann A.")
    assert (ann.is_muted, ann.is_banned, ann.is_moderator) == (True, False, False)
    db.session.execute(update(User).where(User.id == ann_id).values(muted_until=None))
    db.session.commit()
    db.session.remove()
    messages.send(accounts.connected_account(ann_id), group_id, "first words")
    assert not db.session.registry.has()
    assert connections_in_use() == 0


def refusal_to_connect(user_id: int) -> Exception:
    try:
        accounts.connected_account(user_id)
    except (Forbidden, Unauthenticated) as refused:
        return refused
    raise AssertionError("the account was not refused")


def test_a_banned_or_gone_account_is_refused_to_a_connection(crew):
    ann_id, ben_id, _group_id = crew
    db.session.execute(update(User).where(User.id == ann_id).values(banned_at=utcnow()))
    db.session.commit()
    banned, gone = refusal_to_connect(ann_id), refusal_to_connect(ben_id + 1000)
    assert (type(banned), banned.code) == (Forbidden, "banned")
    assert type(gone) is Unauthenticated


def test_a_retried_plain_message_is_stored_once(crew):
    ann_id, _ben_id, group_id = crew
    ann = kept_account(ann_id)
    first = messages.send(ann, group_id, "once", client_id="same")
    db.session.remove()
    again = messages.send(ann, group_id, "once", client_id="same")
    assert again["id"] == first["id"]
    texts = select(func.count()).select_from(Message).where(Message.kind == "text")
    assert db.session.scalar(texts) == 1
    assert stored("message:new") == 1


@pytest.mark.parametrize(
    ("body", "error"), [("", ValidationError), ("x" * (messages.BODY_MAX + 1), ValidationError)]
)
def test_a_refused_plain_message_leaves_nothing(crew, body, error):
    ann_id, ben_id, group_id = crew
    ann = kept_account(ann_id)
    stream = listen(ben_id)
    db.session.remove()
    with pytest.raises(error):
        messages.send(ann, group_id, body)
    with pytest.raises(NotFound):
        messages.send(ann, group_id + 1000, "nowhere")
    assert connections_in_use() == 0
    assert heard_so_far(stream) == []
    assert stored("message:new") == 0


def test_a_mention_goes_through_the_session_and_tells_the_person(crew):
    ann_id, ben_id, group_id = crew
    sent = messages.send(kept_account(ann_id), group_id, "look @ben")
    assert db.session.get(Message, sent["id"]) is not None
    told = select(func.count()).where(
        Notification.user_id == ben_id, Notification.kind == notifications.MENTION
    )
    assert db.session.scalar(told) == 1


def test_a_unit_of_work_on_a_connection_commits_then_announces(crew):
    ann_id, _ben_id, _group_id = crew
    stream = listen(ann_id)
    done = []
    with bus.work_on_connection() as connection:
        connection.execute(update(User).where(User.id == ann_id).values(display_name="Ann"))
        bus.publish(user_channel(ann_id), ECHO, {"text": "one", "sent_at": 0.0})
        bus.publish(
            user_channel(ann_id), "notification:read", {"ids": None, "all": True, "unread_count": 0}
        )
        bus.after_commit(lambda: done.append("committed"))
        bus.after_rollback(lambda: done.append("rolled back"))
        with reading() as read:  # the unit's own connection: it sees the change
            assert read is connection
            assert read.scalar(select(User.display_name).where(User.id == ann_id)) == "Ann"
        assert heard_so_far(stream) == []
        assert done == []
    assert [event.name for event in heard_so_far(stream)] == [ECHO, "notification:read"]
    assert done == ["committed"]
    assert stored(ECHO) == 1
    assert db.session.get(User, ann_id).display_name == "Ann"


def test_a_unit_of_work_on_a_connection_that_raises_leaves_and_announces_nothing(crew):
    ann_id, _ben_id, _group_id = crew
    stream = listen(ann_id)
    done = []

    def failing_work() -> None:
        with bus.work_on_connection() as connection:
            connection.execute(update(User).where(User.id == ann_id).values(display_name="Never"))
            bus.publish(user_channel(ann_id), ECHO, {"text": "never", "sent_at": 0.0})
            bus.after_commit(lambda: done.append("committed"))
            bus.after_rollback(lambda: done.append("rolled back"))
            raise RuntimeError("the work fails")

    db.session.remove()
    with pytest.raises(RuntimeError, match="fails"):
        failing_work()
    assert connections_in_use() == 0
    assert heard_so_far(stream) == []
    assert done == ["rolled back"]
    assert stored(ECHO) == 0
    assert db.session.get(User, ann_id).display_name != "Never"


def test_nothing_is_written_through_the_session_meanwhile(crew):
    ann_id, _ben_id, _group_id = crew

    def change_the_entity() -> None:
        with bus.work_on_connection():
            db.session.get(User, ann_id).display_name = "Elsewhere"
            db.session.flush()

    def run_an_update() -> None:
        with bus.work_on_connection():
            db.session.execute(update(User).where(User.id == ann_id).values(display_name="Else"))

    for write in (change_the_entity, run_an_update):
        with pytest.raises(RuntimeError, match="write on it"):
            write()
        db.session.rollback()
    assert db.session.get(User, ann_id).display_name not in ("Elsewhere", "Else")


def test_writing_joins_a_unit_of_work_the_session_holds(crew):
    """A caller's unit of work under way in the session is joined, not split: its change
    and the write commit (or roll back) as one."""
    ann_id, ben_id, _group_id = crew
    stream = listen(ben_id)

    def failing_write() -> None:
        with writing(orm=False) as connection:
            assert connection is db.session.connection()
            bus.publish(user_channel(ben_id), ECHO, {"text": "never", "sent_at": 0.0})
            raise RuntimeError("the caller's work fails")

    db.session.get(User, ann_id).display_name = "Pending"
    db.session.flush()
    with pytest.raises(RuntimeError, match="fails"):
        failing_write()
    assert heard_so_far(stream) == []
    assert db.session.get(User, ann_id).display_name != "Pending"
