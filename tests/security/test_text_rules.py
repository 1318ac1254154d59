"""Text that hides or disguises itself, over the JSON API: control characters (C0 and
C1), format characters (zero-width, BOM, soft hyphen, bidi overrides and isolates, tag
characters), lone surrogates and line separators are refused in names and other short
texts, and dropped from message bodies, where emoji sequences and the joiners of scripts
that need them stay. A display name may not pass for someone else's username, and pages
show the @username beside every display name in a conversation or a party's chat."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import csrf_token, running

VIDEO = "https://media.example/film.mp4"

# One character of each kind that must never reach a name unseen.
HIDDEN = {
    "c0_control": "\x07",
    "escape": "\x1b",
    "c1_control": "\x9b",
    "next_line": "\x85",
    "zero_width_space": "\u200b",
    "zero_width_joiner_between_letters": "\u200d",
    "byte_order_mark": "\ufeff",
    "soft_hyphen": "\u00ad",
    "bidi_embedding": "\u202a",
    "bidi_override": "\u202e",
    "bidi_isolate": "\u2066",
    "bidi_pop_isolate": "\u2069",
    "tag_character": "\U000e0041",
    "hangul_filler": "\u3164",
    "lone_surrogate": "\ud800",
}
ONE_LINE_ONLY = {"line_separator": "\u2028", "paragraph_separator": "\u2029", "newline": "\n"}
# Emoji sequences joined by U+200D (with U+FE0F), a tag-sequence flag, and Persian written
# with a zero-width non-joiner.
KEPT = " ".join(
    (
        "👨\u200d👩\u200d👧",
        "🏳\ufe0f\u200d⚧\ufe0f",
        "🏴" + "".join(chr(0xE0000 + ord(c)) for c in "gbwls") + "\U000e007f",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    )
)


@pytest.fixture
def app(tmp_path):
    """Generous write limits: each test writes every kind of text."""
    with running(
        tmp_path,
        CONVERSATION_WRITE_RATE_LIMIT="1000 per minute",
        PARTY_WRITE_RATE_LIMIT="1000 per minute",
        PARTY_CREATE_RATE_LIMIT="1000 per hour",
    ) as application:
        yield application


@pytest.fixture
def people(user_factory, bearer):
    ann, ben = user_factory("ann"), user_factory("ben")
    return {"ann": bearer(ann), "ben": bearer(ben)}


@pytest.fixture
def places(client, people):
    """A group of ann's and a party she hosts, to rename and add to."""
    group = client.post(
        "/api/v1/conversations",
        json={"kind": "group", "name": "Trio", "members": ["ben"]},
        headers=people["ann"],
    ).get_json()["conversation"]
    party = client.post(
        "/api/v1/parties", json={"title": "Night", "media_url": VIDEO}, headers=people["ann"]
    ).get_json()["party"]
    return {"group": group["id"], "party": party["id"]}


def short_texts(places: dict) -> list[tuple[str, str, str, dict, str]]:
    """(method, path, field sent, body around it, field named in the error) for every
    name and short text a person writes."""
    group, party = places["group"], places["party"]
    return [
        ("PATCH", "/api/v1/me", "display_name", {}, "display_name"),
        ("PATCH", "/api/v1/me", "bio", {}, "bio"),
        ("POST", "/api/v1/conversations", "name", {"kind": "group", "members": []}, "name"),
        ("POST", "/api/v1/conversations", "name", {"kind": "room"}, "name"),
        (
            "POST",
            "/api/v1/conversations",
            "description",
            {"kind": "room", "name": "Lounge"},
            "description",
        ),
        ("PATCH", f"/api/v1/conversations/{group}", "name", {}, "name"),
        ("PATCH", f"/api/v1/conversations/{group}", "description", {}, "description"),
        ("POST", "/api/v1/parties", "title", {"media_url": VIDEO}, "title"),
        (
            "POST",
            "/api/v1/parties",
            "description",
            {"title": "Film", "media_url": VIDEO},
            "description",
        ),
        ("POST", f"/api/v1/parties/{party}/queue", "title", {"media_url": VIDEO + "?2"}, "title"),
        ("POST", "/api/v1/reports", "reason", {"subject_type": "party"}, "reason"),
    ]


