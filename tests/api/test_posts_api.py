"""Posts over JSON: the shapes of a post, a page and a like, the contract's error shape,
and a post outside one's audience answering 404 on every route."""

from __future__ import annotations

from tests.support.api_errors import assert_error

VIDEO = "https://media.example/film.mp4"
POST_KEYS = {
    "id",
    "author",
    "text",
    "video_url",
    "image_url",
    "image_alt",
    "audience",
    "created_at",
    "edited_at",
    "deleted",
    "likes",
    "liked",
}


def create(client, headers, **fields):
    response = client.post("/api/v1/posts", json=fields, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["post"]


def test_a_post_is_created_read_edited_and_deleted(client, people):
    ann, cat = people["ann"], people["cat"]
    post = create(client, ann, text="First post", video_url=VIDEO, audience="followers")
    assert set(post) == POST_KEYS
    assert post["author"]["username"] == "ann"
    assert (post["text"], post["video_url"], post["audience"]) == ("First post", VIDEO, "followers")
    assert (post["likes"], post["liked"], post["deleted"], post["edited_at"]) == (
        0,
        False,
        False,
        None,
    )

    read = client.get(f"/api/v1/posts/{post['id']}", headers=cat)
    assert read.status_code == 200
    assert read.get_json()["post"] == post

    edited = client.patch(f"/api/v1/posts/{post['id']}", json={"text": "Changed"}, headers=ann)
    assert edited.status_code == 200
    assert edited.get_json()["post"]["text"] == "Changed"
    assert edited.get_json()["post"]["video_url"] == VIDEO  # left out: kept
    cleared = client.patch(f"/api/v1/posts/{post['id']}", json={"video_url": None}, headers=ann)
    assert cleared.get_json()["post"]["video_url"] is None
    assert edited.get_json()["post"]["edited_at"]

    assert_error(
        client.patch(f"/api/v1/posts/{post['id']}", json={"text": "x"}, headers=cat),
        403,
        "forbidden",
    )
    assert_error(client.delete(f"/api/v1/posts/{post['id']}", headers=cat), 403, "forbidden")
    assert client.delete(f"/api/v1/posts/{post['id']}", headers=ann).status_code == 204
    assert_error(client.get(f"/api/v1/posts/{post['id']}", headers=ann), 404, "not_found")


def test_likes_and_likers(client, people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    post = create(client, ann, text="Like me", audience="public")
    url = f"/api/v1/posts/{post['id']}/like"
    assert client.post(url, headers=ben).get_json() == {
        "post_id": post["id"],
        "likes": 1,
        "liked": True,
    }
    assert client.post(url, headers=ben).get_json()["likes"] == 1
    assert client.post(url, headers=cat).get_json()["likes"] == 2
    assert client.delete(url, headers=cat).get_json() == {
        "post_id": post["id"],
        "likes": 1,
        "liked": False,
    }
    likers = client.get(f"/api/v1/posts/{post['id']}/likes", headers=cat).get_json()
    assert likers["post_id"] == post["id"]
    assert [u["username"] for u in likers["users"]] == ["ben"]
    assert set(likers["users"][0]) >= {"id", "username", "display_name"}
    assert (
        client.get(f"/api/v1/posts/{post['id']}", headers=ben).get_json()["post"]["liked"] is True
    )


def test_outside_the_audience_a_post_is_404_on_every_route(client, people):
    post = create(client, people["ann"], text="Friends only", audience="friends")
    base = f"/api/v1/posts/{post['id']}"
    for outsider in (people["cat"], people["dan"]):
        for method, url, body in (
            ("GET", base, None),
            ("PATCH", base, {"text": "x"}),
            ("DELETE", base, None),
            ("POST", base + "/like", None),
            ("DELETE", base + "/like", None),
            ("GET", base + "/likes", None),
        ):
            response = client.open(url, method=method, json=body, headers=outsider)
            assert_error(response, 404, "not_found")
            ghost = client.open(
                "/api/v1/posts/987654" + url[len(base) :],
                method=method,
                json=body,
                headers=outsider,
            )
            assert ghost.get_json() == response.get_json()  # word for word as no post at all
    assert client.get(base, headers=people["ben"]).status_code == 200


def test_a_blocked_person_gets_404_even_for_a_public_post(client, people, app):
    post = create(client, people["ann"], text="Everyone", audience="public")
    assert client.get(f"/api/v1/posts/{post['id']}", headers=people["dan"]).status_code == 200
    assert client.post("/api/v1/users/dan/block", headers=people["ann"]).status_code in (200, 204)
    assert_error(client.get(f"/api/v1/posts/{post['id']}", headers=people["dan"]), 404, "not_found")
    listed = client.get("/api/v1/users/ann/posts", headers=people["dan"]).get_json()
    assert listed == {"posts": [], "next_cursor": None}


def test_refusals_name_the_field(client, people, app):
    ann = people["ann"]
    assert_error(
        client.post("/api/v1/posts", json={"text": " "}, headers=ann), 400, "invalid", "text"
    )
    too_long = "x" * (app.config["POST_MAX_CHARS"] + 1)
    assert_error(
        client.post("/api/v1/posts", json={"text": too_long}, headers=ann), 400, "too_long", "text"
    )
    bad_video = {"text": "hi", "video_url": "javascript:alert(1)"}
    assert_error(
        client.post("/api/v1/posts", json=bad_video, headers=ann), 400, "invalid", "video_url"
    )
    not_a_link = {"text": "hi", "video_url": 42}
    assert_error(
        client.post("/api/v1/posts", json=not_a_link, headers=ann), 400, "invalid", "video_url"
    )
    bad_audience = {"text": "hi", "audience": "world"}
    assert_error(
        client.post("/api/v1/posts", json=bad_audience, headers=ann), 400, "invalid", "audience"
    )
    assert_error(client.post("/api/v1/posts", data="text", headers=ann), 400, "invalid", "body")
    assert_error(client.get("/api/v1/feed?cursor=zzz", headers=ann), 400, "invalid", "cursor")
    assert_error(client.get("/api/v1/feed?limit=0", headers=ann), 400, "invalid", "limit")
    assert_error(client.get("/api/v1/users/nobody/posts", headers=ann), 404, "not_found")


def test_feed_discover_and_a_persons_posts_page_by_cursor(client, people):
    ann, ben, cat, dan = (people[n] for n in ("ann", "ben", "cat", "dan"))
    made = [create(client, ann, text=f"ann {i}", audience="followers")["id"] for i in range(3)]
    friends = create(client, ann, text="for ben", audience="friends")["id"]
    public = create(client, dan, text="dan to all", audience="public")["id"]

    first = client.get("/api/v1/feed?limit=2", headers=cat).get_json()
    assert set(first) == {"posts", "next_cursor"}
    assert set(first["posts"][0]) == POST_KEYS
    second = client.get(
        f"/api/v1/feed?limit=2&cursor={first['next_cursor']}", headers=cat
    ).get_json()
    assert second["next_cursor"] is None
    assert [p["id"] for p in first["posts"] + second["posts"]] == made[::-1]

    ben_feed = client.get("/api/v1/feed", headers=ben).get_json()["posts"]
    assert [p["id"] for p in ben_feed] == [friends, *made[::-1]]
    discover = client.get("/api/v1/feed/discover", headers=ben).get_json()["posts"]
    assert [p["id"] for p in discover] == [public]
    by_ann = client.get("/api/v1/users/ann/posts", headers=dan).get_json()["posts"]
    assert by_ann == []  # dan follows nobody: followers and friends posts are not his


def test_moderators_take_posts_down(client, people):
    post = create(client, people["ann"], text="Spam", audience="public")
    url = f"/api/v1/admin/posts/{post['id']}?reason=spam"
    assert_error(client.delete(url, headers=people["dan"]), 404, "not_found")
    assert client.delete(url, headers=people["mod"]).status_code == 204
    assert_error(client.get(f"/api/v1/posts/{post['id']}", headers=people["ann"]), 404, "not_found")
