"""Playlist pages: creating one (with its errors), who sees which playlist (404 in the same
words as a missing one, the unlisted link), collaborators adding and removing videos, the
move buttons from the version the page showed (a stale one shows the current order and
says so), the live list for the page's stream, escaping, and CSRF."""

from __future__ import annotations

import re
from html import unescape

import pytest

from blueprints.playlists.base import STALE
from extensions import db
from models.playlist import Playlist
from realtime.events import Envelope
from realtime.fragments import render_fragments
from services import playlist_items, playlist_people, playlist_views, playlists, social
from tests.conftest import running
from tests.support.pages import HX, csrf_token, page, post

VIDEO = "https://media.example/film.mp4"
OTHER = "https://media.example/other.mp4"


@pytest.fixture
def app(tmp_path):
    """Generous limits: these tests write often."""
    with running(
        tmp_path,
        PLAYLIST_WRITE_RATE_LIMIT="1000 per minute",
        PLAYLIST_ITEM_RATE_LIMIT="1000 per minute",
    ) as application:
        yield application


def titles(html: str) -> list[str]:
    found = re.findall(r'class="playlist-item-title"[^>]*>([^<]*)</a>', html)
    return [unescape(title) for title in found]


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', html, re.S)
    assert match, f"no error shown next to {field_id}"
    return match.group(1)


def error_words(html: str) -> str:
    match = re.search(r'<section class="card narrow error-page".*?</section>', html, re.S)
    assert match, "not an error page"
    return match.group(0)


def three_videos(owner, visibility: str = "private") -> Playlist:
    playlist = playlists.create(owner, "Road trip", "Songs for the car", visibility)
    for name in ("One", "Two", "Three"):
        playlist_items.add(owner, playlist.id, f"{VIDEO}?{name}", name)
    return playlist


def test_pages_need_sign_in(client, user_factory):
    playlist = playlists.create(user_factory("ben"), "Films", "", "public")
    for path in ("/playlists", f"/playlists/{playlist.id}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_create_from_my_playlists(logged_in_client):
    client = logged_in_client
    html = page(client, "/playlists")
    assert "Create playlist" in html
    assert 'href="/playlists"' in html
    response = post(
        client, "/playlists", title="Rainy  day", description="Slow films", visibility="unlisted"
    )
    assert response.status_code == 302
    shown = page(client, response.headers["Location"])
    assert "Rainy day" in shown
    assert "Slow films" in shown
    assert "Unlisted" in shown
    assert "only people with its link" in shown
    playlist = db.session.scalar(db.select(Playlist))
    assert f"/playlists/{playlist.id}?token={playlist.share_token}" in shown
    assert "Rainy day" in page(client, "/playlists")


def test_create_errors_are_said_beside_the_fields_keeping_what_was_typed(logged_in_client):
    response = post(logged_in_client, "/playlists", title="", description="Kept words")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "playlist-title")
    assert "Kept words" in html
    long = post(logged_in_client, "/playlists", title="x" * 101, visibility="public")
    assert long.status_code == 400
    assert "100" in field_error(long.get_data(as_text=True), "playlist-title")
    assert db.session.scalar(db.select(db.func.count()).select_from(Playlist)) == 0


def test_private_and_unlisted_are_missing_to_strangers(logged_in_client, user_factory):
    ben = user_factory("ben")
    private = three_videos(ben, "private")
    unlisted = three_videos(ben, "unlisted")
    public = three_videos(ben, "public")
    missing = error_words(page(logged_in_client, "/playlists/987654", 404))
    assert "No such playlist." in missing
    for url in (
        f"/playlists/{private.id}",
        f"/playlists/{private.id}?token={private.share_token}",
        f"/playlists/{unlisted.id}",
        f"/playlists/{unlisted.id}?token=wrong",
    ):
        assert error_words(page(logged_in_client, url, 404)) == missing, url
    opened = page(logged_in_client, f"/playlists/{unlisted.id}?token={unlisted.share_token}")
    assert titles(opened) == ["One", "Two", "Three"]
    assert "Move up" not in opened
    assert "Add a video" not in opened
    assert "Its link, for the people you share it with" not in opened
    shown = page(logged_in_client, f"/playlists/{public.id}")
    assert titles(shown) == ["One", "Two", "Three"]
    assert ">Follow<" in shown
    profile = page(logged_in_client, "/u/ben")
    assert "Playlists by" in profile
    assert f"/playlists/{public.id}" in profile
    assert f"/playlists/{private.id}" not in profile
    assert f"/playlists/{unlisted.id}" not in profile


