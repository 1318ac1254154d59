"""New accounts' links are held back for a while; everything else goes through."""

from __future__ import annotations

from datetime import timedelta

import pytest

from errors import ValidationError
from extensions import db
from models.clock import utcnow
from models.user import Role
from services import conversations, message_edits, parties, party_chat, profiles
from tests.support.messages import sent_message


@pytest.fixture
def held(app):
    app.config["NEW_ACCOUNT_LINK_HOLD_SECONDS"] = 3600.0
    return app


@pytest.mark.parametrize(
    "text", ["see https://spam.example/buy", "HTTP://SPAM.EXAMPLE", "go to www.spam.example now"]
)
def test_a_new_accounts_links_are_refused_in_words(held, user_factory, text):
    fresh = user_factory("fresh")
    user_factory("friend")
    chat = conversations.open_direct(fresh, "friend")
    with pytest.raises(ValidationError) as caught:
        sent_message(fresh, chat.id, text)
    assert caught.value.code == "links_held"
    assert "about 1 hour" in caught.value.message
    assert sent_message(fresh, chat.id, "plain words are fine").body == "plain words are fine"


def test_links_are_held_in_edits_bios_and_party_chat(held, user_factory):
    fresh = user_factory("fresh")
    user_factory("friend")
    chat = conversations.open_direct(fresh, "friend")
    sent = sent_message(fresh, chat.id, "hello")
    with pytest.raises(ValidationError):
        message_edits.edit(fresh, sent.id, "now https://spam.example")
    with pytest.raises(ValidationError) as caught:
        profiles.update_profile(fresh, "Fresh", "my site: https://spam.example", 0)
    assert caught.value.field == "bio"
    party = parties.create(fresh, {"title": "Film", "media_url": "https://v.example/a.mp4"})
    with pytest.raises(ValidationError):
        party_chat.send(fresh, party.id, "https://spam.example")


def test_the_hold_ends_and_staff_are_trusted(held, user_factory):
    seasoned = user_factory("seasoned")
    seasoned.created_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    moderator = user_factory("moe", role=Role.MODERATOR)
    user_factory("friend")
    for person in (seasoned, moderator):
        chat = conversations.open_direct(person, "friend")
        assert sent_message(person, chat.id, "https://ok.example").body == "https://ok.example"


def test_the_hold_can_be_turned_off(app, user_factory):
    app.config["NEW_ACCOUNT_LINK_HOLD_SECONDS"] = 0.0
    fresh = user_factory("fresh")
    user_factory("friend")
    chat = conversations.open_direct(fresh, "friend")
    assert sent_message(fresh, chat.id, "https://ok.example").body == "https://ok.example"
