"""A post's image over HTTP: multipart posting and editing beside JSON, the contract's
error shape for what is not an image, and the image served only to those who may see
the post, with its type and private caching."""

from __future__ import annotations

import io

import pytest

from services import social

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.fixture
def people(user_factory, bearer):
    """cat follows ann; dan is a stranger."""
    made = {name: user_factory(name) for name in ("ann", "cat", "dan")}
    social.follow(made["cat"], "ann")
    return {name: bearer(user) for name, user in made.items()}


def multipart(client, method: str, url: str, headers, data: bytes | None = None, **fields):
    form = dict(fields)
    if data is not None:
        form["image"] = (io.BytesIO(data), "photo.txt")  # the name says nothing
    return client.open(
        url, method=method, data=form, headers=headers, content_type="multipart/form-data"
    )


def test_a_multipart_post_carries_an_image_only_its_audience_fetches(client, people):
    ann, cat, dan = people["ann"], people["cat"], people["dan"]
    made = multipart(client, "POST", "/api/v1/posts", ann, PNG, text="Look", image_alt="A cat")
    assert made.status_code == 201, made.get_json()
    post = made.get_json()["post"]
    assert (post["text"], post["audience"], post["image_alt"]) == ("Look", "followers", "A cat")

    image = client.get(post["image_url"], headers=cat)
    assert image.status_code == 200
    assert image.data == PNG
    assert image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in image.headers["Cache-Control"]
    assert client.get(f"/api/v1/posts/{post['id']}", headers=cat).get_json()["post"] == post

    stranger = client.get(post["image_url"], headers=dan)
    assert stranger.status_code == 404
    nobody = client.get("/posts/999999/image", headers=dan)
    assert stranger.get_json() == nobody.get_json()  # word for word as for no post


def test_what_is_not_an_image_is_a_400_in_the_contract_shape(client, people):
    refused = multipart(client, "POST", "/api/v1/posts", people["ann"], b"<html>hi</html>")
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert (error["code"], error["field"]) == ("unsupported_type", "image")
    as_json = client.post("/api/v1/posts", json={"image": "AAAA"}, headers=people["ann"])
    assert (as_json.status_code, as_json.get_json()["error"]["field"]) == (400, "image")


def test_patch_replaces_and_removes_the_image_and_json_still_works(client, people):
    ann, cat = people["ann"], people["cat"]
    post = client.post("/api/v1/posts", json={"text": "plain"}, headers=ann).get_json()["post"]
    assert post["image_url"] is None
    url = f"/api/v1/posts/{post['id']}"
    added = multipart(client, "PATCH", url, ann, WEBP, image_alt="A lake").get_json()["post"]
    assert (added["text"], added["image_alt"]) == ("plain", "A lake")
    assert client.get(added["image_url"], headers=cat).mimetype == "image/webp"
    removed = multipart(client, "PATCH", url, ann, remove_image="true").get_json()["post"]
    assert (removed["image_url"], removed["image_alt"]) == (None, None)
    assert client.get(added["image_url"], headers=cat).status_code == 404
    again = multipart(client, "PATCH", url, ann, PNG).get_json()["post"]
    taken_off = client.patch(url, json={"image": None}, headers=ann).get_json()["post"]
    assert again["image_url"]
    assert taken_off["image_url"] is None


def test_a_multipart_image_may_pass_the_json_limit_but_json_may_not(client, people, app):
    big = PNG + b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    made = multipart(client, "POST", "/api/v1/posts", people["ann"], big)
    assert made.status_code == 201, made.get_json()
    oversized = {"text": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    refused = client.post("/api/v1/posts", json=oversized, headers=people["ann"])
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (413, "too_large")