def send_all(client, people, places, text: str) -> list[tuple[str, str, object]]:
    """Write `text` into every short text; (path, field, response) for each."""
    answers = []
    for method, path, field, body, _ in short_texts(places):
        if field == "reason":
            body = {**body, "subject_id": places["party"]}
        response = client.open(
            path, method=method, json={**body, field: text}, headers=people["ann"]
        )
        answers.append((path, field, response))
    return answers


@pytest.mark.parametrize("char", [*HIDDEN.values()], ids=[*HIDDEN])
def test_short_texts_refuse_hidden_characters(client, people, places, char):
    answers = send_all(client, people, places, f"Film{char}night")
    for (path, field, response), expected in zip(answers, short_texts(places), strict=True):
        assert response.status_code == 400, (path, field, response.get_json())
        error = response.get_json()["error"]
        assert error["field"] == expected[4], (path, field)
        assert f"U+{ord(char):04X}" in error["message"]


@pytest.mark.parametrize("char", [*ONE_LINE_ONLY.values()], ids=[*ONE_LINE_ONLY])
def test_names_are_one_line_and_longer_texts_may_have_several(client, people, places, char):
    multi_line = {"bio", "description", "reason"}
    for path, field, response in send_all(client, people, places, f"Film{char}night"):
        if field in multi_line:
            assert response.status_code < 300, (path, field, response.get_json())
        else:
            assert response.status_code == 400, (path, field, response.get_json())


def test_emoji_sequences_and_joining_scripts_are_kept(client, people, places):
    for path, field, response in send_all(client, people, places, KEPT):
        assert response.status_code < 300, (path, field, response.get_json())
    me = client.get("/api/v1/me", headers=people["ann"]).get_json()["user"]
    assert me["display_name"] == KEPT
    group = client.get(f"/api/v1/conversations/{places['group']}", headers=people["ann"])
    assert group.get_json()["conversation"]["name"] == KEPT


# Half of a UTF-16 pair is refused as JSON is read, before any rule of text (below).
DROPPED = {name: char for name, char in HIDDEN.items() if name != "lone_surrogate"}


@pytest.mark.parametrize("char", [*DROPPED.values()], ids=[*DROPPED])
def test_message_bodies_drop_hidden_characters(client, people, places, char):
    group, party = places["group"], places["party"]
    sent = client.post(
        f"/api/v1/conversations/{group}/messages",
        json={"body": f"{char}see{char} you {KEPT}{char}"},
        headers=people["ann"],
    )
    assert sent.status_code == 201, sent.get_json()
    message = sent.get_json()["message"]
    assert message["body"] == f"see you {KEPT}"
    edited = client.patch(
        f"/api/v1/messages/{message['id']}",
        json={"body": f"see{char} you\r\nlater"},
        headers=people["ann"],
    )
    assert edited.get_json()["message"]["body"] == "see you\nlater"
    nothing_left = client.post(
        f"/api/v1/conversations/{group}/messages", json={"body": char * 3}, headers=people["ann"]
    )
    assert nothing_left.status_code == 400
    chat = client.post(
        f"/api/v1/parties/{party}/messages",
        json={"body": f"wow{char} {KEPT}"},
        headers=people["ann"],
    )
    assert chat.status_code == 201, chat.get_json()
    assert chat.get_json()["message"]["body"] == f"wow {KEPT}"


def test_half_a_surrogate_pair_in_a_body_is_refused_not_dropped(client, people, places):
    sent = client.post(
        f"/api/v1/conversations/{places['group']}/messages",
        json={"body": "see\ud800 you"},
        headers=people["ann"],
    )
    assert sent.status_code == 400
    error = sent.get_json()["error"]
    assert error["field"] == "body"
    assert "U+D800" in error["message"]


