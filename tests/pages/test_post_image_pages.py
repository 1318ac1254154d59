"""A post's image on the pages, without JavaScript: the composer's file field posts it,
the card shows it with its description (or a fallback naming the author), the edit page
replaces and removes it, a refusal is said beside the field, and a live edit redraws it."""

from __future__ import annotations

import io
import re

import pytest

from realtime.events import Envelope
from realtime.fragments import render_fragments
from services import feed, posts, social
from tests.support.pages import csrf_token, page

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64


@pytest.fixture
def alice(logged_in_client):
    return logged_in_client.user


def send_form(client, url: str, data: bytes | None = None, **fields: str):
    """A form post as a browser without JavaScript sends a multipart form."""
    form = {"csrf_token": csrf_token(client), **fields}
    form["image"] = (io.BytesIO(data or b""), "picture.png" if data else "")
    return client.post(url, data=form, content_type="multipart/form-data")


def test_the_composer_posts_an_image_and_the_card_shows_it(logged_in_client, alice):
    home = page(logged_in_client, "/")
    assert 'enctype="multipart/form-data"' in home
    assert re.search(r'<label for="post-image-alt">Describe the image</label>', home)
    described = send_form(logged_in_client, "/posts", PNG, text="", image_alt="Sunset on a pier")
    assert described.status_code == 302
    plain = send_form(logged_in_client, "/posts", GIF, text="no words for it")
    assert plain.status_code == 302
    newest, first = feed.feed(alice)["posts"]
    html = page(logged_in_client, "/")
    assert f'<img class="post-image" src="{first["image_url"]}" alt="Sunset on a pier"' in html
    assert f'src="{newest["image_url"]}" alt="Image posted by alice"' in html
    image = logged_in_client.get(first["image_url"])
    assert (image.status_code, image.data) == (200, PNG)


def test_no_file_chosen_is_no_image_and_a_bad_file_is_said_beside_its_field(
    logged_in_client, alice
):
    assert send_form(logged_in_client, "/posts", text="just words").status_code == 302
    [post] = feed.feed(alice)["posts"]
    assert post["image_url"] is None
    refused = send_form(logged_in_client, "/posts", b"MZ not an image", text="kept words")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="post-image-error"' in html
    assert "PNG, JPEG, GIF or WebP" in html
    assert "kept words</textarea>" in html


def test_the_edit_page_replaces_and_removes_the_image(logged_in_client, alice):
    post = posts.create(alice, "words", image=io.BytesIO(PNG), image_alt="old")
    edit_url = f"/posts/{post['id']}/edit"
    form = page(logged_in_client, edit_url)
    assert f'src="{post["image_url"]}"' in form
    assert 'name="remove_image"' in form
    saved = send_form(logged_in_client, edit_url, GIF, text="words", video_url="", image_alt="new")
    assert saved.status_code == 302
    replaced = posts.shown_to(alice, post["id"])
    assert replaced["image_url"] != post["image_url"]
    assert replaced["image_alt"] == "new"
    assert logged_in_client.get(post["image_url"]).data == GIF  # the one image it has
    fields = {"text": "words", "video_url": "", "image_alt": "new", "remove_image": "1"}
    assert send_form(logged_in_client, edit_url, **fields).status_code == 302
    assert posts.shown_to(alice, post["id"])["image_url"] is None
    assert "post-image" not in page(logged_in_client, f"/posts/{post['id']}").split("<main")[1]


def test_a_stranger_gets_no_image_of_a_followers_post(app, logged_in_client, alice, user_factory):
    post = posts.create(user_factory("ben"), "", image=io.BytesIO(PNG))
    assert logged_in_client.get(post["image_url"]).status_code == 404
    social.follow(alice, "ben")
    assert logged_in_client.get(post["image_url"]).status_code == 200


def test_a_live_edit_redraws_the_image(app, alice, user_factory):
    ben = user_factory("ben")
    social.follow(alice, "ben")
    created = posts.create(ben, "hello")
    edited = posts.edit(ben, created["id"], {"image": io.BytesIO(PNG), "image_alt": "A dog"})
    shape = {key: value for key, value in edited.items() if key != "liked"}
    with app.test_request_context("/events/html"):
        envelope = Envelope("c", posts.UPDATED, shape)
        changed = dict(render_fragments(envelope, frozenset(), alice.id))["post-change"]
    assert f'src="{edited["image_url"]}" alt="A dog"' in changed
