"""Profile edits, avatar checks by content, and people search."""

from __future__ import annotations

import io

import pytest

from errors import ValidationError
from services import profiles, social

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def test_update_profile(app, user_factory):
    user = user_factory("ann")
    profiles.update_profile(user, "  Ann Example ", "I like films.", 3)
    assert (user.display_name, user.bio, user.avatar_color) == ("Ann Example", "I like films.", 3)
    assert user.initials == "AE"
    assert user.to_public()["avatar"] == {"kind": "initials", "initials": "AE", "color": 3}


@pytest.mark.parametrize(
    ("name", "bio", "color", "field"),
    [
        ("x" * 65, "", 0, "display_name"),
        ("two\nlines", "", 0, "display_name"),
        ("", "b" * 281, 0, "bio"),
        ("", "", 8, "avatar_color"),
        ("", "", -1, "avatar_color"),
    ],
)
def test_profile_bad_input(app, user_factory, name, bio, color, field):
    with pytest.raises(ValidationError) as caught:
        profiles.update_profile(user_factory("ann"), name, bio, color)
    assert caught.value.field == field


@pytest.mark.parametrize(("data", "kind"), [(PNG, "png"), (JPEG, "jpg"), (WEBP, "webp")])
def test_avatar_type_comes_from_content(app, user_factory, data, kind):
    user = user_factory("ann")
    profiles.set_avatar(user, io.BytesIO(data))
    assert user.avatar_file.endswith("." + kind)
    assert profiles.avatar_path(user.avatar_file).read_bytes() == data


@pytest.mark.parametrize(
    "data", [b"<svg onload=alert(1)>", b"<html><script>", b"GIF8", b"", b"%PDF-1.4"]
)
def test_avatar_rejects_what_is_not_an_image(app, user_factory, data):
    with pytest.raises(ValidationError) as caught:
        profiles.set_avatar(user_factory("ann"), io.BytesIO(data))
    assert caught.value.code == "unsupported_type"


def test_avatar_size_limit_and_replacement(app, user_factory):
    user = user_factory("ann")
    app.config["AVATAR_MAX_BYTES"] = 100
    with pytest.raises(ValidationError) as caught:
        profiles.set_avatar(user, io.BytesIO(PNG + b"\x00" * 100))
    assert caught.value.code == "too_large"
    profiles.set_avatar(user, io.BytesIO(PNG))
    first = profiles.avatar_path(user.avatar_file)
    profiles.set_avatar(user, io.BytesIO(JPEG))
    assert not first.exists()
    profiles.remove_avatar(user)
    assert user.avatar_file is None


@pytest.mark.parametrize(
    "name", ["../secret", "x.png", "a" * 32 + ".exe", "../" + "a" * 29 + ".png"]
)
def test_avatar_names_are_only_ours(app, name):
    assert profiles.avatar_path(name) is None


def test_search_by_username_and_display_name(app, user_factory):
    viewer = user_factory("viewer")
    anna = user_factory("anna")
    profiles.update_profile(user_factory("zed"), "Annabel Lee", "", 0)
    user_factory("bob")
    found = profiles.search(viewer, "ANN")
    assert [u.username for u in found] == ["anna", "zed"]
    assert profiles.search(viewer, "anna")[0] == anna
    assert profiles.search(viewer, "   ") == []
    assert profiles.search(viewer, "%") == []
    with pytest.raises(ValidationError):
        profiles.search(viewer, "q" * 65)


def test_search_leaves_out_people_who_blocked_you(app, user_factory):
    viewer = user_factory("viewer")
    hider = user_factory("hider")
    user_factory("hidden_not")
    social.block(hider, "viewer")
    assert [u.username for u in profiles.search(viewer, "hid")] == ["hidden_not"]


def test_presence_is_hidden_between_blocked_people(app, user_factory):
    ann, ben = user_factory("ann"), user_factory("ben")
    assert profiles.visible_presence(ann.id, ben)["status"] == "offline"
    social.block(ben, "ann")
    assert profiles.visible_presence(ann.id, ben) is None
    assert profiles.visible_presence(ben.id, ann) is None
