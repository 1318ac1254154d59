"""Party pages and playlists: the queue panel keeps the video now, or it and the queue,
in one's playlists (with htmx in place, without it on the page), and a playlist starts a
party from a plain form."""

from __future__ import annotations

from services import party_membership, playlist_items, playlist_parties, playlist_views, playlists
from tests.support.pages import HX, csrf_token, page, post

VIDEOS = [f"https://media.example/{n}.mp4" for n in ("one", "two")]


def films(owner, visibility: str = "public"):
    playlist = playlists.create(owner, "Film club", "", visibility)
    for n, url in enumerate(VIDEOS):
        playlist_items.add(owner, playlist.id, url, f"Film {n + 1}")
    return playlist


def test_a_playlist_starts_a_party_from_a_form(app, logged_in_client, ben):
    playlist = films(ben)
    response = post(logged_in_client, f"/playlists/{playlist.id}/party", title="Alice's night")
    assert response.status_code == 302
    party_page = page(logged_in_client, response.headers["Location"])
    assert "Alice's night" in party_page.replace("&#39;", "'")
    assert "Film 2" in party_page  # queued
    private = films(ben, "private")
    assert post(logged_in_client, f"/playlists/{private.id}/party").status_code == 404


def test_the_queue_panel_keeps_the_video_and_the_queue(app, logged_in_client, ben):
    party = playlist_parties.start_party(ben, films(ben).id, {})
    party_membership.enter(logged_in_client.user, party.id)
    mine = playlists.create(logged_in_client.user, "My picks")
    shown = page(logged_in_client, f"/parties/{party.id}")
    assert "Save as a playlist" in shown
    assert f'<option value="{mine.id}">My picks</option>' in shown

    token = csrf_token(logged_in_client)
    answer = logged_in_client.post(
        f"/parties/{party.id}/queue/keep",
        data={"playlist_id": str(mine.id)},
        headers={**HX, "X-CSRFToken": token},
    ).get_data(as_text=True)
    assert "Added to the playlist." in answer
    assert [i.video_url for i in playlist_items.items(mine.id)] == [VIDEOS[0]]

    saved = post(logged_in_client, f"/parties/{party.id}/queue/save")
    assert saved.status_code == 302
    assert "Saved as a new private playlist" in page(logged_in_client, saved.headers["Location"])
    kept = [
        p for p in playlist_views.editable(logged_in_client.user) if p.title == "Film club (queue)"
    ]
    assert len(kept) == 1
    assert [i.video_url for i in playlist_items.items(kept[0].id)] == VIDEOS


def test_a_refused_start_goes_back_to_the_playlist_it_came_from(app, logged_in_client, ben):
    """An unlisted playlist's page is found again by its link, with the reason shown."""
    unlisted = films(ben, "unlisted")
    refused = post(
        logged_in_client,
        f"/playlists/{unlisted.id}/party",
        title="x" * 500,
        token=unlisted.share_token,
    )
    assert refused.status_code == 302
    back = refused.headers["Location"]
    assert back == f"/playlists/{unlisted.id}?token={unlisted.share_token}"
    shown = page(logged_in_client, back)
    assert "Film club" in shown
    assert "at most" in shown
