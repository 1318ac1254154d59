"""Playlists over JSON: creating, reading by visibility and share token, changing items
with versions (a stale move is 409 with the current order), collaborators and follows."""

from __future__ import annotations

import pytest

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def people(user_factory, bearer):
    made = {name: user_factory(name) for name in ("owen", "cleo", "stan")}
    return {name: bearer(user) for name, user in made.items()}


def create(client, headers, **fields) -> dict:
    response = client.post("/api/v1/playlists", json={"title": "Films", **fields}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["playlist"]


def add(client, headers, playlist_id: int, url: str = VIDEO) -> dict:
    response = client.post(
        f"/api/v1/playlists/{playlist_id}/items", json={"video_url": url}, headers=headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_create_list_show_edit_and_delete(client, people):
    owen = people["owen"]
    made = create(client, owen, description="For Sundays", visibility="unlisted")
    assert made["role"] == "owner"
    assert made["visibility"] == "unlisted"
    assert made["version"] == 0
    assert made["item_count"] == 0
    assert made["share_token"]

    listed = client.get("/api/v1/playlists", headers=owen).get_json()["playlists"]
    assert [p["id"] for p in listed] == [made["id"]]

    changed = client.patch(
        f"/api/v1/playlists/{made['id']}", json={"title": "Late films"}, headers=owen
    )
    assert changed.status_code == 200
    assert changed.get_json()["playlist"]["title"] == "Late films"
    assert changed.get_json()["playlist"]["version"] == 1

    shown = client.get(f"/api/v1/playlists/{made['id']}", headers=owen).get_json()["playlist"]
    assert shown["items"] == []
    assert shown["collaborators"] == []

    assert client.delete(f"/api/v1/playlists/{made['id']}", headers=owen).status_code == 204
    assert client.get(f"/api/v1/playlists/{made['id']}", headers=owen).status_code == 404


def test_strangers_see_public_ones_and_unlisted_ones_by_token_only(client, people):
    owen, stan = people["owen"], people["stan"]
    private = create(client, owen)
    unlisted = create(client, owen, visibility="unlisted")
    public = create(client, owen, visibility="public")
    assert client.get(f"/api/v1/playlists/{private['id']}", headers=stan).status_code == 404
    assert client.get(f"/api/v1/playlists/{unlisted['id']}", headers=stan).status_code == 404
    by_token = client.get(
        f"/api/v1/playlists/{unlisted['id']}?token={unlisted['share_token']}", headers=stan
    )
    assert by_token.status_code == 200
    seen = by_token.get_json()["playlist"]
    assert seen["role"] == "viewer"
    assert "share_token" not in seen
    assert client.get(f"/api/v1/playlists/{public['id']}", headers=stan).status_code == 200

    theirs = client.get("/api/v1/users/owen/playlists", headers=stan).get_json()["playlists"]
    assert [p["id"] for p in theirs] == [public["id"]]
    own = client.get("/api/v1/users/owen/playlists", headers=owen).get_json()["playlists"]
    assert len(own) == 3
    assert client.get("/api/v1/playlists").status_code == 401


def test_items_move_with_versions_and_a_stale_move_is_409_with_the_order(client, people):
    owen = people["owen"]
    playlist = create(client, owen)
    first = add(client, owen, playlist["id"])
    second = add(client, owen, playlist["id"], VIDEO + "?2")
    assert (first["version"], second["version"]) == (1, 2)
    assert second["item"]["position"] == 1

    path = f"/api/v1/playlists/{playlist['id']}/items/{second['item']['id']}/move"
    moved = client.post(path, json={"position": 0, "version": 2}, headers=owen)
    assert moved.status_code == 200
    assert moved.get_json()["version"] == 3
    assert [i["id"] for i in moved.get_json()["items"]] == [
        second["item"]["id"],
        first["item"]["id"],
    ]

    stale = client.post(path, json={"position": 1, "version": 2}, headers=owen)
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "stale_version"
    assert error["message"]
    assert error["current"]["version"] == 3
    assert [i["position"] for i in error["current"]["items"]] == [0, 1]

    removed = client.delete(
        f"/api/v1/playlists/{playlist['id']}/items/{second['item']['id']}", headers=owen
    )
    assert removed.status_code == 200
    assert removed.get_json()["version"] == 4
    assert [i["id"] for i in removed.get_json()["items"]] == [first["item"]["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"position": 0},
        {"version": 0},
        {"position": "0", "version": 0},
        {"position": -1, "version": 0},
    ],
)
def test_bad_moves_are_400(client, people, body):
    playlist = create(client, people["owen"])
    item = add(client, people["owen"], playlist["id"])["item"]
    response = client.post(
        f"/api/v1/playlists/{playlist['id']}/items/{item['id']}/move",
        json=body,
        headers=people["owen"],
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] in ("position", "version")


def test_a_bad_video_link_is_400_naming_the_field(client, people):
    playlist = create(client, people["owen"])
    response = client.post(
        f"/api/v1/playlists/{playlist['id']}/items",
        json={"video_url": "javascript:alert(1)"},
        headers=people["owen"],
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "video_url"


def test_collaborators_add_items_and_strangers_cannot(client, people):
    owen, cleo, stan = people["owen"], people["cleo"], people["stan"]
    playlist = create(client, owen)
    base = f"/api/v1/playlists/{playlist['id']}"
    assert client.post(f"{base}/items", json={"video_url": VIDEO}, headers=stan).status_code == 404
    invited = client.post(f"{base}/collaborators/cleo", headers=owen)
    assert invited.status_code == 200
    assert invited.get_json()["collaborator"]["username"] == "cleo"
    assert client.post(f"{base}/collaborators/stan", headers=cleo).status_code == 403
    added = add(client, cleo, playlist["id"])
    assert added["item"]["added_by"]["username"] == "cleo"
    mine = client.get("/api/v1/playlists", headers=cleo).get_json()["playlists"]
    assert [(p["id"], p["role"]) for p in mine] == [(playlist["id"], "collaborator")]
    assert client.patch(base, json={"title": "x"}, headers=cleo).status_code == 403
    assert client.delete(f"{base}/collaborators/cleo", headers=owen).status_code == 204
    assert client.get(base, headers=cleo).status_code == 404


def test_follow_and_unfollow_a_public_playlist(client, people):
    owen, stan = people["owen"], people["stan"]
    public = create(client, owen, visibility="public")
    private = create(client, owen)
    assert client.post(f"/api/v1/playlists/{public['id']}/follow", headers=stan).status_code == 204
    shown = client.get(f"/api/v1/playlists/{public['id']}", headers=stan).get_json()["playlist"]
    assert shown["following"] is True
    assert client.post(f"/api/v1/playlists/{private['id']}/follow", headers=stan).status_code == 404
    assert client.post(f"/api/v1/playlists/{public['id']}/follow", headers=owen).status_code == 400
    gone = client.delete(f"/api/v1/playlists/{public['id']}/follow", headers=stan)
    assert gone.status_code == 204
    shown = client.get(f"/api/v1/playlists/{public['id']}", headers=stan).get_json()["playlist"]
    assert shown["following"] is False


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": 5},
        {"title": "x" * 101},
        {"title": "ok", "visibility": "friends"},
    ],
)
def test_bad_playlists_are_refused(client, people, body):
    response = client.post("/api/v1/playlists", json=body, headers=people["owen"])
    assert response.status_code == 400
    assert set(response.get_json()["error"]) >= {"code", "message", "field"}