def test_collaborator_adds_and_removes_videos(logged_in_client, ben_client):
    owner = logged_in_client.user
    playlist = playlists.create(owner, "Together", "", "private")
    page(ben_client, f"/playlists/{playlist.id}", 404)
    invited = post(logged_in_client, f"/playlists/{playlist.id}/collaborators", username="ben")
    assert invited.status_code == 302
    html = page(ben_client, f"/playlists/{playlist.id}")
    assert "Add a video" in html
    added = post(
        ben_client, f"/playlists/{playlist.id}/items", video_url=VIDEO, title="Ben's", start="1:30"
    )
    assert added.status_code == 302
    shown = page(logged_in_client, f"/playlists/{playlist.id}")
    assert titles(shown) == ["Ben's"]
    assert "From 1:30" in shown
    assert "added by" in shown
    assert "/u/ben" in shown
    item_id = playlist_items.items(playlist.id)[0].id
    removed = post(ben_client, f"/playlists/{playlist.id}/items/{item_id}/remove")
    assert removed.status_code == 302
    assert titles(page(logged_in_client, f"/playlists/{playlist.id}")) == []
    gone = post(logged_in_client, f"/playlists/{playlist.id}/collaborators/ben/remove")
    assert gone.status_code == 302
    page(ben_client, f"/playlists/{playlist.id}", 404)
    refused = post(ben_client, f"/playlists/{playlist.id}/items", video_url=VIDEO)
    assert refused.status_code == 404


def test_add_errors_keep_what_was_typed(logged_in_client):
    playlist = playlists.create(logged_in_client.user, "Mine", "", "private")
    url = f"/playlists/{playlist.id}/items"
    bad_link = post(logged_in_client, url, video_url="ftp://nowhere", title="Kept title")
    assert bad_link.status_code == 400
    html = bad_link.get_data(as_text=True)
    assert field_error(html, "item-url")
    assert "Kept title" in html
    assert "ftp://nowhere" in html
    too_long = post(logged_in_client, url, video_url=VIDEO, title="t" * 201)
    assert "200" in field_error(too_long.get_data(as_text=True), "item-title")
    bad_start = post(logged_in_client, url, video_url=VIDEO, start="soon")
    assert "1:30" in field_error(bad_start.get_data(as_text=True), "item-start")
    assert playlist_items.items(playlist.id) == []


def test_move_buttons_and_a_stale_version(logged_in_client):
    playlist = three_videos(logged_in_client.user)
    url = f"/playlists/{playlist.id}"
    html = page(logged_in_client, url)
    version = re.search(r'data-version="(\d+)"', html).group(1)
    one, _two, three = (item.id for item in playlist_items.items(playlist.id))
    moved = post(logged_in_client, f"{url}/items/{three}/move", position="1", version=version)
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"#item-{three}")
    assert titles(page(logged_in_client, url)) == ["One", "Three", "Two"]
    # The same page's button again: the list changed since it was drawn.
    stale = post(logged_in_client, f"{url}/items/{one}/move", position="1", version=version)
    assert stale.status_code == 409
    stale_html = stale.get_data(as_text=True)
    assert STALE in stale_html
    assert titles(stale_html) == ["One", "Three", "Two"]
    # The page's script gets the list alone, with the version to move from next.
    answer = logged_in_client.post(
        f"{url}/items/{one}/move",
        data={"position": "2", "version": version},
        headers={**HX, "X-CSRFToken": csrf_token(logged_in_client)},
    )
    assert answer.status_code == 409
    fragment = answer.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="playlist-items"')
    assert STALE in fragment
    fresh = re.search(r'data-version="(\d+)"', fragment).group(1)
    assert fresh == str(db.session.get(Playlist, playlist.id).version) != version
    again = logged_in_client.post(
        f"{url}/items/{one}/move",
        data={"position": "2", "version": fresh},
        headers={**HX, "X-CSRFToken": csrf_token(logged_in_client)},
    )
    assert again.status_code == 200
    assert titles(again.get_data(as_text=True)) == ["Three", "Two", "One"]


