"""The home page: what the site is when signed out, one's own page when signed in, and
the fragments that keep its regions live."""

from __future__ import annotations

import pytest

from realtime.events import Envelope
from realtime.fragments import render_fragments
from services import conversations, message_reading, messages, notifications, parties, social
from tests.conftest import csrf_token
from tests.support.messages import sent_message

VIDEO = "https://example.com/film.mp4"


@pytest.fixture
def ben(user_factory):
    return user_factory("ben")


def test_signed_out_the_site_in_three_lines(client):
    page = client.get("/").get_data(as_text=True)
    assert page.count("<li><strong>") == 3
    assert "Create an account" in page
    assert "Welcome back" not in page


def test_one_welcome_after_signing_up(client):
    client.get("/register")
    response = client.post(
        "/register",
        data={
            "username": "nina",
            "password": "correct horse battery",
            "confirm": "correct horse battery",
            "csrf_token": csrf_token(client),
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert page.count("Welcome") == 1  # the flash only, no "Welcome back"
    assert "What Tandem is" in page  # a first visit explains the site


def test_signed_in_home_shows_parties_unread_notifications_and_people(
    app, logged_in_client, user_factory, ben
):
    alice = logged_in_client.user
    user_factory("cat")
    social.follow(alice, "ben")
    social.follow(ben, "cat")
    party = parties.create(ben, {"title": "Ben's film night", "media_url": VIDEO})
    dm = conversations.open_direct(ben, "alice")
    sent_message(ben, dm.id, "are you coming?")
    sent_message(ben, dm.id, "starting now")
    page = logged_in_client.get("/").get_data(as_text=True)
    assert "Welcome back" not in page
    assert "What Tandem is" not in page  # not a first visit any more
    assert f'id="home-party-{party.id}"' in page
    assert "Ben&#39;s film night" in page
    assert f'id="home-unread-{dm.id}"' in page
    assert '<span class="badge">2<span class="visually-hidden"> unread</span>' in page
    assert "started" in page  # ben's party started, notified
    assert 'href="/u/cat"' in page  # a friend of a friend to follow
    for name in ("home-party", "home-unread", "home-unread-gone", "notification-item"):
        assert f'sse-swap="{name}"' in page


def test_home_fragments_follow_parties_and_unread_counts(app, logged_in_client, ben):
    alice = logged_in_client.user
    social.follow(alice, "ben")
    party = parties.create(ben, {"title": "Live now", "media_url": VIDEO})
    [started] = notifications.listing(alice.id, limit=1)
    note = notifications.to_dict(started, 1)
    dm = conversations.open_direct(ben, "alice")
    sent = sent_message(ben, dm.id, "hello")
    data = messages.to_dict(sent)
    with app.test_request_context("/events/html"):
        on_note = dict(
            render_fragments(Envelope("u", "notification:new", note), frozenset(), alice.id)
        )
        to_alice = dict(render_fragments(Envelope("c", "message:new", data), frozenset(), alice.id))
        to_ben = dict(render_fragments(Envelope("c", "message:new", data), frozenset(), ben.id))
    assert (
        on_note["home-party"]
        .lstrip()
        .startswith(f'<li class="party-card" id="home-party-{party.id}"')
    )
    assert f'id="home-unread-{dm.id}"' in to_alice["home-unread"]
    assert "data-live-move" in to_alice["home-unread"]
    assert ">1<span" in to_alice["home-unread"]
    assert "home-unread" not in to_ben  # ben wrote it: nothing unread for him
    assert f'id="home-unread-{dm.id}" hx-swap-oob="delete"' in to_ben["home-unread-gone"]
    message_reading.mark_read(alice, dm.id, sent.id)
    read = Envelope(
        "c", "message:read", {"conversation_id": dm.id, "message_id": sent.id, "user_id": alice.id}
    )
    with app.test_request_context("/events/html"):
        after = dict(render_fragments(read, frozenset(), alice.id))
    assert "home-unread" not in after
    assert "home-unread-gone" in after


def test_a_repeat_notification_rises_to_the_top_live(app, logged_in_client, user_factory):
    alice = logged_in_client.user
    for name in ("ben", "cat"):
        social.follow(user_factory(name), "alice")
    [collapsed] = notifications.listing(alice.id)
    note = notifications.to_dict(collapsed, 1)
    with app.test_request_context("/events/html"):
        html = dict(
            render_fragments(Envelope("u", "notification:new", note), frozenset(), alice.id)
        )
    item = html["notification-item"]
    assert "data-live-move" in item
    assert "hx-swap-oob" not in item
