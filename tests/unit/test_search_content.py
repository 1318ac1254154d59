"""Search finds posts, playlists and clips on both engines, only where the searcher may
see them, and never by text that was edited away or deleted."""

from __future__ import annotations

from services import clips, playlist_people, playlists, posts, search, social

VIDEO = "https://media.example/film.mp4"


def titles(viewer, words: str, kind: str) -> list[str]:
    return [hit.title for hit in search.search(viewer, words, kind=kind).hits]


def post_ids(viewer, words: str) -> list[int]:
    return [hit.id for hit in search.search(viewer, words, kind="post").hits]


def test_posts_are_found_by_their_audience(search_cast):
    ann, bob, cat, dan = (search_cast[n] for n in ("ann", "bob", "cat", "dan"))
    public = posts.create(ann, "Watching westerns tonight", audience="public")["id"]
    friends = posts.create(ann, "Westerns with friends only", audience="friends")["id"]
    followers = posts.create(ann, "Western marathon for followers", audience="followers")["id"]
    assert set(post_ids(bob, "western")) == {public, friends, followers}
    assert set(post_ids(cat, "western")) == {public, followers}
    assert post_ids(dan, "western") == [public]
    social.block(ann, "dan")
    assert post_ids(dan, "western") == []
    hit = search.search(bob, "marathon", kind="post").hits[0]
    assert "<mark>" in str(hit.snippet_html)
    assert hit.title == "A post by @ann"


def test_an_edited_or_deleted_post_is_not_found_by_its_old_words(search_cast):
    ann, bob = search_cast["ann"], search_cast["bob"]
    post_id = posts.create(ann, "A secret picnic spot", audience="public")["id"]
    posts.edit(ann, post_id, {"text": "A quiet evening"})
    assert post_ids(bob, "picnic") == []
    assert post_ids(bob, "quiet") == [post_id]
    posts.delete_post(ann, post_id)
    assert post_ids(bob, "quiet") == []


def test_playlists_are_found_when_public_or_ones_own(search_cast):
    ann, bob, cat = search_cast["ann"], search_cast["bob"], search_cast["cat"]
    playlists.create(ann, "Noir classics", "Shadows and rain", "public")
    hidden = playlists.create(ann, "Noir in private", "", "private")
    assert titles(cat, "noir", "playlist") == ["Noir classics, a playlist by @ann"]
    assert len(titles(ann, "noir", "playlist")) == 2
    playlist_people.invite(ann, hidden.id, "bob")
    assert len(titles(bob, "noir", "playlist")) == 2
    assert titles(cat, "rain", "playlist") == ["Noir classics, a playlist by @ann"]
    playlists.delete(ann, hidden.id)
    assert titles(bob, "private", "playlist") == []


def test_clips_are_found_by_title_but_not_across_a_block(search_cast):
    ann, dan = search_cast["ann"], search_cast["dan"]
    clip = clips.create(
        ann, {"title": "The great escape", "video_url": VIDEO, "start": 0, "end": 9}
    )
    [hit] = search.search(dan, "escape", kind="clip").hits
    assert hit.code == clip.code
    social.block(dan, "ann")
    assert search.search(dan, "escape", kind="clip").hits == []
    clips.delete(ann, clip.code)
    assert search.search(ann, "escape", kind="clip").hits == []


def test_the_facets_count_every_kind(search_cast):
    ann, bob = search_cast["ann"], search_cast["bob"]
    posts.create(ann, "Sunset over the harbour", audience="public")
    playlists.create(ann, "Harbour films", "", "public")
    clips.create(ann, {"title": "Harbour at dusk", "video_url": VIDEO, "start": 0, "end": 9})
    facets = search.search(bob, "harbour").facets
    assert (facets["post"], facets["playlist"], facets["clip"]) == (1, 1, 1)
