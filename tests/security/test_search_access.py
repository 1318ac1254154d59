"""Search never spills: a stranger finds nothing of a private group (its name, its
messages) by any words or filter, on the page or over the API; someone blocked finds
nothing of the blocker, nor the blocker of them."""

from __future__ import annotations

import pytest
from markupsafe import escape

from services import (
    comments,
    conversation_members,
    conversations,
    parties,
    playlists,
    posts,
    social,
)
from tests.support.messages import sent_message
from tests.support.pages import signed_in

QUERIES = [
    "quince",
    '"quince tart"',
    "quince kind:rooms",
    "quince kind:messages",
    "orchard",
    "kind:people orchard",
    "from:vera",
    "from:mia quince",
    "in:{group}",
    'in:"Quince orchard"',
    "quince in:{group}",
    "quince after:2000-01-01",
    "quince before:2999-01-01",
]


@pytest.fixture
def scene(app, user_factory, bearer):
    vera, mia, sam = user_factory("vera"), user_factory("mia"), user_factory("sam")
    group = conversations.create_group(vera, "Quince orchard", ["mia"], description="quince")
    private_room = conversations.create_room(vera, "Quince cellar", "private", members=["mia"])
    secrets = {
        sent_message(vera, group.id, "quince tart at the orchard").id,
        sent_message(mia, group.id, "quince jam in the orchard").id,
        sent_message(vera, private_room.id, "quince tart in the cellar").id,
    }
    hidden = {("message", id_) for id_ in secrets} | {("room", group.id), ("room", private_room.id)}
    return {"group": group, "sam": sam, "vera": vera, "mia": mia, "hidden": hidden, "api": bearer}


def _api_hits(app, auth, query):
    answer = app.test_client().get("/api/v1/search", query_string={"q": query}, headers=auth)
    assert answer.status_code == 200, (query, answer.get_json())
    return {(r["kind"], r["id"]) for r in answer.get_json()["results"]}


@pytest.mark.parametrize("template", QUERIES)
def test_a_stranger_finds_nothing_of_a_private_group(app, scene, template):
    query = template.format(group=scene["group"].id)
    auth = scene["api"](scene["sam"])
    assert not _api_hits(app, auth, query) & scene["hidden"]
    html = signed_in(app, "sam").get("/search", query_string={"q": query}).get_data(as_text=True)
    # What the page says back is the query itself; the rest is what was found.
    results = html[html.index('id="search-results"') :].replace(str(escape(query)), "")
    for word in ("Quince orchard", "Quince cellar", "quince tart", "quince jam"):
        assert word.lower() not in results.lower().replace("<mark>", "").replace("</mark>", "")


def test_the_members_do_find_it(app, scene):
    """The same searches are not empty for the members: the stranger's are empty by rule."""
    auth = scene["api"](scene["mia"])
    assert _api_hits(app, auth, "quince") == scene["hidden"]


def test_a_blocked_person_finds_nothing_of_the_blocker_and_back(app, scene, user_factory):
    vera, mia = scene["vera"], scene["mia"]
    room = conversations.create_room(vera, "Open quince room", "public")
    open_message = sent_message(vera, room.id, "quince for everyone")
    sam_auth = scene["api"](scene["sam"])
    assert ("message", open_message.id) in _api_hits(app, sam_auth, "quince")
    assert ("person", vera.id) in _api_hits(app, sam_auth, "vera")
    social.block(vera, "sam")
    assert ("message", open_message.id) not in _api_hits(app, sam_auth, "quince")
    assert ("message", open_message.id) not in _api_hits(app, sam_auth, "from:vera")
    assert ("person", vera.id) not in _api_hits(app, sam_auth, "vera")
    assert ("person", scene["sam"].id) not in _api_hits(app, scene["api"](vera), "sam")
    # Mia's own messages in the same room are still found by Sam: only Vera's are hidden.
    conversation_members.join(mia, room.id)
    mia_message = sent_message(mia, room.id, "quince from mia")
    assert ("message", mia_message.id) in _api_hits(app, sam_auth, "quince")


CONTENT_QUERIES = ["quince", '"quince pie"', "quince kind:posts", "kind:playlists quince", "pie"]


