"""Comments reach the people who may see their post, live, on every transport
(Socket.IO, SSE, long-polling), and nobody else: not a follower who is not a friend for a
friends-only post, nothing for someone the post's author blocked, and nothing of a
commenter to anyone blocked either way with them. A resume from a cursor replays them
once; someone typing a comment is heard over Socket.IO."""

from __future__ import annotations

import pytest

from tests.support.clients import Account, SocketClient, SSEReader, call_api, long_poll, register
from tests.support.live_posts import follow, polled, post, resumed

pytestmark = pytest.mark.server


def comment(person: Account, post_id: int, text: str) -> dict:
    response = call_api(person, "POST", f"/posts/{post_id}/comments", json={"text": text})
    assert response.status_code == 201, response.text
    return response.json()["comment"]


def test_a_follower_hears_comments_and_likes_on_every_transport(shared_server):
    author, follower, fan = (register(shared_server.url) for _ in range(3))
    follow(follower, author)
    follow(fan, author)
    posted = post(author, "Talk to me", "followers")
    start = long_poll(follower, None).json()["cursor"]
    socket = SocketClient(shared_server.url).connect(auth={"token": follower.token})
    stream = SSEReader(shared_server.url + "/api/v1/events/stream", follower.headers)
    try:
        said = comment(fan, posted["id"], "First!")
        call_api(author, "POST", f"/comments/{said['id']}/like")
        for received in (socket.received, stream.received):
            [created] = received.wait_count("comment:created", 1)
            assert (created["id"], created["post_id"]) == (said["id"], posted["id"])
            assert created["text"] == "First!"
            assert created["author"]["username"] == fan.username
            assert created["cursor"]
            [liked] = received.wait_count("comment:liked", 1)
            assert liked["post_id"] == posted["id"]
            assert (liked["comment_id"], liked["likes"]) == (said["id"], 1)
        assert [c["id"] for c in polled(follower, start, "comment:created")] == [said["id"]]
        assert [
            (c["comment_id"], c["likes"]) for c in polled(follower, start, "comment:liked")
        ] == [(said["id"], 1)]
    finally:
        socket.close()
        stream.close()


def test_comments_on_a_friends_only_post_skip_other_followers_and_the_blocked(shared_server):
    author, friend, follower, blocked = (register(shared_server.url) for _ in range(4))
    follow(friend, author)
    follow(author, friend)
    follow(follower, author)
    follow(blocked, author)
    call_api(author, "POST", f"/users/{blocked.username}/block")
    secret = post(author, "Only friends", "friends")
    shown = post(author, "All followers", "followers")
    listeners = {
        name: SocketClient(shared_server.url).connect(auth={"token": person.token})
        for name, person in (("friend", friend), ("follower", follower), ("blocked", blocked))
    }
    streams = {
        name: SSEReader(shared_server.url + "/api/v1/events/stream", person.headers)
        for name, person in (("follower", follower), ("blocked", blocked))
    }
    starts = {
        name: long_poll(person, None).json()["cursor"]
        for name, person in (("follower", follower), ("blocked", blocked))
    }
    try:
        hidden = comment(friend, secret["id"], "Just between us")
        public = comment(author, shown["id"], "For all my followers")
        both = listeners["friend"].received.wait_count("comment:created", 2)
        assert [c["id"] for c in both] == [hidden["id"], public["id"]]
        # Events come in id order: once the later comment is here, the earlier would be.
        for received in (listeners["follower"].received, streams["follower"].received):
            assert [c["id"] for c in received.wait_count("comment:created", 1)] == [public["id"]]
        assert [c["id"] for c in polled(follower, starts["follower"], "comment:created")] == [
            public["id"]
        ]
        blocked.echo("after")  # on the blocked person's own channel, after the comments
        for received in (listeners["blocked"].received, streams["blocked"].received):
            received.wait_count("stream:echo", 1)
            assert received.named("comment:created") == []
        assert polled(blocked, starts["blocked"], "comment:created") == []
    finally:
        for client in (*listeners.values(), *streams.values()):
            client.close()


def test_a_posts_open_page_hears_it_without_following_its_author(shared_server):
    """A stream opened with `?post=<id>` (the post's page) hears that post's comments and
    typing when its person may see the post, though they follow nobody; a post they may
    not see adds nothing."""
    author, stranger, fan = (register(shared_server.url) for _ in range(3))
    follow(fan, author)
    public = post(author, "Anyone may talk", "public")
    private = post(author, "Followers only", "followers")
    opened = {"post": public["id"]}
    start = long_poll(stranger, None).json()["cursor"]
    stream = SSEReader(shared_server.url + "/api/v1/events/stream", stranger.headers, opened)
    refused = {"post": private["id"]}
    shut = SSEReader(shared_server.url + "/api/v1/events/stream", stranger.headers, refused)
    typist = SocketClient(shared_server.url).connect(auth={"token": fan.token})
    try:
        hidden = comment(fan, private["id"], "Not for strangers")
        said = comment(fan, public["id"], "Hello, passer-by")
        assert typist.call("comment:typing", {"post_id": public["id"]})["ok"] is True
        [typing] = stream.received.wait_count("comment:typing", 1)
        assert (typing["post_id"], typing["user"]["username"]) == (public["id"], fan.username)
        assert [c["id"] for c in stream.received.named("comment:created")] == [said["id"]]
        assert [c["id"] for c in polled(stranger, start, "comment:created", opened)] == [said["id"]]
        assert polled(stranger, start, "comment:created") == []
        assert polled(stranger, start, "comment:created", refused) == []
        stranger.echo("after")  # on the stranger's own channel, after the comments
        shut.received.wait_count("stream:echo", 1)
        assert shut.received.named("comment:created") == []
        assert hidden["id"] not in [c["id"] for c in stream.received.named("comment:created")]
    finally:
        for client in (stream, shut, typist):
            client.close()


