"""Conversation rules: who may do what (roles x actions), direct pairs, membership."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from models.conversation import Conversation, Membership
from models.user import User
from realtime import store
from realtime.channels import channels_for
from realtime.events import presence_channel
from services import (
    conversation_access,
    conversation_listing,
    conversation_members,
    conversation_settings,
    conversations,
    message_edits,
    message_reading,
    messages,
    search,
    social,
)
from services.conversation_access import channel
from services.conversations import MEMBER_UPDATED
from tests.support.concurrency import race
from tests.support.messages import sent_message


@pytest.fixture
def cast(user_factory):
    """owner, admin, member, outsider: the roles of one group."""
    names = ("olive", "adam", "mia", "otto")
    return dict(
        zip(("owner", "admin", "member", "outsider"), (user_factory(n) for n in names), strict=True)
    )


@pytest.fixture
def group(cast):
    conversation = conversations.create_group(cast["owner"], "Film club", ["adam", "mia"])
    conversation_members.set_role(cast["owner"], conversation.id, "adam", "admin")
    return conversation


def test_direct_conversation_is_one_per_pair(app, cast):
    first = conversations.open_direct(cast["owner"], "mia")
    again = conversations.open_direct(cast["member"], "OLIVE")
    assert first.id == again.id
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 1
    assert conversations.to_dict(first, cast["owner"].id)["other"]["username"] == "mia"


def test_simultaneous_direct_creates_give_one(app, cast):
    def create(actor_id: int, other: str):
        return lambda: conversations.open_direct(db.session.get(User, actor_id), other).id

    results = race(app, create(cast["owner"].id, "mia"), create(cast["member"].id, "olive"))
    assert len(set(results)) == 1
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 1


def test_no_direct_conversation_with_someone_who_blocked_you(app, cast):
    social.block(cast["member"], "olive")
    with pytest.raises(Forbidden):
        conversations.open_direct(cast["owner"], "mia")
    with pytest.raises(ValidationError):
        conversations.open_direct(cast["owner"], "olive")


def test_blocking_stops_sending_in_an_existing_direct_conversation(app, cast):
    dm = conversations.open_direct(cast["owner"], "mia")
    sent_message(cast["owner"], dm.id, "hello")
    social.block(cast["member"], "olive")
    with pytest.raises(Forbidden):
        sent_message(cast["owner"], dm.id, "still there?")


# The matrix: each action by each role, in a private group.
ACTIONS = {
    "read": lambda actor, c, people: message_reading.history(actor, c.id),
    "send": lambda actor, c, people: sent_message(actor, c.id, "hi"),
    "typing": lambda actor, c, people: messages.typing(actor, c.id, True),
    "members": lambda actor, c, people: conversation_listing.members(actor, c.id),
    "add": lambda actor, c, people: conversation_members.add_member(actor, c.id, "newbie"),
    "kick member": lambda actor, c, people: conversation_members.remove_member(actor, c.id, "mia"),
    "kick admin": lambda actor, c, people: conversation_members.remove_member(actor, c.id, "adam"),
    "mute member": lambda actor, c, people: conversation_members.mute(actor, c.id, "mia", 5),
    "promote": lambda actor, c, people: conversation_members.set_role(actor, c.id, "mia", "admin"),
    "rename": lambda actor, c, people: conversation_settings.update(actor, c.id, {"name": "New"}),
    "delete": lambda actor, c, people: conversation_settings.delete(actor, c.id),
}
ALLOWED = {
    "owner": set(ACTIONS),
    "admin": {"read", "send", "typing", "members", "add", "kick member", "mute member", "rename"},
    "member": {"read", "send", "typing", "members"},
    "outsider": set(),
}


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(app, cast, group, user_factory, role, action):
    user_factory("newbie")
    actor = cast[role]
    if action in ALLOWED[role]:
        ACTIONS[action](actor, group, cast)
    else:
        expected = NotFound if role == "outsider" else Forbidden
        with pytest.raises(expected):
            ACTIONS[action](actor, group, cast)


def test_private_conversations_do_not_exist_for_outsiders(app, cast, group):
    message = sent_message(cast["member"], group.id, "secret")
    for attempt in (
        lambda: conversations.get(cast["outsider"], group.id),
        lambda: conversation_members.join(cast["outsider"], group.id),
        lambda: message_edits.edit(cast["outsider"], message.id, "x"),
        lambda: message_edits.delete(cast["outsider"], message.id),
        lambda: message_edits.react(cast["outsider"], message.id, "👍"),
        lambda: message_reading.mark_read(cast["outsider"], group.id, message.id),
        lambda: conversations.get(cast["outsider"], 999_999),
        lambda: conversations.get(cast["outsider"], "1"),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert search.search(cast["outsider"], "secret").hits == []


def test_public_rooms_are_listed_joinable_and_limited(app, cast, user_factory):
    room = conversations.create_room(
        cast["owner"], "Cooking", "public", category="recipes", member_limit=3
    )
    conversations.create_room(cast["owner"], "Hidden", "private")
    assert [r.name for r in conversation_listing.directory()] == ["Cooking"]
    assert [r.name for r in conversation_listing.directory("cook")] == ["Cooking"]
    assert conversation_listing.directory(category="news") == []
    with pytest.raises(Forbidden):
        sent_message(cast["outsider"], room.id, "let me in")
    conversation_members.join(cast["outsider"], room.id)
    conversation_members.join(cast["outsider"], room.id)  # joining twice changes nothing
    conversation_members.join(cast["member"], room.id)
    with pytest.raises(Conflict):
        conversation_members.join(cast["admin"], room.id)
    assert conversations.member_count(room.id) == 3


def test_private_rooms_are_invite_only(app, cast):
    room = conversations.create_room(cast["owner"], "Inner circle", "private")
    with pytest.raises(NotFound):
        conversation_members.join(cast["outsider"], room.id)
    conversation_members.add_member(cast["owner"], room.id, "otto")
    assert conversations.get(cast["outsider"], room.id).is_member


def test_muted_member_cannot_send_until_unmuted(app, cast, group):
    conversation_members.mute(cast["admin"], group.id, "mia", 10)
    with pytest.raises(Forbidden) as caught:
        sent_message(cast["member"], group.id, "hello?")
    assert caught.value.code == "muted"
    conversation_members.mute(cast["admin"], group.id, "mia", 0)
    sent_message(cast["member"], group.id, "hello!")


def test_owner_leaving_hands_over_and_the_last_one_out_closes(app, cast, group):
    conversation_members.leave(cast["owner"], group.id)
    assert conversations.get(cast["admin"], group.id).is_owner
    told = [e for e in store.read_after(0, [channel(group.id)]) if e.name == MEMBER_UPDATED]
    assert [(e.data["user"]["id"], e.data["role"]) for e in told][-1] == (cast["admin"].id, "owner")
    conversation_members.leave(cast["admin"], group.id)
    conversation_members.leave(cast["member"], group.id)
    with pytest.raises(NotFound):
        conversations.get(cast["member"], group.id)


def test_system_messages_record_joins_leaves_and_renames(app, cast, group):
    conversation_members.add_member(cast["owner"], group.id, "otto")
    conversation_settings.update(cast["owner"], group.id, {"name": "Cinema club"})
    conversation_members.leave(cast["outsider"], group.id)
    texts = [
        m.body
        for m in reversed(message_reading.history(cast["owner"], group.id))
        if m.kind == "system"
    ]
    assert texts == ["otto joined.", "olive renamed this to “Cinema club”.", "otto left."]


def test_a_system_line_is_no_news_to_whoever_caused_it(app, cast, group):
    """Who added, removed or renamed has read the line recording it; the others have not."""
    owner, admin, member = cast["owner"], cast["admin"], cast["member"]

    def unread(person) -> int:
        [row] = [r for r in conversation_listing.overview(person) if r["id"] == group.id]
        return row["unread_count"]

    hello = sent_message(owner, group.id, "hello")
    for person in (admin, member):
        message_reading.mark_read(person, group.id, hello.id)
    conversation_settings.update(admin, group.id, {"name": "Cinema club"})
    assert (unread(owner), unread(admin), unread(member)) == (1, 0, 1)
    conversation_members.add_member(owner, group.id, "otto")
    assert unread(cast["outsider"]) == 0  # the one who joined
    conversation_members.remove_member(owner, group.id, "otto")
    # The owner's own doings are read up to the last (a read position, as ever).
    assert (unread(owner), unread(admin), unread(member)) == (0, 2, 3)


def test_membership_decides_the_channels_of_a_stream(app, cast, group):
    assert conversation_access.channel(group.id) in channels_for(cast["member"].id)
    assert conversation_access.channel(group.id) not in channels_for(cast["outsider"].id)
    conversation_members.remove_member(cast["owner"], group.id, "mia")
    assert conversation_access.channel(group.id) not in channels_for(cast["member"].id)
    dm = conversations.open_direct(cast["owner"], "otto")
    assert presence_channel(cast["outsider"].id) in channels_for(cast["owner"].id)
    assert conversation_access.channel(dm.id) in channels_for(cast["outsider"].id)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda a: conversations.create_group(a, "", []), "name"),
        (lambda a: conversations.create_group(a, "x" * 81, []), "name"),
        (lambda a: conversations.create_group(a, 5, []), "name"),
        (lambda a: conversations.create_group(a, "ok", "mia"), "members"),
        (lambda a: conversations.create_group(a, "ok", ["ghost"]), "members"),
        (lambda a: conversations.create_group(a, "ok", [], "d" * 501), "description"),
        (lambda a: conversations.create_group(a, "ok", [], "", "crypto"), "category"),
        (lambda a: conversations.create_room(a, "ok", "secret"), "visibility"),
        (lambda a: conversations.create_room(a, "ok", "public", member_limit=1), "member_limit"),
        (lambda a: conversations.create_room(a, "ok", "public", member_limit="9"), "member_limit"),
    ],
)
def test_bad_input_names_the_field(app, cast, call, field):
    with pytest.raises(ValidationError) as caught:
        call(cast["owner"])
    assert caught.value.field == field


def test_memberships_are_unique(app, cast, group):
    conversation_members.add_member(cast["owner"], group.id, "mia")
    count = db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.conversation_id == group.id)
    )
    assert count == 3


def test_typing_reads_its_check_outside_any_session(app, cast, group):
    """Typing, the commonest event after a send, changes no row: its check reads on a
    pooled connection, and it opens no session (whose bookkeeping cost more than the read)."""
    member, conversation_id = db.session.get(User, cast["member"].id), group.id
    db.session.refresh(member)
    db.session.expunge(member)
    db.session.remove()
    messages.typing(member, conversation_id, True)
    assert not db.session.registry.has()
    with pytest.raises(NotFound):
        messages.typing(member, conversation_id + 1000, True)
    assert not db.session.registry.has()
