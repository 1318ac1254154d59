"""Comments across a block: a thread hidden from someone is hidden on every door (the
listing, search, the stream and its replays), a deleted comment's row gives away no reply
they cannot see, and a block either way deletes each one's comments under the other's
posts, so that a post's author sees every comment under it."""

from __future__ import annotations

import json

from tests.conftest import PASSWORD
from tests.support.replays import cursor_now, ok, replayed


def people(user_factory, bearer, *names: str) -> list[dict]:
    """The API headers of a new account for each name."""
    return [bearer(user_factory(name)) for name in names]


def a_post(client, headers) -> int:
    body = {"text": "a post", "audience": "public"}
    return ok(client.post("/api/v1/posts", json=body, headers=headers))["post"]["id"]


def comment(client, headers, post: int, text: str, parent: int | None = None) -> int:
    body = {"text": text, **({"parent_id": parent} if parent else {})}
    answer = client.post(f"/api/v1/posts/{post}/comments", json=body, headers=headers)
    return ok(answer)["comment"]["id"]


def thread(client, headers, post: int) -> dict:
    return ok(client.get(f"/api/v1/posts/{post}/comments", headers=headers))


def test_a_reply_under_a_blocked_persons_comment_reaches_them_by_no_door(
    client, user_factory, bearer
):
    ann, carol = bearer(user_factory("ann")), bearer(user_factory("carol"))
    dave, eve = bearer(user_factory("dave")), bearer(user_factory("eve"))
    ok(client.post("/api/v1/users/ann/follow", headers=dave))  # dave hears of ann's posts
    post = a_post(client, ann)
    top = comment(client, carol, post, "carol says")
    ok(client.post("/api/v1/users/carol/block", headers=dave))
    cursor = ok(client.get("/api/v1/events", headers=dave))["cursor"]
    reply = comment(client, eve, post, "eve answers: marmalade", parent=top)
    ok(client.post(f"/api/v1/comments/{reply}/like", headers=ann))
    ok(client.patch(f"/api/v1/comments/{reply}", json={"text": "marmalade again"}, headers=eve))
    assert client.delete(f"/api/v1/comments/{reply}", headers=eve).status_code == 204

    assert "marmalade" not in json.dumps(thread(client, dave, post))
    found = ok(client.get("/api/v1/search", query_string={"q": "marmalade"}, headers=dave))
    assert found["facets"].get("comment", 0) == 0
    replay = ok(
        client.get("/api/v1/events", query_string={"cursor": cursor, "timeout": 0}, headers=dave)
    )
    assert [event for event in replay["events"] if event["event"].startswith("comment:")] == []


def test_a_deleted_comment_is_kept_only_for_replies_its_reader_sees(client, user_factory, bearer):
    ann, carol, dave = people(user_factory, bearer, "ann", "carol", "dave")
    post = a_post(client, ann)
    top = comment(client, ann, post, "top")
    comment(client, carol, post, "a reply", parent=top)
    ok(client.post("/api/v1/users/carol/block", headers=dave))
    assert client.delete(f"/api/v1/comments/{top}", headers=ann).status_code == 204
    assert thread(client, dave, post)["comments"] == []
    assert len(thread(client, ann, post)["comments"]) == 1  # ann sees carol's reply under it


