"""The message pipeline: sending (idempotent), editing, deleting, reactions, read state,
history, search, mentions, attachments."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.conversation import Message
from models.user import User
from realtime.bus import bus
from services import (
    attachments,
    conversation_listing,
    conversations,
    message_edits,
    message_reading,
    messages,
    notifications,
    search,
)
from tests.support.concurrency import race
from tests.support.messages import sent_message
from tests.support.waiting import wait_until

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def trio(user_factory):
    return user_factory("ann"), user_factory("ben"), user_factory("cal")


@pytest.fixture
def group(trio):
    return conversations.create_group(trio[0], "Trio", ["ben", "cal"])


def count_messages(conversation_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.conversation_id == conversation_id, Message.kind == "text")
    )


def test_send_shape(app, trio, group):
    message = sent_message(trio[0], group.id, "  hello  ", client_id="c-1")
    data = messages.to_dict(message)
    assert data["body"] == "hello"
    assert data["sender"] == {"id": trio[0].id, "username": "ann", "display_name": ""}
    assert data["conversation_id"] == group.id
    assert data["client_id"] == "c-1"
    assert data["edited_at"] is None
    assert data["reply_to"] is None


def test_the_announced_payload_is_the_stored_message(app, trio, group):
    """The payload is built before the commit; read back afterwards it is the same."""
    first = sent_message(trio[1], group.id, "first")
    picture = attachments.upload(trio[0], group.id, io.BytesIO(PNG), "cat.png")
    described = messages.send(
        trio[0], group.id, "hi @ben", client_id="c-9", reply_to=first.id, attachment_id=picture.id
    )
    db.session.expire_all()
    assert described == messages.to_dict(db.session.get(Message, described["id"]))
    assert described["attachment"]["id"] == picture.id
    # A retry with the same client_id describes the stored message the same way.
    retried = messages.send(trio[0], group.id, "hi @ben", client_id="c-9")
    assert retried == described


def test_same_client_id_stores_one_message(app, trio, group):
    first = sent_message(trio[0], group.id, "once", client_id="retry-me")
    second = sent_message(trio[0], group.id, "once", client_id="retry-me")
    assert first.id == second.id
    assert count_messages(group.id) == 1
    other = sent_message(trio[1], group.id, "mine", client_id="retry-me")
    assert other.id != first.id


def test_concurrent_sends_with_one_client_id_store_one_row(app, trio, group):
    # Read here: the fixture's objects belong to this thread's session, which the racing
    # threads must not touch (a lazy load from four threads at once is an error).
    sender_id, group_id = trio[0].id, group.id

    def send():
        actor = db.session.get(User, sender_id)
        return sent_message(actor, group_id, "race", client_id="same").id

    ids = race(app, *[send] * 4)
    assert len(set(ids)) == 1
    assert count_messages(group.id) == 1


@pytest.mark.parametrize(
    ("body", "extra", "field"),
    [
        ("", {}, "body"),
        ("   ", {}, "body"),
        (None, {}, "body"),
        (42, {}, "body"),
        ("x" * 4001, {}, "body"),
        ("ok", {"client_id": ""}, "client_id"),
        ("ok", {"client_id": "c" * 65}, "client_id"),
        ("ok", {"client_id": 7}, "client_id"),
        ("ok", {"reply_to": "1"}, "reply_to"),
        ("ok", {"reply_to": 99999}, "reply_to"),
        ("ok", {"attachment_id": 99999}, "attachment_id"),
    ],
)
def test_send_bad_input(app, trio, group, body, extra, field):
    with pytest.raises(ValidationError) as caught:
        sent_message(trio[0], group.id, body, **extra)
    assert caught.value.field == field


def test_4000_characters_is_fine(app, trio, group):
    assert len(sent_message(trio[0], group.id, "x" * 4000).body) == 4000


def test_reply_must_be_in_the_same_conversation(app, trio, group):
    elsewhere = conversations.open_direct(trio[0], "ben")
    outside = sent_message(trio[0], elsewhere.id, "dm")
    with pytest.raises(ValidationError):
        sent_message(trio[0], group.id, "reply", reply_to=outside.id)
    original = sent_message(trio[1], group.id, "question?")
    assert (
        sent_message(trio[0], group.id, "answer", reply_to=original.id).reply_to_id == original.id
    )


def test_edit_own_only(app, trio, group):
    message = sent_message(trio[0], group.id, "draft")
    with pytest.raises(Forbidden):
        message_edits.edit(trio[1], message.id, "hijack")
    edited = message_edits.edit(trio[0], message.id, "final")
    assert edited.body == "final"
    assert messages.to_dict(edited)["edited_at"] is not None


def test_delete_own_or_by_managers_and_content_is_gone(app, trio, group):
    mine = sent_message(trio[1], group.id, "oops")
    theirs = sent_message(trio[2], group.id, "rude")
    with pytest.raises(Forbidden):
        message_edits.delete(trio[1], theirs.id)
    message_edits.delete(trio[1], mine.id)
    message_edits.delete(trio[0], theirs.id)  # ann owns the group
    for message in (mine, theirs):
        data = messages.to_dict(message)
        assert data["deleted"] is True
        assert data["body"] == ""
    with pytest.raises(NotFound):
        message_edits.edit(trio[1], mine.id, "undo")


def test_nobody_deletes_the_other_persons_direct_messages(app, trio):
    dm = conversations.open_direct(trio[0], "ben")
    message = sent_message(trio[1], dm.id, "mine")
    with pytest.raises(Forbidden):
        message_edits.delete(trio[0], message.id)


def test_reactions_toggle(app, trio, group):
    message = sent_message(trio[0], group.id, "nice")
    message_edits.react(trio[1], message.id, "👍")
    message_edits.react(trio[2], message.id, "👍")
    message_edits.react(trio[2], message.id, "🎉")
    summary = {r["emoji"]: r["count"] for r in messages.to_dict(message)["reactions"]}
    assert summary == {"👍": 2, "🎉": 1}
    message_edits.react(trio[2], message.id, "👍")
    summary = {r["emoji"]: r["count"] for r in messages.to_dict(message)["reactions"]}
    assert summary == {"👍": 1, "🎉": 1}
    for bad in ("", "x", ":)", "🎉" * 20, 5):
        with pytest.raises(ValidationError):
            message_edits.react(trio[1], message.id, bad)


def test_unread_counts_and_read_receipts(app, trio, group):
    ann, ben, _cal = trio
    first = sent_message(ann, group.id, "one")
    second = sent_message(ann, group.id, "two")
    by_id = {c["id"]: c for c in conversation_listing.overview(ben)}
    assert by_id[group.id]["unread_count"] == 2
    assert by_id[group.id]["last_message"]["body"] == "two"
    assert message_reading.unread_total(ann) == 0  # one's own messages are read
    message_reading.mark_read(ben, group.id, first.id)
    assert message_reading.unread_total(ben) == 1
    message_reading.mark_read(ben, group.id, second.id)
    message_reading.mark_read(ben, group.id, first.id)  # never moves back
    assert message_reading.unread_total(ben) == 0
    assert [p["username"] for p in message_reading.seen_by(ann, group.id, second.id)] == ["ben"]
    with pytest.raises(ValidationError):
        message_reading.mark_read(ben, group.id, 424242)
    elsewhere = conversations.create_group(ann, "Elsewhere", ["ben"])
    other = sent_message(ann, elsewhere.id, "not here")
    with pytest.raises(ValidationError):  # receipts only for the conversation's own messages
        message_reading.seen_by(ann, group.id, other.id)


def test_history_pages_back_by_id(app, trio, group):
    sent = [sent_message(trio[0], group.id, f"m{n}") for n in range(7)]
    page = message_reading.history(trio[1], group.id, limit=3)
    assert [m.body for m in page] == ["m6", "m5", "m4"]
    older = message_reading.history(trio[1], group.id, before=page[-1].id, limit=3)
    assert [m.body for m in older] == ["m3", "m2", "m1"]
    assert message_reading.history(trio[1], group.id, before=sent[0].id) == []
    with pytest.raises(ValidationError):
        message_reading.history(trio[1], group.id, limit=101)


def test_search_only_in_my_conversations(app, trio, group, user_factory):
    outsider = user_factory("dora")
    sent_message(trio[0], group.id, "The Big Lebowski tonight?")
    sent_message(trio[0], group.id, "100% sure_thing")

    def found(person, query):
        return [hit.snippet_html.striptags() for hit in search.search(person, query).hits]

    assert found(trio[1], "lebowski") == ["The Big Lebowski tonight?"]
    assert found(trio[1], "100%") == ["100% sure_thing"]
    assert found(trio[1], "sure_thing") == ["100% sure_thing"]
    assert found(outsider, "lebowski") == []


def test_mentions_notify_members_only(app, trio, group, user_factory):
    user_factory("dora")
    sent_message(trio[0], group.id, "hey @ben and @dora and @ann, look")
    assert [n.kind for n in notifications.listing(trio[1].id) if n.kind == "mention"] == ["mention"]
    assert notifications.listing(user_factory("eve").id) == []
    dora_kinds = [n.kind for n in notifications.listing(trio[2].id)]
    assert "mention" not in dora_kinds


@pytest.fixture
def unread_checks(monkeypatch) -> list[int]:
    """The ids of the direct messages whose delayed unread check has run."""
    done: list[int] = []
    check = messages._notify_if_unread

    def recorded(app, message_id: int) -> None:
        try:
            check(app, message_id)
        finally:
            done.append(message_id)

    monkeypatch.setattr(messages, "_notify_if_unread", recorded)
    return done


def test_unread_direct_message_becomes_a_notification(app, trio, unread_checks):
    app.config["DM_NOTIFY_DELAY_SECONDS"] = 0.01
    dm = conversations.open_direct(trio[0], "ben")
    unread = sent_message(trio[0], dm.id, "are you there?")
    wait_until(lambda: unread.id in unread_checks)  # ben does not read it
    assert [n.kind for n in notifications.listing(trio[1].id)] == ["message"]
    read_quickly = sent_message(trio[1], dm.id, "yes")
    message_reading.mark_read(trio[0], dm.id, read_quickly.id)  # ann is looking
    wait_until(lambda: read_quickly.id in unread_checks)
    assert notifications.listing(trio[0].id) == []


def test_no_away_notification_while_the_conversation_is_open(app, trio, unread_checks):
    """A direct message shown on an open conversation page of its recipient (on any
    worker: the viewing leases) is not turned into a notification, even unread."""
    app.config["DM_NOTIFY_DELAY_SECONDS"] = 0.01
    dm = conversations.open_direct(trio[0], "ben")
    bus.viewing.started(dm.id, trio[1].id)  # ben's page of the conversation is open
    seen = sent_message(trio[0], dm.id, "see this?")
    wait_until(lambda: seen.id in unread_checks)
    assert notifications.listing(trio[1].id) == []
    assert bus.viewing.store.release(dm.id, trio[1].id)  # ben closed the page
    unseen = sent_message(trio[0], dm.id, "and this?")
    wait_until(lambda: unseen.id in unread_checks)
    assert [n.kind for n in notifications.listing(trio[1].id)] == ["message"]


def test_attachments_are_checked_and_for_members(app, trio, group, user_factory):
    picture = attachments.upload(trio[0], group.id, io.BytesIO(PNG), "../../cat.png")
    assert picture.content_type == "image/png"
    assert picture.original_name == "cat.png"
    message = sent_message(trio[0], group.id, "", attachment_id=picture.id)
    assert messages.to_dict(message)["attachment"]["url"].endswith(f"/files/{picture.id}")
    with pytest.raises(ValidationError):  # one attachment, one message
        sent_message(trio[0], group.id, "again", attachment_id=picture.id)
    other = attachments.upload(trio[0], group.id, io.BytesIO(b"plain notes\n"), "notes.exe")
    assert other.content_type == "text/plain"
    with pytest.raises(ValidationError):  # only the uploader may send it
        sent_message(trio[1], group.id, "mine now", attachment_id=other.id)
    attachments.for_download(trio[1], group.id, picture.id)
    with pytest.raises(NotFound):
        attachments.for_download(user_factory("dora"), group.id, picture.id)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "unsupported_type"),
        (b"\x00\x01\x02binary", "unsupported_type"),
        (b"", "invalid"),
    ],
)
def test_attachment_types_by_content(app, trio, group, data, code):
    with pytest.raises(ValidationError) as caught:
        attachments.upload(trio[0], group.id, io.BytesIO(data), "innocent.png")
    assert caught.value.code == code


def test_attachment_size_limit(app, trio, group):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    with pytest.raises(ValidationError) as caught:
        attachments.upload(trio[0], group.id, io.BytesIO(b"a" * 1025), "big.txt")
    assert caught.value.code == "too_large"


def test_overview_costs_the_same_few_queries_for_many_conversations(app, trio, user_factory):
    from sqlalchemy import event

    ann = trio[0]

    def queries_for_overview() -> int:
        statements = []

        def count(*_args) -> None:
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            conversation_listing.overview(ann)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    first = conversations.open_direct(ann, "ben")
    sent_message(trio[1], first.id, "hello")
    few = queries_for_overview()
    for n in range(8):
        partner = user_factory(f"pal{n}")
        dm = conversations.open_direct(ann, partner.username)
        sent_message(partner, dm.id, "hi")
    assert queries_for_overview() == few
