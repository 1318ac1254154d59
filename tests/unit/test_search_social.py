"""Search finds parties and comments on both engines, only where the searcher may see
them and never by text edited away or taken down; a room category narrows rooms and
their messages."""

from __future__ import annotations

import pytest

from errors import ValidationError
from models.user import Role
from services import (
    accounts,
    comments,
    conversations,
    parties,
    party_membership,
    posts,
    search,
    search_index,
    social,
)
from tests.conftest import PASSWORD
from tests.support.messages import sent_message

VIDEO = "https://media.example/film.mp4"


def ids(viewer, words: str, kind: str, category: str | None = None) -> set[int]:
    return {hit.id for hit in search.search(viewer, words, kind=kind, category=category).hits}


def party(host, title: str, visibility: str, description: str = "") -> int:
    fields = {"title": title, "description": description, "media_url": VIDEO}
    return parties.create(host, {**fields, "visibility": visibility}).id


def test_parties_are_found_by_their_visibility(search_cast):
    ann, bob, cat, dan = (search_cast[n] for n in ("ann", "bob", "cat", "dan"))
    public = party(ann, "Western night", "public", "Spaghetti westerns")
    friends = party(ann, "Westerns for friends", "friends")
    private = party(ann, "Private western", "private")
    assert ids(ann, "western", "party") == {public, friends, private}
    assert ids(bob, "western", "party") == {public, friends}
    assert ids(cat, "western", "party") == {public}
    assert ids(dan, "spaghetti", "party") == {public}
    hit = search.search(dan, "spaghetti", kind="parties").hits[0]
    assert hit.title == "Western night, a party by @ann"
    assert "<mark>" in str(hit.snippet_html)
    social.block(ann, "dan")
    assert ids(dan, "western", "party") == set()


def test_a_private_party_is_found_by_the_people_in_it(search_cast):
    ann, dan = search_cast["ann"], search_cast["dan"]
    private = party(ann, "Secret screening", "private")
    code = parties.get(ann, private).party.code
    assert ids(dan, "screening", "party") == set()
    party_membership.join_by_code(dan, code)
    assert ids(dan, "screening", "party") == {private}
    social.block(ann, "dan")
    assert ids(dan, "screening", "party") == set()


def test_comments_are_found_by_their_posts_audience(search_cast):
    ann, bob, cat, dan = (search_cast[n] for n in ("ann", "bob", "cat", "dan"))
    public = posts.create(ann, "Tonight", audience="public")["id"]
    friends = posts.create(ann, "Among friends", audience="friends")["id"]
    on_public = comments.create(bob, public, "Bring popcorn please")["id"]
    on_friends = comments.create(bob, friends, "Popcorn for friends")["id"]
    assert ids(bob, "popcorn", "comment") == {on_public, on_friends}
    assert ids(cat, "popcorn", "comment") == {on_public}
    assert ids(dan, "popcorn", "comments") == {on_public}
    [hit] = search.search(dan, "popcorn", kind="comment").hits
    assert (hit.title, hit.post_id) == ("@bob on a post by @ann", public)
    assert "<mark>" in str(hit.snippet_html)
    social.block(bob, "dan")
    assert ids(dan, "popcorn", "comment") == set()


def test_a_reply_under_a_blocked_persons_comment_is_not_found(search_cast):
    ann, bob, dan = search_cast["ann"], search_cast["bob"], search_cast["dan"]
    post_id = posts.create(ann, "Tonight", audience="public")["id"]
    top = comments.create(bob, post_id, "Popcorn?")["id"]
    reply = comments.create(ann, post_id, "Sweet popcorn", parent_id=top)["id"]
    assert ids(dan, "sweet", "comment") == {reply}
    social.block(dan, "bob")
    assert ids(dan, "sweet", "comment") == set()


def test_an_edited_deleted_or_removed_comment_is_not_found_by_its_old_words(search_cast):
    ann, bob = search_cast["ann"], search_cast["bob"]
    staff = accounts.register("mod", PASSWORD, Role.MODERATOR)
    post_id = posts.create(ann, "Tonight", audience="public")["id"]
    edited = comments.create(bob, post_id, "A secret picnic")["id"]
    comments.edit(bob, edited, {"text": "A quiet evening"})
    assert ids(ann, "picnic", "comment") == set()
    assert ids(ann, "quiet", "comment") == {edited}
    comments.delete(bob, edited)
    removed = comments.create(bob, post_id, "Rude remark")["id"]
    assert ids(ann, "rude", "comment") == {removed}
    comments.remove(staff, removed, "rude")
    assert ids(ann, "quiet", "comment") == ids(ann, "rude", "comment") == set()
    kept = comments.create(bob, post_id, "Quiet again")["id"]
    assert ids(bob, "quiet", "comment") == {kept}
    posts.delete_post(ann, post_id)
    assert ids(bob, "quiet", "comment") == set()


def test_the_category_narrows_rooms_and_their_messages(search_cast):
    ann, bob = search_cast["ann"], search_cast["bob"]
    films = conversations.create_room(ann, "Cinema club", "public", category="films")
    music = conversations.create_room(ann, "Cinema songs", "public", category="music")
    group = conversations.create_group(ann, "Cinema friends", ["bob"], category="films")
    direct = conversations.open_direct(ann, "bob")
    in_films = sent_message(ann, films.id, "cinema tonight").id
    sent_message(ann, music.id, "cinema soundtrack")
    in_group = sent_message(ann, group.id, "cinema later").id
    sent_message(ann, direct.id, "cinema with you")
    assert ids(bob, "cinema", "room", "films") == {films.id, group.id}
    assert ids(bob, "cinema", "message", "films") == {in_films, in_group}
    found = search.search(bob, "cinema", category="films")
    assert set(found.facets) == {"room", "message"}
    assert ids(bob, "cinema", "room", "general") == set()
    with pytest.raises(ValidationError) as refused:
        search.search(bob, "cinema", category="nonsense")
    assert refused.value.field == "category"


def test_the_facets_count_parties_and_comments_and_reindex_keeps_them(search_cast):
    ann, bob = search_cast["ann"], search_cast["bob"]
    party(ann, "Harbour lights", "public")
    post_id = posts.create(ann, "Tonight", audience="public")["id"]
    comments.create(bob, post_id, "The harbour at night")
    facets = search.search(bob, "harbour").facets
    assert (facets["party"], facets["comment"]) == (1, 1)
    counts = search_index.rebuild()
    assert (counts["party"], counts["comment"]) == (1, 1)
    assert search.search(bob, "harbour").facets == facets