def test_a_block_either_way_deletes_each_ones_comments_under_the_others_posts(
    client, user_factory, bearer
):
    """A post's author goes on seeing every comment under their post: a block would
    otherwise leave the other's comments there for everyone but them."""
    ann, troll, cat = people(user_factory, bearer, "ann", "troll", "cat")
    for followed in ("ann", "troll"):  # cat hears of both one's posts
        ok(client.post(f"/api/v1/users/{followed}/follow", headers=cat))
    post, trolls_post = a_post(client, ann), a_post(client, troll)
    cats = comment(client, cat, post, "cat's kind words")
    comment(client, troll, post, "abusive words")
    comment(client, troll, post, "and a reply with venom", parent=cats)
    comment(client, ann, trolls_post, "ann once answered")
    comment(client, cat, trolls_post, "cat chats with troll")
    cursors = {name: cursor_now(client, who) for name, who in (("ann", ann), ("cat", cat))}
    ok(client.post("/api/v1/users/troll/block", headers=ann))

    shown = json.dumps(thread(client, cat, post))
    assert "cat's kind words" in shown
    assert "abusive words" not in shown
    assert "venom" not in shown
    assert "ann once answered" not in json.dumps(thread(client, cat, trolls_post))
    assert "cat chats with troll" in json.dumps(thread(client, cat, trolls_post))
    # Gone from what a resume carries, and both ann's and cat's pages hear of it.
    for name, who in (("ann", ann), ("cat", cat)):
        since = replayed(client, who, cursors[name])
        assert "abusive words" not in since
        assert "venom" not in since
        assert since.count('"comment:deleted"') == (2 if name == "ann" else 3)
    found = ok(client.get("/api/v1/search", query_string={"q": "abusive"}, headers=cat))
    assert found["facets"].get("comment", 0) == 0


def test_a_block_by_the_commenter_ends_their_comments_too(client, user_factory, bearer):
    ann, troll, cat = people(user_factory, bearer, "ann", "troll", "cat")
    post = a_post(client, ann)
    comment(client, troll, post, "abusive words")
    ok(client.post("/api/v1/users/ann/block", headers=troll))
    assert "abusive words" not in json.dumps(thread(client, cat, post))


def test_a_reply_under_a_blocked_persons_comment_has_no_door_of_its_own(
    client, user_factory, bearer
):
    """Cat blocked dan: ben's reply under dan's comment is hidden from her as its thread
    hides it, on its own routes too, and she cannot answer it (her answer would go under
    dan's comment, where she would never see it)."""
    ann, ben, cat, dan = people(user_factory, bearer, "ann", "ben", "cat", "dan")
    post = a_post(client, ann)
    top = comment(client, dan, post, "dan starts")
    reply = comment(client, ben, post, "ben answers", parent=top)
    ok(client.post("/api/v1/users/dan/block", headers=cat))

    assert client.get(f"/api/v1/comments/{reply}/likes", headers=cat).status_code == 404
    assert client.post(f"/api/v1/comments/{reply}/like", headers=cat).status_code == 404
    answer = client.post(
        f"/api/v1/posts/{post}/comments",
        json={"text": "cat answers ben", "parent_id": reply},
        headers=cat,
    )
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "blocked"
    assert "cat answers ben" not in json.dumps(thread(client, ann, post))
    # Ben himself still reaches his reply.
    assert client.get(f"/api/v1/comments/{reply}/likes", headers=ben).status_code == 200


def test_a_deleted_accounts_likes_of_comments_are_taken_back(client, user_factory, bearer):
    ann, ben, dan = people(user_factory, bearer, "ann", "ben", "dan")
    post = a_post(client, ann)
    liked = comment(client, ben, post, "worth a like")
    ok(client.post(f"/api/v1/comments/{liked}/like", headers=dan))
    ok(client.post(f"/api/v1/comments/{liked}/like", headers=ann))
    cursor = cursor_now(client, ann)
    gone = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=dan)
    assert gone.status_code < 300, gone.get_data(as_text=True)

    likes = ok(client.get(f"/api/v1/comments/{liked}/likes", headers=ann))
    assert (likes["likes"], [u["username"] for u in likes["users"]]) == (1, ["ann"])
    assert thread(client, ann, post)["comments"][0]["likes"] == 1
    # Open pages hear the count as it is now.
    answer = client.get(
        "/api/v1/events", query_string={"cursor": cursor, "timeout": 0}, headers=ann
    )
    counts = [e["data"]["likes"] for e in ok(answer)["events"] if e["event"] == "comment:liked"]
    assert counts == [1]
