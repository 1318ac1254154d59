"""Clips over JSON: the clip's shape, its range checks in the contract's error shape,
who may change it, a person's list, and a party's last 30 seconds."""

from __future__ import annotations

import pytest

from models.user import Role
from services import parties, party_membership, playback, social

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
CLIP_KEYS = {
    "id",
    "code",
    "url",
    "title",
    "video_url",
    "kind",
    "start",
    "end",
    "owner",
    "views",
    "created_at",
}


@pytest.fixture
def people(user_factory, bearer):
    made = {name: user_factory(name) for name in ("ann", "ben")}
    made["mod"] = user_factory("moe", role=Role.MODERATOR)
    return {name: (user, bearer(user)) for name, user in made.items()}


def make(client, headers, **fields):
    body = {"title": "Kick-off", "video_url": VIDEO, "start": "0:30", "end": 50, **fields}
    return client.post("/api/v1/clips", json=body, headers=headers)


def assert_error(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field:
        assert error["field"] == field


def test_a_clip_is_made_read_changed_and_deleted(client, people):
    _ann, ann = people["ann"]
    _ben, ben = people["ben"]
    made = make(client, ann)
    assert made.status_code == 201
    clip = made.get_json()["clip"]
    assert set(clip) == CLIP_KEYS
    assert (clip["start"], clip["end"], clip["kind"]) == (30.0, 50.0, "youtube")
    assert clip["url"] == f"/c/{clip['code']}"

    read = client.get(f"/api/v1/clips/{clip['code']}", headers=ben).get_json()["clip"]
    assert read == clip
    changed = client.patch(f"/api/v1/clips/{clip['code']}", json={"end": "1:00"}, headers=ann)
    assert changed.get_json()["clip"]["end"] == 60.0
    listed = client.get("/api/v1/users/ann/clips", headers=ben).get_json()["clips"]
    assert [c["code"] for c in listed] == [clip["code"]]

    assert client.delete(f"/api/v1/clips/{clip['code']}", headers=ann).status_code == 204
    assert_error(client.get(f"/api/v1/clips/{clip['code']}", headers=ann), 404, "not_found")


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"start": 50, "end": 20}, "invalid", "end"),
        ({"start": 0, "end": 400}, "invalid", "end"),
        ({"start": "half past"}, "invalid", "start"),
        ({"video_url": "ftp://files.example/film.mp4"}, "invalid", "video_url"),
        ({"title": "x" * 121}, "too_long", "title"),
        ({"title": None}, "invalid", "title"),
    ],
)
def test_bad_clips_are_refused_in_the_contract_shape(client, people, fields, code, field):
    assert_error(make(client, people["ann"][1], **fields), 400, code, field)


def test_only_the_maker_changes_it_and_blocks_hide_it(client, people):
    ann_user, ann = people["ann"]
    _ben_user, ben = people["ben"]
    code = make(client, ann).get_json()["clip"]["code"]
    assert_error(
        client.patch(f"/api/v1/clips/{code}", json={"title": "x"}, headers=ben), 403, "forbidden"
    )
    assert_error(client.delete(f"/api/v1/clips/{code}", headers=ben), 403, "forbidden")
    social.block(ann_user, "ben")
    assert_error(client.get(f"/api/v1/clips/{code}", headers=ben), 404, "not_found")
    assert client.get("/api/v1/users/ann/clips", headers=ben).get_json()["clips"] == []


def test_moderators_take_clips_down(client, people):
    _ann_user, ann = people["ann"]
    clip = make(client, ann).get_json()["clip"]
    assert_error(client.delete(f"/api/v1/admin/clips/{clip['id']}", headers=ann), 404, "not_found")
    removed = client.delete(
        f"/api/v1/admin/clips/{clip['id']}?reason=spam", headers=people["mod"][1]
    )
    assert removed.status_code == 204
    assert_error(client.get(f"/api/v1/clips/{clip['code']}", headers=ann), 404, "not_found")


def test_a_party_clips_its_last_thirty_seconds(client, people):
    ann_user, _ann = people["ann"]
    ben_user, ben = people["ben"]
    party = parties.create(ann_user, {"title": "Match", "media_url": VIDEO, "visibility": "public"})
    assert_error(
        client.post(f"/api/v1/parties/{party.id}/clip", headers=ben), 403, "not_participant"
    )
    party_membership.enter(ben_user, party.id)
    playback.seek(ann_user, party.id, 95.0)
    made = client.post(f"/api/v1/parties/{party.id}/clip", headers=ben)
    assert made.status_code == 201
    clip = made.get_json()["clip"]
    assert (clip["start"], clip["end"], clip["video_url"]) == (65.0, 95.0, VIDEO)
    assert clip["owner"]["username"] == "ben"


def test_a_private_partys_clip_does_not_carry_the_partys_title(client, people):
    ann_user, _ann = people["ann"]
    ben_user, ben = people["ben"]
    private = {"title": "Surprise for cal", "media_url": VIDEO, "visibility": "private"}
    party = parties.create(ann_user, private)
    party_membership.join_by_code(ben_user, party.code)
    playback.play(ann_user, party.id, 100.0)
    made = client.post(f"/api/v1/parties/{party.id}/clip", headers=ben)
    assert made.status_code == 201
    assert made.get_json()["clip"]["title"] == "Clip from a watch party"
    listed = client.get("/api/v1/users/ben/clips", headers=ben).get_data(as_text=True)
    assert "Surprise" not in listed