@pytest.mark.parametrize("query", CONTENT_QUERIES)
def test_a_stranger_finds_no_friends_post_or_private_playlist(app, scene, query):
    vera, mia = scene["vera"], scene["mia"]
    social.follow(vera, "mia")
    social.follow(mia, "vera")
    secret_post = posts.create(vera, "quince pie for friends", audience="friends")["id"]
    secret_list = playlists.create(vera, "Quince pie films", "quince", "private").id
    hidden = {("post", secret_post), ("playlist", secret_list)}
    assert _api_hits(app, scene["api"](scene["sam"]), query) & hidden == set()
    if "playlist" not in query:
        assert ("post", secret_post) in _api_hits(app, scene["api"](mia), query)


SOCIAL_QUERIES = [
    ("quince", None),
    ('"quince pie"', None),
    ("quince kind:parties", None),
    ("kind:comments quince", None),
    ("pie", None),
    ("orchard", None),
    ("quince", "films"),
    ("from:vera quince", None),
]
VIDEO = "https://media.example/film.mp4"


def _hits(app, auth, query, category):
    params = {"q": query, "category": category} if category else {"q": query}
    answer = app.test_client().get("/api/v1/search", query_string=params, headers=auth)
    assert answer.status_code == 200, (query, answer.get_json())
    return {(r["kind"], r["id"]) for r in answer.get_json()["results"]}


def _page_text(app, name, query, category):
    params = {"q": query, "category": category} if category else {"q": query}
    html = signed_in(app, name).get("/search", query_string=params).get_data(as_text=True)
    results = html[html.index('id="search-results"') :].replace(str(escape(query)), "")
    return results.lower().replace("<mark>", "").replace("</mark>", "")


@pytest.fixture
def social_scene(app, scene):
    """Vera and Mia are friends, Sam a stranger to both: Vera's friends-only party, and
    Mia's comment on Vera's followers-only post."""
    vera, mia = scene["vera"], scene["mia"]
    social.follow(vera, "mia")
    social.follow(mia, "vera")
    fields = {"title": "Quince pie party", "description": "orchard", "media_url": VIDEO}
    secret_party = parties.create(vera, {**fields, "visibility": "friends"}).id
    post_id = posts.create(vera, "for my followers", audience="followers")["id"]
    secret_comment = comments.create(mia, post_id, "quince pie in the orchard")["id"]
    return {**scene, "hidden": {("party", secret_party), ("comment", secret_comment)}}


def _kinds_asked(query, category):
    if category:
        return set()
    if "kind:parties" in query:
        return {"party"}
    if "kind:comments" in query:
        return {"comment"}
    return set() if "from:" in query else {"party", "comment"}


@pytest.mark.parametrize(("query", "category"), SOCIAL_QUERIES)
def test_a_stranger_finds_no_friends_party_nor_comment_on_a_followers_post(
    app, social_scene, query, category
):
    hidden = social_scene["hidden"]
    assert _hits(app, social_scene["api"](social_scene["sam"]), query, category) & hidden == set()
    for words in ("quince pie party", "quince pie in the orchard"):
        assert words not in _page_text(app, "sam", query, category)
    # The friend finds them by the same words: the stranger's answer is empty by rule.
    wanted = {hit for hit in hidden if hit[0] in _kinds_asked(query, category)}
    assert _hits(app, social_scene["api"](social_scene["mia"]), query, category) & hidden == wanted


@pytest.mark.parametrize(("query", "category"), SOCIAL_QUERIES)
@pytest.mark.parametrize("blocker", ["vera", "sam"])
def test_a_blocked_person_finds_no_party_nor_comment_of_the_blocker(
    app, scene, query, category, blocker
):
    vera, mia, sam = scene["vera"], scene["mia"], scene["sam"]
    fields = {"title": "Quince pie party", "description": "orchard", "media_url": VIDEO}
    open_party = parties.create(vera, {**fields, "visibility": "public"}).id
    post_id = posts.create(mia, "open to all", audience="public")["id"]
    open_comment = comments.create(vera, post_id, "quince pie in the orchard")["id"]
    hidden = {("party", open_party), ("comment", open_comment)}
    wanted = {hit for hit in hidden if hit[0] in _kinds_asked(query, category)}
    assert _hits(app, scene["api"](sam), query, category) & hidden == wanted
    social.block(vera if blocker == "vera" else sam, "sam" if blocker == "vera" else "vera")
    assert _hits(app, scene["api"](sam), query, category) & hidden == set()
    for words in ("quince pie party", "quince pie in the orchard"):
        assert words not in _page_text(app, "sam", query, category)
