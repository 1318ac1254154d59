"""Posts reach the people who may see them, live, on every transport (Socket.IO, SSE,
long-polling), and nobody else: not a follower who is not a friend for a friends-only
post, nothing at all for someone blocked. A resume from a cursor replays them once."""

from __future__ import annotations

import pytest

from tests.support.clients import SocketClient, SSEReader, call_api, long_poll, register
from tests.support.live_posts import follow, polled, post, resumed

pytestmark = pytest.mark.server


def test_a_follower_hears_posts_and_likes_on_every_transport(shared_server):
    author, follower, fan = (register(shared_server.url) for _ in range(3))
    follow(follower, author)
    follow(fan, author)
    start = long_poll(follower, None).json()["cursor"]
    socket = SocketClient(shared_server.url).connect(auth={"token": follower.token})
    stream = SSEReader(shared_server.url + "/api/v1/events/stream", follower.headers)
    try:
        posted = post(author, "Hello followers", "followers")
        call_api(fan, "POST", f"/posts/{posted['id']}/like")
        for received in (socket.received, stream.received):
            [created] = received.wait_count("post:created", 1)
            assert created["id"] == posted["id"]
            assert created["text"] == "Hello followers"
            assert created["author"]["username"] == author.username
            assert created["cursor"]
            [liked] = received.wait_count("post:liked", 1)
            assert (liked["post_id"], liked["likes"]) == (posted["id"], 1)
        assert [p["id"] for p in polled(follower, start, "post:created")] == [posted["id"]]
        assert [(p["post_id"], p["likes"]) for p in polled(follower, start, "post:liked")] == [
            (posted["id"], 1)
        ]
    finally:
        socket.close()
        stream.close()


def test_a_friends_only_post_reaches_friends_and_not_other_followers(shared_server):
    author, friend, follower = (register(shared_server.url) for _ in range(3))
    follow(friend, author)
    follow(author, friend)
    follow(follower, author)
    friends_socket = SocketClient(shared_server.url).connect(auth={"token": friend.token})
    socket = SocketClient(shared_server.url).connect(auth={"token": follower.token})
    stream = SSEReader(shared_server.url + "/api/v1/events/stream", follower.headers)
    start = long_poll(follower, None).json()["cursor"]
    try:
        secret = post(author, "Only friends", "friends")
        shown = post(author, "All followers", "followers")
        both = friends_socket.received.wait_count("post:created", 2)
        assert [p["id"] for p in both] == [secret["id"], shown["id"]]
        # Events come in id order: once the later post is here, the earlier would be too.
        for received in (socket.received, stream.received):
            assert [p["id"] for p in received.wait_count("post:created", 1)] == [shown["id"]]
        assert [p["id"] for p in polled(follower, start, "post:created")] == [shown["id"]]
    finally:
        friends_socket.close()
        socket.close()
        stream.close()


def test_a_blocked_person_hears_nothing_more(shared_server):
    author, blocked = register(shared_server.url), register(shared_server.url)
    follow(blocked, author)
    socket = SocketClient(shared_server.url).connect(auth={"token": blocked.token})
    stream = SSEReader(shared_server.url + "/api/v1/events/stream", blocked.headers)
    try:
        before = post(author, "Before the block", "public")
        for received in (socket.received, stream.received):
            received.wait_count("post:created", 1)
        start = long_poll(blocked, None).json()["cursor"]
        call_api(author, "POST", f"/users/{blocked.username}/block")
        post(author, "After the block", "public")
        blocked.echo("after")  # on the blocked person's own channel, after the post
        for received in (socket.received, stream.received):
            received.wait_count("stream:echo", 1)
            assert [p["id"] for p in received.named("post:created")] == [before["id"]]
        assert polled(blocked, start, "post:created") == []
    finally:
        socket.close()
        stream.close()


def test_a_resume_from_a_cursor_replays_posts_once(shared_server):
    author, follower = register(shared_server.url), register(shared_server.url)
    follow(follower, author)
    cursor = long_poll(follower, None).json()["cursor"]
    made = [post(author, f"missed {i}", "followers")["id"] for i in range(3)]

    with resumed(shared_server.url, follower, cursor) as (socket, stream):
        for received in (socket.received, stream.received):
            assert [p["id"] for p in received.wait_count("post:created", 3)] == made
        assert [p["id"] for p in polled(follower, cursor, "post:created")] == made
        # One more, live: every connection has each post once.
        made.append(post(author, "live", "followers")["id"])
        for received in (socket.received, stream.received):
            assert [p["id"] for p in received.wait_count("post:created", 4)] == made
