"""Search over JSON: the answer's shape, facets, the cursor, the kind, the error shape and
the old message-search address."""

from __future__ import annotations

import pytest

from services import comments, conversations, feed, parties, posts, search
from tests.support.messages import sent_message
from tests.support.search_facets import every_facet


@pytest.fixture
def pair(client, user_factory, bearer):
    ann, ben = user_factory("ann"), user_factory("ben")
    return bearer(ann), bearer(ben), ann, ben


def test_results_facets_and_shape(client, pair):
    ann_auth, _ben_auth, ann, _ben = pair
    room = conversations.create_room(ann, "Kite flying", description="Windy days")
    message = sent_message(ann, room.id, "kites <b>up</b> high")
    answer = client.get("/api/v1/search?q=kite", headers=ann_auth)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["facets"] == every_facet(room=1, message=1)
    assert body["next_cursor"] is None
    first, second = body["results"]
    assert set(first) == {"kind", "id", "title", "snippet_html", "url", "created_at"}
    assert (first["kind"], first["id"], first["title"]) == ("room", room.id, "Kite flying")
    assert first["url"] == f"/conversations/{room.id}"
    assert second["kind"] == "message"
    assert second["id"] == message.id
    assert second["snippet_html"] == "<mark>kites</mark> &lt;b&gt;up&lt;/b&gt; high"
    assert second["url"] == f"/conversations/{room.id}?before={message.id + 1}#message-{message.id}"
    assert second["created_at"].endswith("Z") or "+" in second["created_at"]


def test_kind_and_cursor(client, pair):
    ann_auth, _ben_auth, ann, ben = pair
    group = conversations.create_group(ann, "Lemons", [ben.username])
    for number in range(search.PAGE_SIZE + 1):
        sent_message(ben, group.id, f"lemon {number}")
    first = client.get("/api/v1/search?q=lemon&kind=messages", headers=ann_auth).get_json()
    assert first["facets"] == {"message": search.PAGE_SIZE + 1}
    assert len(first["results"]) == search.PAGE_SIZE
    cursor = first["next_cursor"]
    second = client.get(
        f"/api/v1/search?q=lemon&kind=messages&cursor={cursor}", headers=ann_auth
    ).get_json()
    assert len(second["results"]) == 1
    assert second["next_cursor"] is None
    seen = {r["id"] for r in first["results"]}
    assert second["results"][0]["id"] not in seen


def test_parties_and_comments_lead_to_their_pages(client, pair):
    ann_auth, _ben_auth, _ann, ben = pair
    fields = {"title": "Kite festival", "media_url": "https://media.example/kite.mp4"}
    party = parties.create(ben, fields)
    post_id = posts.create(ben, "Windy", audience="public")["id"]
    comment_id = comments.create(ben, post_id, "My kite flew away")["id"]
    body = client.get("/api/v1/search?q=kite", headers=ann_auth).get_json()
    assert (body["facets"]["party"], body["facets"]["comment"]) == (1, 1)
    urls = {r["kind"]: r["url"] for r in body["results"]}
    assert urls["party"] == f"/parties/{party.id}"
    after = feed.encode_cursor(comment_id - 1)
    assert urls["comment"] == f"/posts/{post_id}?comments_after={after}#comment-{comment_id}"


def test_a_category_narrows_rooms_and_their_messages(client, pair):
    ann_auth, _ben_auth, ann, _ben = pair
    films = conversations.create_room(ann, "Kite films", category="films")
    conversations.create_room(ann, "Kite tunes", category="music")
    sent_message(ann, films.id, "kite footage")
    answer = client.get("/api/v1/search?q=kite&category=films", headers=ann_auth).get_json()
    assert answer["facets"] == {"room": 1, "message": 1}
    assert {r["title"] for r in answer["results"] if r["kind"] == "room"} == {"Kite films"}


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("q=", "q", "invalid"),
        ("q=" + "x" * 201, "q", "too_long"),
        ("q=lemon&kind=planets", "kind", "invalid"),
        ("q=lemon&cursor=nope", "cursor", "invalid"),
        ("q=lemon&category=planets", "category", "invalid"),
        ("q=before:31-12-2026", "q", "invalid"),
    ],
)
def test_bad_input_is_the_contracts_error(client, pair, query, field, code):
    answer = client.get(f"/api/v1/search?{query}", headers=pair[0])
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]


def test_needs_a_sign_in(client):
    assert client.get("/api/v1/search?q=x").status_code == 401


def test_the_old_message_search_address_leads_here(client, pair):
    answer = client.get("/api/v1/messages/search?q=lemon", headers=pair[0])
    assert answer.status_code == 308
    assert answer.headers["Location"] == "/api/v1/search?q=lemon&kind=messages"
