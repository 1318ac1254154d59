"""People pages: profile, buttons with and without htmx, lists, search, settings,
notifications."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from extensions import db
from models.clock import utcnow
from services import accounts, notifications, social
from tests.conftest import PASSWORD, csrf_token
from tests.support.pages import hx_post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def ben(user_factory):
    return user_factory("ben")


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def test_profile_shows_counts_presence_and_buttons(logged_in_client, ben):
    page = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "@ben" in page
    assert "0</strong> followers" in page
    assert "Offline" in page
    assert 'sse-swap="presence-' in page
    assert ">\n            Follow" in page or "Follow<span" in page


def test_follow_without_js_redirects_back(logged_in_client, ben):
    response = post(logged_in_client, "/u/ben/follow")
    assert response.status_code == 302
    assert response.headers["Location"] == "/u/ben"
    page = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "1</strong> follower<" in page
    assert "Unfollow" in page


def test_follow_with_htmx_returns_the_buttons(logged_in_client, ben):
    response = logged_in_client.post(
        "/u/ben/follow", headers={"HX-Request": "true", "X-CSRFToken": csrf_token(logged_in_client)}
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div class="relation"')
    assert "Unfollow" in fragment


def test_buttons_need_csrf(logged_in_client, ben):
    assert logged_in_client.post("/u/ben/follow").status_code == 400
    assert social.counts(ben.id)["followers"] == 0


def test_block_from_the_profile(logged_in_client, ben):
    post(logged_in_client, "/u/ben/follow")
    # It deletes comments, so without scripts it asks on a page of its own first.
    asked = post(logged_in_client, "/u/ben/block").get_data(as_text=True)
    assert "Block ben?" in asked
    assert "comments each of you wrote under the other&#39;s posts are deleted" in asked
    assert social.counts(ben.id)["followers"] == 1  # nothing done yet: still following
    post(logged_in_client, "/u/ben/block", confirm="yes")
    page = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "You blocked this person." in page
    assert "Unblock" in page
    assert "Follow<span" not in page


def test_blocked_viewer_sees_no_presence(logged_in_client, ben):
    social.block(ben, "alice")
    page = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "presence-slot" not in page


def test_unknown_profile_is_404(logged_in_client):
    assert logged_in_client.get("/u/nobody").status_code == 404


def test_follower_list_and_search(logged_in_client, ben):
    post(logged_in_client, "/u/ben/follow")
    page = logged_in_client.get("/u/ben/followers").get_data(as_text=True)
    assert "@alice" in page
    assert "1 person" in page
    found = logged_in_client.get("/people?q=be").get_data(as_text=True)
    assert 'href="/u/ben"' in found
    nothing = logged_in_client.get("/people?q=zzz").get_data(as_text=True)
    assert "Nobody matches" in nothing


def test_people_page_suggests_before_anyone_types(logged_in_client, ben, user_factory):
    """People to follow (friends of friends) and people signed in lately, with no query;
    a search shows only its matches."""
    cat = user_factory("cat")
    post(logged_in_client, "/u/ben/follow")
    social.follow(ben, "cat")
    accounts.start_sign_in(cat)  # cat signed in just now
    page = logged_in_client.get("/people").get_data(as_text=True)
    suggested, recent = page.split("People you may know")[1].split("Active lately")
    assert 'href="/u/cat"' in suggested
    assert 'href="/u/ben"' not in suggested  # already followed
    assert 'href="/u/cat"' in recent
    assert 'href="/u/alice"' not in recent  # not oneself
    assert f'sse-swap="presence-{cat.id}"' in page
    searched = logged_in_client.get("/people?q=ben").get_data(as_text=True)
    assert "People you may know" not in searched


def test_a_suggestion_says_why_and_is_followed_in_place(logged_in_client, ben):
    """Someone who follows you is suggested as such, with a Follow button; with htmx the
    button turns into "Following" where it stood, and the suggestion is gone next time."""
    social.follow(ben, "alice")
    home = logged_in_client.get("/").get_data(as_text=True)
    people = home.split("People to follow")[1]
    assert 'href="/u/ben"' in people
    assert '<span class="person-note">Follows you</span>' in people
    assert 'action="/u/ben/follow"' in people
    answer = hx_post(logged_in_client, "/u/ben/follow", shown="suggestion")
    assert answer.status_code == 200
    assert "Following" in answer.get_data(as_text=True)
    assert social.relation(logged_in_client.user.id, ben.id)["following"]
    assert (
        'href="/u/ben"'
        not in logged_in_client.get("/").get_data(as_text=True).split("People to follow")[1]
    )


def test_pages_need_sign_in(client, ben):
    for path in ("/u/ben", "/u/ben/followers", "/people", "/settings", "/notifications"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


def test_settings_profile_and_errors(logged_in_client):
    response = post(
        logged_in_client, "/settings/profile", display_name="Alice A", bio="Hi", avatar_color="2"
    )
    assert response.status_code == 302
    assert "Alice A" in logged_in_client.get("/u/alice").get_data(as_text=True)
    bad = post(
        logged_in_client, "/settings/profile", display_name="x" * 100, bio="", avatar_color="1"
    )
    assert bad.status_code == 400
    assert "Display names are at most 64 characters." in bad.get_data(as_text=True)
    bad = post(logged_in_client, "/settings/profile", display_name="", bio="", avatar_color="42")
    assert bad.status_code == 400
    assert "Pick one of the avatar colours." in bad.get_data(as_text=True)


def test_a_muted_person_uploads_no_avatar(logged_in_client):
    user = accounts.find_by_username("alice")
    user.muted_until = utcnow() + timedelta(minutes=5)
    db.session.commit()
    refused = logged_in_client.post(
        "/settings/avatar",
        data={"csrf_token": csrf_token(logged_in_client), "avatar": (io.BytesIO(PNG), "me.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "You are muted on this site until" in refused.get_data(as_text=True)
    assert "url" not in logged_in_client.get("/api/v1/me").get_json()["user"]["avatar"]


def test_avatar_upload_checks_content(logged_in_client):
    token = csrf_token(logged_in_client)
    fake = logged_in_client.post(
        "/settings/avatar",
        data={"csrf_token": token, "avatar": (io.BytesIO(b"<svg onload=alert(1)>"), "cat.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "must be PNG, JPEG, GIF or WebP" in fake.get_data(as_text=True)
    real = logged_in_client.post(
        "/settings/avatar",
        data={"csrf_token": token, "avatar": (io.BytesIO(PNG), "me.bin")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Your new avatar is up." in real.get_data(as_text=True)
    url = logged_in_client.get("/api/v1/me").get_json()["user"]["avatar"]["url"]
    image = logged_in_client.get(url)
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert logged_in_client.get("/media/avatars/" + "0" * 32 + ".png").status_code == 404


def test_notification_preferences(logged_in_client, ben):
    post(logged_in_client, "/settings/notifications", enabled="mention")
    muted = notifications.muted_kinds(logged_in_client.user.id)
    assert "follow" in muted
    assert "mention" not in muted
    social.follow(ben, "alice")
    assert notifications.unread_count(logged_in_client.user.id) == 0


def test_password_change_keeps_this_session_and_ends_others(client, user_factory):
    from tests.conftest import log_in

    user_factory("carol")
    other = client.application.test_client()
    log_in(client, "carol")
    log_in(other, "carol")
    response = post(
        client,
        "/settings/password",
        current_password=PASSWORD,
        new_password="a new long password",
        confirm="a new long password",
    )
    assert response.status_code == 302
    assert "@carol" in client.get("/").get_data(as_text=True)
    assert "@carol" not in other.get("/").get_data(as_text=True)
    wrong = post(
        client,
        "/settings/password",
        current_password="nope nope nope",
        new_password="another password",
        confirm="another password",
    )
    assert wrong.status_code == 400
    assert "The current password is wrong." in wrong.get_data(as_text=True)


def test_notifications_page_and_badge(logged_in_client, ben):
    social.follow(ben, "alice")
    home = logged_in_client.get("/").get_data(as_text=True)
    assert '<span class="badge">1<span class="visually-hidden"> unread</span>' in home
    page = logged_in_client.get("/notifications").get_data(as_text=True)
    assert "followed you." in page
    assert 'sse-swap="notification-item"' in page
    post(logged_in_client, "/notifications/read")
    home = logged_in_client.get("/").get_data(as_text=True)
    assert "badge-empty" in home


def test_mark_read_redraws_the_notification_as_read_where_it_is(logged_in_client, ben):
    """Not taken off the page: the notifications page and the home page list read ones
    too, so a reload would bring it back."""
    social.follow(ben, "alice")
    [item] = notifications.listing(logged_in_client.user.id)
    answer = hx_post(logged_in_client, "/notifications/read", id=str(item.id)).get_data(
        as_text=True
    )
    drawn = re.search(
        rf'<li class="notification" id="notification-{item.id}"(.*?)</li>', answer, re.S
    )
    assert drawn
    assert 'hx-swap-oob="outerHTML"' in drawn.group(1)
    assert "followed you." in drawn.group(1)
    assert "Mark read" not in drawn.group(1)
    assert "badge-empty" in answer  # the navigation's count, out of band
    page = logged_in_client.get("/notifications").get_data(as_text=True)
    assert f'id="notification-{item.id}"' in page
    assert 'hx-swap="delete"' not in page


def test_message_on_a_profile_opens_the_direct_conversation(logged_in_client, ben):
    page = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "Message<span" in page
    response = post(logged_in_client, "/conversations/direct", username="ben")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/conversations/")
    again = post(logged_in_client, "/conversations/direct", username="ben")
    assert again.headers["Location"] == response.headers["Location"]  # one per pair


def test_no_message_button_between_people_who_block(logged_in_client, ben):
    post(logged_in_client, "/u/ben/block", confirm="yes")
    page = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "Message<span" not in page


def test_notifications_are_marked_read_once_their_page_shows_them(
    logged_in_client, ben, user_factory
):
    social.follow(ben, "alice")
    carl = user_factory("carl")
    social.follow(logged_in_client.user, "carl")  # carl's notification, not alice's
    page = logged_in_client.get("/notifications").get_data(as_text=True)
    [shown] = re.findall(r'hx-vals=\'\{"ids": "([0-9,]+)"\}\'', page)
    assert 'hx-trigger="load"' in page
    theirs = notifications.listing(carl.id)[0].id
    # Ids that cannot be (another's, a word, more digits than Python converts) mark nothing.
    post(logged_in_client, "/notifications/read", ids=f"{shown},{theirs},x,{'1' * 4400}")
    assert notifications.unread_count(logged_in_client.user.id) == 0
    assert notifications.unread_count(carl.id) == 1  # an id not one's own is ignored
    again = logged_in_client.get("/notifications").get_data(as_text=True)
    assert 'hx-trigger="load"' not in again  # nothing left to mark