def test_viewers_get_no_buttons_and_cannot_move(logged_in_client, user_factory):
    ben = user_factory("ben")
    playlist = three_videos(ben, "public")
    html = page(logged_in_client, f"/playlists/{playlist.id}")
    assert "Move up" not in html
    assert "Remove" not in html
    item = playlist_items.items(playlist.id)[0].id
    version = str(db.session.get(Playlist, playlist.id).version)
    refused = post(
        logged_in_client,
        f"/playlists/{playlist.id}/items/{item}/move",
        position="1",
        version=version,
    )
    assert refused.status_code == 403
    assert next(i.id for i in playlist_items.items(playlist.id)) == item


def test_what_people_write_is_escaped(logged_in_client):
    owner = logged_in_client.user
    playlist = playlists.create(owner, "<script>alert(1)</script>", "<b>bold</b>", "private")
    playlist_items.add(owner, playlist.id, VIDEO, "<img src=x onerror=alert(2)>")
    html = page(logged_in_client, f"/playlists/{playlist.id}")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
    assert "<b>bold</b>" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;script&gt;" in page(logged_in_client, "/playlists")


def test_forms_without_csrf_are_refused(logged_in_client):
    playlist = three_videos(logged_in_client.user)
    item = playlist_items.items(playlist.id)[0].id
    version = db.session.get(Playlist, playlist.id).version
    for url, data in (
        ("/playlists", {"title": "Sneaky"}),
        (f"/playlists/{playlist.id}/items", {"video_url": OTHER}),
        (f"/playlists/{playlist.id}/items/{item}/move", {"position": 2, "version": version}),
        (f"/playlists/{playlist.id}/items/{item}/remove", {}),
        (f"/playlists/{playlist.id}/edit", {"title": "Taken"}),
        (f"/playlists/{playlist.id}/delete", {"confirm": "yes"}),
    ):
        response = logged_in_client.post(url, data=data)
        assert response.status_code == 400, url
        assert "sent from elsewhere" in response.get_data(as_text=True)
    assert titles(page(logged_in_client, f"/playlists/{playlist.id}")) == ["One", "Two", "Three"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Playlist)) == 1


def test_owner_edits_deletes_and_followers_follow(logged_in_client, ben_client):
    playlist = three_videos(logged_in_client.user, "public")
    url = f"/playlists/{playlist.id}"
    followed = post(ben_client, f"{url}/follow")
    assert followed.status_code == 302
    assert ">Unfollow<" in page(ben_client, url)
    refused = post(logged_in_client, f"{url}/edit", title="", visibility="public")
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "edit-title")
    saved = post(logged_in_client, f"{url}/edit", title="Renamed", visibility="private")
    assert saved.status_code == 302
    assert "Renamed" in page(logged_in_client, url)
    page(ben_client, url, 404)
    asked = post(logged_in_client, f"{url}/delete")
    assert asked.status_code == 200
    assert "confirm" in asked.get_data(as_text=True)
    deleted = post(logged_in_client, f"{url}/delete", confirm="yes")
    assert deleted.status_code == 302
    page(logged_in_client, url, 404)