def test_a_reaction_cannot_be_an_invisible_character(client, people, places):
    sent = client.post(
        f"/api/v1/conversations/{places['group']}/messages",
        json={"body": "hello"},
        headers=people["ben"],
    ).get_json()["message"]
    for emoji in ("\u202e", "\u200b", "\U000e0041"):
        response = client.post(
            f"/api/v1/messages/{sent['id']}/reactions", json={"emoji": emoji}, headers=people["ann"]
        )
        assert response.status_code == 400, emoji
    kept = client.post(
        f"/api/v1/messages/{sent['id']}/reactions",
        json={"emoji": "👍\U0001f3fd"},
        headers=people["ann"],
    )
    assert kept.status_code == 200, kept.get_json()


def test_a_file_name_cannot_reverse_its_own_extension(client, people, places):
    upload = client.post(
        f"/api/v1/conversations/{places['group']}/attachments",
        data={"file": (io.BytesIO(b"just text"), "notes\u202etxt.exe\u200b\x00")},
        headers=people["ann"],
    )
    assert upload.status_code == 201, upload.get_json()
    assert upload.get_json()["attachment"]["name"] == "notestxt.exe"


# -- impersonation -------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["ben", "Ben", "BEN", "@ben", " @Ben ", "\uff42\uff45\uff4e", "\uff20\uff22\uff25\uff2e"],
    ids=["same", "capital", "upper", "at", "spaced", "full_width", "full_width_at"],
)
def test_a_display_name_may_not_be_someone_elses_username(client, people, name):
    response = client.patch("/api/v1/me", json={"display_name": name}, headers=people["ann"])
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("name_of_another", "display_name")
    assert "@ben" in error["message"]


def test_a_display_name_may_be_ones_own_username_or_like_nobodys(client, people):
    for name in ("Ann", "@ann", "Ben Smith", "benjamin", "nobody_here"):
        response = client.patch("/api/v1/me", json={"display_name": name}, headers=people["ann"])
        assert response.status_code == 200, (name, response.get_json())
        assert response.get_json()["user"]["display_name"] == name


def test_the_settings_form_keeps_the_same_rules(logged_in_client, user_factory):
    user_factory("ben")
    for name, words in (("Ben", "@ben is someone else"), ("a\u202eb", "U+202E")):
        response = logged_in_client.post(
            "/settings/profile",
            data={
                "display_name": name,
                "bio": "",
                "avatar_color": "0",
                "csrf_token": csrf_token(logged_in_client),
            },
        )
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)


def test_pages_show_the_username_beside_a_display_name(logged_in_client, user_factory, bearer):
    alice, ben = logged_in_client.user, user_factory("ben")
    client, ben_auth = logged_in_client, bearer(ben)
    renamed = client.patch("/api/v1/me", json={"display_name": "Alice Smith"}, headers=ben_auth)
    assert renamed.status_code == 200
    direct = client.post(
        "/api/v1/conversations", json={"kind": "direct", "username": "alice"}, headers=ben_auth
    ).get_json()["conversation"]["id"]
    first = client.post(
        f"/api/v1/conversations/{direct}/messages", json={"body": "it is me"}, headers=ben_auth
    ).get_json()["message"]
    client.post(
        f"/api/v1/conversations/{direct}/messages",
        json={"body": "really", "reply_to": first["id"]},
        headers=ben_auth,
    )
    party = client.post(
        "/api/v1/parties", json={"title": "Night", "media_url": VIDEO}, headers=bearer(alice)
    ).get_json()["party"]
    client.post("/api/v1/parties/join", json={"code": party["code"]}, headers=ben_auth)
    client.post(f"/api/v1/parties/{party['id']}/messages", json={"body": "hi"}, headers=ben_auth)

    shown = re.compile(r'<bdi>Alice Smith</bdi></a>\s*<span class="muted handle">@ben</span>')
    conversation = client.get(f"/conversations/{direct}").get_data(as_text=True)
    assert len(shown.findall(conversation)) == 3  # two senders and the quote's
    party_page = client.get(f"/parties/{party['id']}").get_data(as_text=True)
    assert len(shown.findall(party_page)) == 1
