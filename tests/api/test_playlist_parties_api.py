"""Playlists and parties over JSON: a party from a playlist, its queue kept as a
playlist, and the playing video added to one, with the contract's shapes and errors."""

from __future__ import annotations

import pytest

from services import party_membership, playlist_items, playlists

VIDEOS = [f"https://media.example/{n}.mp4" for n in ("one", "two")]


@pytest.fixture
def people(user_factory, bearer):
    made = {name: user_factory(name) for name in ("ann", "ben")}
    return {name: (user, bearer(user)) for name, user in made.items()}


def test_a_playlist_becomes_a_party_whose_queue_becomes_a_playlist(client, people):
    ann, ann_headers = people["ann"]
    _ben, ben_headers = people["ben"]
    playlist = playlists.create(ann, "Double bill", "", "public")
    for url in VIDEOS:
        playlist_items.add(ann, playlist.id, url, "A film")

    made = client.post(f"/api/v1/playlists/{playlist.id}/party", json={}, headers=ben_headers)
    assert made.status_code == 201, made.get_json()
    party = made.get_json()["party"]
    assert party["title"] == "Double bill"
    assert party["state"]["media_url"] == VIDEOS[0]

    saved = client.post(
        f"/api/v1/parties/{party['id']}/queue/save", json={"title": "Kept"}, headers=ben_headers
    )
    assert saved.status_code == 201
    kept = saved.get_json()["playlist"]
    assert (kept["title"], kept["visibility"], kept["item_count"]) == ("Kept", "private", 2)

    party_membership.enter(ann, party["id"])
    kept_one = client.post(
        f"/api/v1/parties/{party['id']}/queue/keep",
        json={"playlist_id": playlist.id},
        headers=ann_headers,
    )
    assert kept_one.status_code == 200
    assert kept_one.get_json()["item"]["video_url"] == VIDEOS[0]


def test_an_empty_playlist_is_refused_in_the_contract_shape(client, people):
    ann, ann_headers = people["ann"]
    empty = playlists.create(ann, "Nothing yet")
    refused = client.post(f"/api/v1/playlists/{empty.id}/party", json={}, headers=ann_headers)
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid", "playlist_id")
    assert error["message"] == "This playlist has no videos yet."
