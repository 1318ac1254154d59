"""Every destructive form asks first. Without JavaScript the first POST answers with a
confirmation page and changes nothing; the page's own form (confirm=yes) does it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from extensions import db
from models.conversation import Conversation, Message
from models.party import Party
from models.user import Role, User
from services import conversation_members, conversations, parties, party_access, party_membership
from services.conversation_access import membership_of
from tests.support.messages import sent_message
from tests.support.pages import csrf_token, signed_in

VIDEO = "https://media.example/film.mp4"


def fresh(model, row_id: int):
    db.session.expire_all()
    return db.session.get(model, row_id)


def asks_then_acts(client, url: str, done: Callable[[], bool], **fields: str) -> str:
    """Post the form as a browser without JavaScript would; give the confirmation page."""
    first = client.post(url, data={"csrf_token": csrf_token(client), **fields})
    assert first.status_code == 200, first.status_code
    page = first.get_data(as_text=True)
    assert not done(), "the first POST acted without asking"
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*data-sure>(.*?)</form>', page, re.S)
    assert form, "no confirmation form"
    assert form.group(1) == url
    assert '<input type="hidden" name="confirm" value="yes">' in form.group(2)
    for name, value in fields.items():
        assert f'name="{name}" value="{value}"' in form.group(2)
    assert 'class="button danger"' in form.group(2)
    assert "Cancel</a>" in form.group(2)
    sure = client.post(url, data={"csrf_token": csrf_token(client), **fields, "confirm": "yes"})
    assert sure.status_code in (200, 302, 204), sure.status_code
    assert done(), "the confirmed POST did not act"
    return page


@pytest.fixture
def alice(user_factory) -> User:
    return user_factory("alice")


@pytest.fixture
def ben(user_factory) -> User:
    return user_factory("ben")


@pytest.fixture
def alice_client(app, alice):
    return signed_in(app, "alice")


def test_deleting_your_own_message(alice, ben, alice_client):
    dm = conversations.open_direct(alice, "ben").id
    mine = sent_message(alice, dm, "regrettable words")
    page = asks_then_acts(
        alice_client,
        f"/conversations/{dm}/messages/{mine.id}/delete",
        lambda: fresh(Message, mine.id).deleted_at is not None,
    )
    assert "Delete this message?" in page


def test_a_manager_deleting_someone_elses_message(alice, ben, alice_client):
    group = conversations.create_group(alice, "Mods", ["ben"])
    theirs = sent_message(ben, group.id, "spam spam")
    asks_then_acts(
        alice_client,
        f"/conversations/{group.id}/messages/{theirs.id}/delete",
        lambda: fresh(Message, theirs.id).deleted_at is not None,
    )


def test_removing_a_group_member(alice, ben, alice_client):
    group = conversations.create_group(alice, "Mods", ["ben"])
    page = asks_then_acts(
        alice_client,
        f"/conversations/{group.id}/members/ben/remove",
        lambda: membership_of(group.id, ben.id) is None,
    )
    assert "Remove ben?" in page


def test_removing_a_room_member(alice, ben, alice_client):
    room = conversations.create_room(alice, "Open room")
    conversation_members.join(ben, room.id)
    asks_then_acts(
        alice_client,
        f"/conversations/{room.id}/members/ben/remove",
        lambda: membership_of(room.id, ben.id) is None,
    )


def test_deleting_a_group(alice, ben, alice_client):
    group = conversations.create_group(alice, "Book club", ["ben"])
    page = asks_then_acts(
        alice_client,
        f"/conversations/{group.id}/delete",
        lambda: fresh(Conversation, group.id).deleted_at is not None,
    )
    assert "Delete “Book club” for everyone?" in page


def test_ending_a_party(alice, alice_client):
    party = parties.create(alice, {"title": "Film night", "media_url": VIDEO})
    page = asks_then_acts(
        alice_client, f"/parties/{party.id}/end", lambda: fresh(Party, party.id).status == "ended"
    )
    assert "End “Film night” for everyone?" in page


def test_removing_someone_from_a_party(alice, ben, alice_client):
    party = parties.create(alice, {"title": "Film night", "media_url": VIDEO})
    party_membership.join_by_code(ben, party.code)
    asks_then_acts(
        alice_client,
        f"/parties/{party.id}/participants/ben/remove",
        lambda: party_access.participant_of(party.id, ben.id).status == "removed",
    )


def test_a_refusal_is_not_hidden_behind_a_confirmation(alice, ben, app):
    party = parties.create(alice, {"title": "Film night", "media_url": VIDEO})
    party_membership.join_by_code(ben, party.code)
    ben_client = signed_in(app, "ben")
    response = ben_client.post(
        f"/parties/{party.id}/end", data={"csrf_token": csrf_token(ben_client)}
    )
    assert response.status_code == 403
    assert fresh(Party, party.id).status != "ended"


@pytest.fixture
def mod(app, user_factory):
    user_factory("moe", role=Role.MODERATOR)
    return signed_in(app, "moe")


def test_banning_someone(mod, user_factory):
    troll = user_factory("trol")
    page = asks_then_acts(
        mod,
        "/admin/users/trol/ban",
        lambda: fresh(User, troll.id).is_banned,
        reason="spam links",
        expires_at="",
    )
    assert "Ban trol?" in page


def test_ending_a_party_and_closing_a_room_as_staff(mod, user_factory):
    host = user_factory("hana")
    party = parties.create(host, {"title": "Loud party", "media_url": VIDEO})
    room = conversations.create_room(host, "Noisy room")
    asks_then_acts(
        mod,
        f"/admin/parties/{party.id}/end",
        lambda: fresh(Party, party.id).status == "ended",
        reason="off topic",
    )
    asks_then_acts(
        mod,
        f"/admin/rooms/{room.id}/close",
        lambda: fresh(Conversation, room.id).deleted_at is not None,
        reason="spam",
    )