def _fragments(app, envelope: Envelope, viewer_id: int, query: str) -> dict[str, str]:
    with app.test_request_context(f"/events/html?{query}"):
        return dict(render_fragments(envelope, frozenset(), viewer_id))


def _event(name: str, playlist_id: int) -> Envelope:
    """An event of the playlist as its page hears it (the renderers read the playlist
    as it is now, so only its id, and for an update that it still exists, matter)."""
    data: dict = {"playlist_id": playlist_id, "version": 0}
    if name == playlists.UPDATED:
        data["playlist"] = {"id": playlist_id}
    return Envelope(channel=playlists.channel(playlist_id), name=name, data=data)


def test_live_list_reaches_only_the_playlists_page_of_people_who_may_see_it(app, user_factory):
    owner, ben, sam = user_factory("owner"), user_factory("ben"), user_factory("sam")
    playlist = three_videos(owner, "unlisted")
    playlist_people.invite(owner, playlist.id, "ben")
    moved = _event(playlist_items.ITEM_MOVED, playlist.id)
    query = f"playlist={playlist.id}"
    shown = _fragments(app, moved, ben.id, query)
    items = shown[f"playlist-items-{playlist.id}"]
    assert titles(items) == ["One", "Two", "Three"]
    assert "Move up" in items
    assert f'data-version="{db.session.get(Playlist, playlist.id).version}"' in items
    assert _fragments(app, moved, ben.id, "playlist=987654") == {}
    assert _fragments(app, moved, ben.id, "") == {}
    # A stranger without the link is told nothing of it; with it, sees the list.
    assert set(_fragments(app, moved, sam.id, query)) == {f"playlist-gone-{playlist.id}"}
    opened = _fragments(app, moved, sam.id, f"{query}&playlist_token={playlist.share_token}")
    assert "Move up" not in opened[f"playlist-items-{playlist.id}"]
    # Made private: the page says it is no longer shared; deleted: that it was deleted.
    playlists.edit(owner, playlist.id, {"visibility": "private"})
    updated = _event(playlists.UPDATED, playlist.id)
    gone = _fragments(app, updated, sam.id, f"{query}&playlist_token={playlist.share_token}")
    assert "no longer shared with you" in gone[f"playlist-gone-{playlist.id}"]
    assert f"playlist-header-{playlist.id}" in _fragments(app, updated, ben.id, query)
    social.block(owner, "ben")
    assert set(_fragments(app, moved, ben.id, query)) == {f"playlist-gone-{playlist.id}"}
    deleted = Envelope(
        channel=playlists.channel(playlist.id),
        name=playlists.UPDATED,
        data={"playlist_id": playlist.id, "version": 9, "playlist": None},
    )
    assert (
        "was deleted" in _fragments(app, deleted, owner.id, query)[f"playlist-gone-{playlist.id}"]
    )


def test_the_pages_stream_hears_the_playlist_while_its_person_may_see_it(
    logged_in_client, user_factory
):
    ben = user_factory("ben")
    public = three_videos(ben, "public")
    unlisted = three_videos(ben, "unlisted")
    html = page(logged_in_client, f"/playlists/{unlisted.id}?token={unlisted.share_token}")
    connect = unescape(re.search(r'sse-connect="([^"]+)"', html).group(1))
    assert f"playlist={unlisted.id}" in connect
    assert f"playlist_token={unlisted.share_token}" in connect
    viewer = logged_in_client.user
    channel = playlists.channel
    assert playlist_views.stream_channels(viewer, public.id) == {channel(public.id)}
    assert playlist_views.stream_channels(viewer, unlisted.id) == set()
    opened = playlist_views.stream_channels(viewer, unlisted.id, unlisted.share_token)
    assert opened == {channel(unlisted.id)}
    playlists.edit(ben, public.id, {"visibility": "private"})
    assert playlist_views.stream_channels(viewer, public.id) == set()
