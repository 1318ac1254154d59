"""Announcements and party invitations over JSON."""

from __future__ import annotations

import pytest

from models.user import Role

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def people(user_factory, bearer):
    made = {
        "admin": user_factory("ada", role=Role.ADMIN),
        "mod": user_factory("moe", role=Role.MODERATOR),
        "ann": user_factory("ann"),
        "ben": user_factory("ben"),
    }
    return {name: (user, bearer(user)) for name, user in made.items()}


def test_an_admin_posts_everyone_reads_and_the_admin_withdraws(client, people):
    admin, ann = people["admin"][1], people["ann"][1]
    posted = client.post(
        "/api/v1/admin/announcements",
        json={"body": "Maintenance tonight", "hours": 2},
        headers=admin,
    )
    assert posted.status_code == 201
    announcement = posted.get_json()["announcement"]
    assert announcement["body"] == "Maintenance tonight"
    assert announcement["author"]["username"] == "ada"
    assert set(announcement) == {"id", "body", "author", "created_at", "expires_at"}

    current = client.get("/api/v1/announcements", headers=ann).get_json()["announcements"]
    assert [a["id"] for a in current] == [announcement["id"]]

    audit = client.get("/api/v1/admin/audit", headers=admin).get_json()["entries"]
    assert audit[0]["action"] == "post_announcement"
    assert audit[0]["target_id"] == announcement["id"]

    gone = client.delete(f"/api/v1/admin/announcements/{announcement['id']}", headers=admin)
    assert gone.status_code == 204
    assert client.get("/api/v1/announcements", headers=ann).get_json()["announcements"] == []
    missing = client.delete("/api/v1/admin/announcements/999999", headers=admin)
    assert missing.status_code == 404


def test_only_admins_post(client, people):
    body = {"body": "Hello"}
    user = client.post("/api/v1/admin/announcements", json=body, headers=people["ann"][1])
    assert user.status_code == 404
    mod = client.post("/api/v1/admin/announcements", json=body, headers=people["mod"][1])
    assert mod.status_code == 403
    assert mod.get_json()["error"]["code"] == "forbidden"
    anonymous = client.get("/api/v1/announcements")
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": 5},
        {"body": "x" * 501},
        {"body": "ok", "hours": "a day"},
        {"body": "ok", "expires_at": "soon"},
        {"body": "ok", "expires_at": "2001-01-01T00:00:00Z"},
    ],
)
def test_bad_announcements_are_refused(client, people, body):
    response = client.post("/api/v1/admin/announcements", json=body, headers=people["admin"][1])
    assert response.status_code == 400
    assert set(response.get_json()["error"]) >= {"code", "message"}


def test_dismiss_over_json(client, people):
    posted = client.post(
        "/api/v1/admin/announcements", json={"body": "Hi all"}, headers=people["admin"][1]
    ).get_json()["announcement"]
    done = client.post(f"/api/v1/announcements/{posted['id']}/dismiss", headers=people["ann"][1])
    assert done.status_code == 204
    assert (
        client.post("/api/v1/announcements/999999/dismiss", headers=people["ann"][1]).status_code
        == 404
    )


def test_invite_to_a_party(client, people):
    ann, ben = people["ann"][1], people["ben"][1]
    party = client.post(
        "/api/v1/parties",
        json={"title": "Films", "media_url": VIDEO, "visibility": "private"},
        headers=ann,
    ).get_json()["party"]
    found = client.get(f"/api/v1/parties/{party['id']}/invitable?q=be", headers=ann).get_json()
    assert [p["username"] for p in found["people"]] == ["ben"]

    sent = client.post(
        f"/api/v1/parties/{party['id']}/invites", json={"username": "ben"}, headers=ann
    )
    assert sent.status_code == 201
    assert sent.get_json()["invited"]["username"] == "ben"
    [item] = client.get("/api/v1/notifications", headers=ben).get_json()["notifications"]
    assert item["kind"] == "party_invite"
    assert item["subject"]["code"] == party["code"]
    joined = client.post(
        "/api/v1/parties/join", json={"code": item["subject"]["code"]}, headers=ben
    )
    assert joined.status_code == 200

    again = client.post(
        f"/api/v1/parties/{party['id']}/invites", json={"username": "ben"}, headers=ann
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "not_invitable"
    bad = client.post(f"/api/v1/parties/{party['id']}/invites", json={"username": 3}, headers=ann)
    assert bad.status_code == 400
    # An outsider: the private party does not exist for them.
    outsider = client.post(
        f"/api/v1/parties/{party['id']}/invites", json={"username": "ann"}, headers=people["mod"][1]
    )
    assert outsider.status_code == 404