def test_a_commenter_is_not_heard_by_anyone_blocked_either_way_with_them(shared_server):
    """Their comments, edits, likes, deletions and typing skip both the person they
    blocked and the person who blocked them, on every transport, live and replayed; others
    hear all."""
    author, commenter, shunned, shunning, other = (register(shared_server.url) for _ in range(5))
    for reader in (shunned, shunning, other):
        follow(reader, author)
    call_api(commenter, "POST", f"/users/{shunned.username}/block")
    call_api(shunning, "POST", f"/users/{commenter.username}/block")
    posted = post(author, "Open thread", "public")
    opened = {"post": posted["id"]}
    readers = {"shunned": shunned, "shunning": shunning, "other": other}
    start = long_poll(other, None).json()["cursor"]
    sockets = {
        name: SocketClient(shared_server.url).connect(auth={"token": person.token})
        for name, person in readers.items()
    }
    streams = {
        name: SSEReader(shared_server.url + "/api/v1/events/stream", person.headers, opened)
        for name, person in readers.items()
    }
    typist = SocketClient(shared_server.url).connect(auth={"token": commenter.token})
    try:
        said = comment(commenter, posted["id"], "Not for everyone")
        edited = {"text": "Still not for everyone"}
        call_api(commenter, "PATCH", f"/comments/{said['id']}", json=edited)
        assert typist.call("comment:typing", {"post_id": posted["id"]})["ok"] is True
        assert call_api(other, "POST", f"/comments/{said['id']}/like").status_code == 200
        call_api(commenter, "DELETE", f"/comments/{said['id']}")
        names = (
            "comment:created",
            "comment:updated",
            "comment:typing",
            "comment:liked",
            "comment:deleted",
        )
        for received in (sockets["other"].received, streams["other"].received):
            for name in names:
                received.wait_count(name, 1)
        for who in ("shunned", "shunning"):
            readers[who].echo("after")  # on their own channel, after everything above
            for received in (sockets[who].received, streams[who].received):
                received.wait_count("stream:echo", 1)
                assert [received.named(name) for name in names] == [[]] * len(names)
            for stored in (*names[:2], *names[3:]):
                assert polled(readers[who], start, stored, opened) == []
        assert [c["id"] for c in polled(other, start, "comment:created", opened)] == [said["id"]]
        resumed = SocketClient(shared_server.url).connect(
            auth={"token": shunned.token, "cursor": start}
        )
        again = SocketClient(shared_server.url).connect(
            auth={"token": other.token, "cursor": start}
        )
        try:
            again.received.wait_count("comment:deleted", 1)
            shunned.echo("resumed")
            resumed.received.wait_count("stream:echo", 1)
            assert [resumed.received.named(name) for name in names] == [[]] * len(names)
        finally:
            resumed.close()
            again.close()
    finally:
        for client in (*sockets.values(), *streams.values(), typist):
            client.close()


def test_a_resume_from_a_cursor_replays_comments_once(shared_server):
    author, follower = register(shared_server.url), register(shared_server.url)
    follow(follower, author)
    posted = post(author, "Comment away", "followers")
    cursor = long_poll(follower, None).json()["cursor"]
    made = [comment(author, posted["id"], f"missed {i}")["id"] for i in range(3)]
    with resumed(shared_server.url, follower, cursor) as (socket, stream):
        for received in (socket.received, stream.received):
            assert [c["id"] for c in received.wait_count("comment:created", 3)] == made
        assert [c["id"] for c in polled(follower, cursor, "comment:created")] == made
        made.append(comment(author, posted["id"], "live")["id"])
        for received in (socket.received, stream.received):
            assert [c["id"] for c in received.wait_count("comment:created", 4)] == made


def test_someone_typing_a_comment_is_heard_over_the_socket(shared_server):
    author, follower = register(shared_server.url), register(shared_server.url)
    follow(follower, author)
    posted = post(author, "Type something", "followers")
    typist = SocketClient(shared_server.url).connect(auth={"token": follower.token})
    reader = SocketClient(shared_server.url).connect(auth={"token": author.token})
    try:
        assert typist.call("comment:typing", {"post_id": posted["id"]})["ok"] is True
        [typing] = reader.received.wait_count("comment:typing", 1)
        assert typing["post_id"] == posted["id"]
        assert typing["user"]["username"] == follower.username
        assert "cursor" not in typing  # ephemeral
        refused = typist.call("comment:typing", {"post_id": 987654})
        assert (refused["ok"], refused["error"]["code"]) == (False, "not_found")
    finally:
        typist.close()
        reader.close()
