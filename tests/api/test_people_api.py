"""People over JSON: follow, block, lists, search, notifications; bad input and
permissions."""

from __future__ import annotations

import pytest


@pytest.fixture
def pair(client, user_factory, bearer):
    ann, ben = user_factory("ann"), user_factory("ben")
    return bearer(ann), bearer(ben), ann, ben


def test_follow_and_unfollow(client, pair):
    ann_auth, ben_auth, _, ben = pair
    response = client.post("/api/v1/users/ben/follow", headers=ann_auth)
    assert response.status_code == 200
    user = response.get_json()["user"]
    assert user["following"] is True
    assert user["followers"] == 1
    assert user["id"] == ben.id
    again = client.post("/api/v1/users/ben/follow", headers=ann_auth)
    assert again.get_json()["user"]["followers"] == 1
    followers = client.get("/api/v1/users/ben/followers", headers=ben_auth).get_json()
    assert [u["username"] for u in followers["users"]] == ["ann"]
    assert followers["total"] == 1
    assert followers["next_page"] is None
    following = client.get("/api/v1/users/ann/following", headers=ben_auth).get_json()
    assert [u["username"] for u in following["users"]] == ["ben"]
    gone = client.delete("/api/v1/users/ben/follow", headers=ann_auth)
    assert gone.get_json()["user"]["following"] is False


def test_follow_yourself_or_nobody(client, pair):
    ann_auth = pair[0]
    own = client.post("/api/v1/users/ann/follow", headers=ann_auth)
    assert own.status_code == 400
    assert own.get_json()["error"]["code"] == "cannot_follow_self"
    assert client.post("/api/v1/users/ghost/follow", headers=ann_auth).status_code == 404


def test_block_rules(client, pair):
    ann_auth, ben_auth, _, _ = pair
    client.post("/api/v1/users/ben/follow", headers=ann_auth)
    blocked = client.post("/api/v1/users/ann/block", headers=ben_auth)
    assert blocked.status_code == 200
    assert blocked.get_json()["user"]["blocked"] is True
    assert client.get("/api/v1/users/ben/followers", headers=ben_auth).get_json()["total"] == 0
    refused = client.post("/api/v1/users/ben/follow", headers=ann_auth)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    listed = client.get("/api/v1/blocks", headers=ben_auth).get_json()
    assert [u["username"] for u in listed["users"]] == ["ann"]
    profile = client.get("/api/v1/users/ben", headers=ann_auth).get_json()["user"]
    assert profile["presence"] is None
    assert client.delete("/api/v1/users/ann/block", headers=ben_auth).status_code == 200
    assert client.get("/api/v1/blocks", headers=ben_auth).get_json()["users"] == []


def test_profile_and_search(client, pair):
    ann_auth = pair[0]
    profile = client.get("/api/v1/users/ben", headers=ann_auth).get_json()["user"]
    assert profile["username"] == "ben"
    assert profile["presence"]["status"] == "offline"
    assert {"bio", "followers", "following", "follows_you", "blocked", "avatar"} <= set(profile)
    found = client.get("/api/v1/users?q=BE", headers=ann_auth).get_json()["users"]
    assert [u["username"] for u in found] == ["ben"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/users?q=" + "x" * 65, "q"),
        ("/api/v1/users?q=a&limit=0", "limit"),
        ("/api/v1/users?q=a&limit=many", "limit"),
        ("/api/v1/users/ben/followers?page=0", "page"),
        ("/api/v1/users/ben/followers?per_page=101", "per_page"),
        ("/api/v1/notifications?before=x", "before"),
        ("/api/v1/notifications?limit=1000", "limit"),
    ],
)
def test_bad_query_parameters(client, pair, url, field):
    response = client.get(url, headers=pair[0])
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/users/ben/follow"),
        ("delete", "/api/v1/users/ben/follow"),
        ("post", "/api/v1/users/ben/block"),
        ("delete", "/api/v1/users/ben/block"),
        ("get", "/api/v1/users/ben"),
        ("get", "/api/v1/users/ben/followers"),
        ("get", "/api/v1/users?q=b"),
        ("get", "/api/v1/blocks"),
        ("get", "/api/v1/notifications"),
        ("post", "/api/v1/notifications/read"),
    ],
)
def test_everything_needs_a_signed_in_caller(client, pair, method, url):
    response = getattr(client, method)(url, json={})
    assert response.status_code in (400, 401)  # a cookie-less write fails CSRF or auth
    if response.status_code == 400:
        assert response.get_json()["error"]["code"] == "csrf_failed"


def test_notifications_list_and_read(client, pair):
    ann_auth, ben_auth, _, _ = pair
    client.post("/api/v1/users/ben/follow", headers=ann_auth)
    body = client.get("/api/v1/notifications", headers=ben_auth).get_json()
    assert body["unread_count"] == 1
    [note] = body["notifications"]
    assert note["kind"] == "follow"
    assert note["actor"]["username"] == "ann"
    # Someone else's ids are ignored, not an error that confirms they exist.
    foreign = client.post(
        "/api/v1/notifications/read", json={"ids": [note["id"]]}, headers=ann_auth
    )
    assert foreign.get_json()["unread_count"] == 0
    assert client.get("/api/v1/notifications", headers=ben_auth).get_json()["unread_count"] == 1
    read = client.post("/api/v1/notifications/read", json={"all": True}, headers=ben_auth)
    assert read.get_json()["unread_count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": "1"},
        {"ids": [1, "2"]},
        {"ids": [True]},
        {"ids": [-1]},
        {"all": "yes"},
    ],
)
def test_notifications_read_bad_input(client, pair, body):
    response = client.post("/api/v1/notifications/read", json=body, headers=pair[0])
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "ids"


def test_social_writes_are_rate_limited_per_user(tmp_path):
    from services import accounts, api_tokens
    from tests.conftest import make_app

    app = make_app(tmp_path, SOCIAL_WRITE_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        ann = accounts.register("ann", "long password")
        accounts.register("ben", "long password")
        headers = {"Authorization": f"Bearer {api_tokens.issue_token(ann)}"}
    codes = [client.post("/api/v1/users/ben/follow", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
