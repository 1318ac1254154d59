"""Comments over JSON: the shapes of a comment, a page, a like and the likers, the
contract's error shape, and a post outside one's audience answering 404 on every route."""

from __future__ import annotations

from tests.support.api_errors import assert_error

VIDEO = "https://media.example/film.mp4"
COMMENT_KEYS = {
    "id",
    "post_id",
    "parent_id",
    "author",
    "text",
    "video_time",
    "created_at",
    "edited_at",
    "deleted",
    "likes",
    "liked",
}


def post_of(client, headers, **fields) -> int:
    response = client.post("/api/v1/posts", json=fields, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["post"]["id"]


def comment_on(client, headers, post_id: int, **fields) -> dict:
    response = client.post(f"/api/v1/posts/{post_id}/comments", json=fields, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["comment"]


def test_a_comment_is_written_listed_edited_and_deleted(client, people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    post_id = post_of(client, ann, text="Watch", video_url=VIDEO, audience="followers")
    comment = comment_on(client, ben, post_id, text="At the start", video_time=3)
    assert set(comment) == COMMENT_KEYS
    assert comment["author"]["username"] == "ben"
    assert (comment["post_id"], comment["parent_id"], comment["video_time"]) == (post_id, None, 3)
    assert (comment["likes"], comment["liked"], comment["deleted"], comment["edited_at"]) == (
        0,
        False,
        False,
        None,
    )
    reply = comment_on(client, cat, post_id, text="Agreed", parent_id=comment["id"])
    assert reply["parent_id"] == comment["id"]

    page = client.get(f"/api/v1/posts/{post_id}/comments", headers=cat).get_json()
    assert set(page) == {"post_id", "comments", "next_cursor"}
    [listed] = page["comments"]
    assert set(listed) == COMMENT_KEYS | {"replies"}
    assert [r["id"] for r in listed["replies"]] == [reply["id"]]
    assert set(listed["replies"][0]) == COMMENT_KEYS

    url = f"/api/v1/comments/{comment['id']}"
    assert_error(client.patch(url, json={"text": "x"}, headers=cat), 403, "forbidden")
    edited = client.patch(url, json={"text": "Changed"}, headers=ben)
    assert edited.status_code == 200
    assert edited.get_json()["comment"]["text"] == "Changed"
    assert edited.get_json()["comment"]["video_time"] == 3  # left out: kept
    assert edited.get_json()["comment"]["edited_at"]
    assert_error(client.delete(url, headers=cat), 403, "forbidden")
    assert client.delete(url, headers=ann).status_code == 204  # the post's author may
    assert_error(client.patch(url, json={"text": "again"}, headers=ben), 404, "not_found")


def test_likes_and_likers(client, people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    post_id = post_of(client, ann, text="Hi", audience="public")
    comment = comment_on(client, ben, post_id, text="Like me")
    url = f"/api/v1/comments/{comment['id']}/like"
    expected = {"post_id": post_id, "comment_id": comment["id"], "likes": 1, "liked": True}
    assert client.post(url, headers=cat).get_json() == expected
    assert client.post(url, headers=cat).get_json() == expected
    assert client.post(url, headers=ann).get_json()["likes"] == 2
    assert client.delete(url, headers=ann).get_json() == {**expected, "liked": False}
    likers = client.get(f"/api/v1/comments/{comment['id']}/likes", headers=ben).get_json()
    assert set(likers) == {"post_id", "comment_id", "likes", "users"}
    assert [u["username"] for u in likers["users"]] == ["cat"]


def test_outside_the_audience_every_route_is_404(client, people):
    ann = people["ann"]
    post_id = post_of(client, ann, text="Friends only", audience="friends")
    comment = comment_on(client, people["ben"], post_id, text="Just us")
    routes = (
        ("GET", f"/api/v1/posts/{post_id}/comments", None),
        ("POST", f"/api/v1/posts/{post_id}/comments", {"text": "hi"}),
        ("PATCH", f"/api/v1/comments/{comment['id']}", {"text": "x"}),
        ("DELETE", f"/api/v1/comments/{comment['id']}", None),
        ("POST", f"/api/v1/comments/{comment['id']}/like", None),
        ("DELETE", f"/api/v1/comments/{comment['id']}/like", None),
        ("GET", f"/api/v1/comments/{comment['id']}/likes", None),
    )
    for outsider in (people["cat"], people["dan"]):
        for method, url, body in routes:
            response = client.open(url, method=method, json=body, headers=outsider)
            assert_error(response, 404, "not_found")


def test_refusals_name_the_field(client, people, app):
    ann, ben = people["ann"], people["ben"]
    plain = post_of(client, ann, text="No video", audience="public")
    url = f"/api/v1/posts/{plain}/comments"
    assert_error(client.post(url, json={"text": " "}, headers=ben), 400, "invalid", "text")
    too_long = "x" * (app.config["COMMENT_MAX_CHARS"] + 1)
    assert_error(client.post(url, json={"text": too_long}, headers=ben), 400, "too_long", "text")
    at_a_moment = {"text": "hi", "video_time": 5}
    assert_error(client.post(url, json=at_a_moment, headers=ben), 400, "invalid", "video_time")
    with_video = post_of(client, ann, text="Video", video_url=VIDEO, audience="public")
    negative = {"text": "hi", "video_time": -2}
    assert_error(
        client.post(f"/api/v1/posts/{with_video}/comments", json=negative, headers=ben),
        400,
        "invalid",
        "video_time",
    )
    no_parent = {"text": "hi", "parent_id": 987654}
    assert_error(client.post(url, json=no_parent, headers=ben), 404, "not_found")
    assert_error(client.post(url, data="text", headers=ben), 400, "invalid", "body")
    assert_error(client.get(url + "?cursor=zzz", headers=ben), 400, "invalid", "cursor")
    assert_error(client.get(url + "?limit=0", headers=ben), 400, "invalid", "limit")


def test_moderators_take_comments_down(client, people):
    post_id = post_of(client, people["ann"], text="Hi", audience="public")
    comment = comment_on(client, people["ben"], post_id, text="Spam")
    url = f"/api/v1/admin/comments/{comment['id']}?reason=spam"
    assert_error(client.delete(url, headers=people["dan"]), 404, "not_found")
    assert client.delete(url, headers=people["mod"]).status_code == 204
    page = client.get(f"/api/v1/posts/{post_id}/comments", headers=people["ben"]).get_json()
    assert page["comments"] == []
