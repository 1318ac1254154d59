"""A post's image: typed by its content, stored under a random name, replaced, taken off,
described, shown only to those who may see the post, and its file removed once the post
no longer needs it (an edit, a delete, a takedown, the author's account deleted)."""

from __future__ import annotations

import io
import re

import pytest

from errors import NotFound, ValidationError
from models.user import Role
from realtime import store
from realtime.events import posts_channel
from services import account_data, post_images, posts, social, uploads
from services.unit_of_work import unit_of_work
from tests.conftest import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def people(user_factory):
    """ann posts; cat follows her; dan is a stranger; ben follows her but she blocked
    him; mod is a moderator."""
    cast = {name: user_factory(name) for name in ("ann", "ben", "cat", "dan")}
    cast["mod"] = user_factory("mod", role=Role.MODERATOR)
    social.follow(cast["cat"], "ann")
    social.follow(cast["ben"], "ann")
    social.block(cast["ann"], "ben")
    return cast


def stored_files() -> set[str]:
    return {path.name for path in uploads.folder(post_images.FOLDER).iterdir()}


def with_image(people, data: bytes = PNG, **fields) -> dict:
    return posts.create(people["ann"], "", image=io.BytesIO(data), **fields)


def test_an_image_alone_is_a_post_stored_under_a_random_name(people):
    post = with_image(people, image_alt="  A red bicycle by a canal ")
    [name] = stored_files()
    assert re.fullmatch(r"[0-9a-f]{32}\.png", name)
    assert post["image_url"] == f"/posts/{post['id']}/image?v={name[:8]}"
    assert post["image_alt"] == "A red bicycle by a canal"
    path, content_type = posts.image_file(people["cat"], post["id"])
    assert (path.read_bytes(), content_type) == (PNG, "image/png")
    [created] = store.read_after(0, [posts_channel(people["ann"].id, "followers")])
    assert created.data["image_url"] == post["image_url"]


def test_without_an_image_there_is_no_url_nor_description(people):
    post = posts.create(people["ann"], "words", image_alt="ignored without an image")
    assert (post["image_url"], post["image_alt"]) == (None, None)
    with pytest.raises(NotFound):
        posts.image_file(people["ann"], post["id"])


@pytest.mark.parametrize("data", [b"GIF00a not really", b"<svg xmlns='x'/>", b""])
def test_what_is_not_an_image_is_refused_and_nothing_is_kept(people, data):
    with pytest.raises(ValidationError) as caught:
        posts.create(people["ann"], "hello", image=io.BytesIO(data))
    assert (caught.value.code, caught.value.field) == ("unsupported_type", "image")
    assert caught.value.message
    assert stored_files() == set()


def test_an_image_must_be_a_file_and_its_description_short(people, app):
    with pytest.raises(ValidationError) as caught:
        posts.create(people["ann"], "hello", image="data:image/png;base64,AAAA")
    assert caught.value.field == "image"
    with pytest.raises(ValidationError) as caught:
        with_image(people, image_alt="x" * 301)
    assert (caught.value.code, caught.value.field) == ("too_long", "image_alt")
    app.config["POST_IMAGE_MAX_BYTES"] = 32
    with pytest.raises(ValidationError) as caught:
        with_image(people)
    assert (caught.value.code, caught.value.field) == ("too_large", "image")
    assert stored_files() == set()


def test_replacing_and_removing_discard_the_old_file(people):
    ann = people["ann"]
    post = with_image(people, image_alt="first")
    [first] = stored_files()
    replaced = posts.edit(ann, post["id"], {"image": io.BytesIO(JPEG)})
    [second] = stored_files()
    assert second != first
    assert second.endswith(".jpg")
    assert replaced["image_url"] != post["image_url"]
    assert replaced["image_alt"] == "first"  # a description left out is kept
    described = posts.edit(ann, post["id"], {"image_alt": "second"})
    assert described["image_alt"] == "second"
    with pytest.raises(ValidationError):  # nothing left: no text, no video, no image
        posts.edit(ann, post["id"], {"image": None})
    assert stored_files() == {second}
    removed = posts.edit(ann, post["id"], {"image": None, "text": "words now"})
    assert (removed["image_url"], removed["image_alt"]) == (None, None)
    assert stored_files() == set()


def test_a_refused_edit_keeps_the_image_it_had(people):
    post = with_image(people)
    [kept] = stored_files()
    with pytest.raises(ValidationError):
        posts.edit(people["ann"], post["id"], {"image": io.BytesIO(JPEG), "text": "x" * 6000})
    assert stored_files() == {kept}
    assert posts.image_file(people["ann"], post["id"])[0].name == kept


def test_a_change_that_rolls_back_leaves_no_file_behind(people):
    kept = with_image(people)
    [first] = stored_files()

    @unit_of_work
    def posted_then_failed():
        with_image(people)
        posts.edit(people["ann"], kept["id"], {"image": io.BytesIO(JPEG)})
        assert len(stored_files()) == 3
        raise RuntimeError("the commit never comes")

    with pytest.raises(RuntimeError):
        posted_then_failed()
    assert stored_files() == {first}
    assert posts.image_file(people["ann"], kept["id"])[0].name == first


def test_only_those_who_see_the_post_get_its_image(people):
    post = with_image(people)
    assert posts.image_file(people["cat"], post["id"])
    for outsider in ("dan", "ben"):  # a stranger; someone the author blocked
        with pytest.raises(NotFound):
            posts.image_file(people[outsider], post["id"])


def test_deleting_taking_down_or_leaving_discards_the_files(people):
    ann = people["ann"]
    deleted, removed, left = (with_image(people)["id"] for _ in range(3))
    assert len(stored_files()) == 3
    posts.delete_post(ann, deleted)
    posts.remove(people["mod"], removed, "spam")
    assert len(stored_files()) == 1
    with pytest.raises(NotFound):
        posts.image_file(ann, deleted)
    stored = store.read_after(0, [posts_channel(ann.id, "followers")])
    replays = [e.data for e in stored if e.name == posts.CREATED and e.data["id"] != left]
    assert [p["image_url"] for p in replays] == [None, None]  # a replay shows no image
    account_data.delete_account(ann, PASSWORD)
    assert stored_files() == set()


def test_the_download_tells_where_each_posts_image_is(people):
    pictured = with_image(people, image_alt="A red kite")
    posts.create(people["ann"], "Words only")
    exported = {post["id"]: post for post in account_data.export(people["ann"])["posts"]}
    assert exported[pictured["id"]]["image_url"] == pictured["image_url"]
    assert exported[pictured["id"]]["image_alt"] == "A red kite"
    assert [p["image_url"] for p in exported.values() if p["id"] != pictured["id"]] == [None]
