"""Conversations over JSON, per the contract: shapes, idempotency, errors, permissions."""

from __future__ import annotations

import io

import pytest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def people(user_factory, bearer):
    users = {name: user_factory(name) for name in ("ann", "ben", "cal", "dot")}
    return {name: (user, bearer(user)) for name, user in users.items()}


def make_group(client, people, members=("ben", "cal")):
    response = client.post(
        "/api/v1/conversations",
        json={"kind": "group", "name": "Trio", "members": list(members)},
        headers=people["ann"][1],
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["conversation"]


def test_direct_get_or_create(client, people):
    first = client.post(
        "/api/v1/conversations",
        json={"kind": "direct", "username": "ben"},
        headers=people["ann"][1],
    )
    again = client.post(
        "/api/v1/conversations",
        json={"kind": "direct", "username": "ann"},
        headers=people["ben"][1],
    )
    assert first.status_code == again.status_code == 200
    assert first.get_json()["conversation"]["id"] == again.get_json()["conversation"]["id"]
    assert first.get_json()["conversation"]["other"]["username"] == "ben"


def test_group_and_room_creation(client, people):
    group = make_group(client, people)
    assert (group["kind"], group["name"], group["member_count"], group["role"]) == (
        "group",
        "Trio",
        3,
        "owner",
    )
    room = client.post(
        "/api/v1/conversations",
        json={"kind": "room", "name": "Films", "visibility": "public", "category": "films"},
        headers=people["ben"][1],
    ).get_json()["conversation"]
    listed = client.get("/api/v1/rooms?category=films", headers=people["dot"][1]).get_json()
    assert [r["id"] for r in listed["rooms"]] == [room["id"]]
    assert (
        client.post(
            f"/api/v1/conversations/{room['id']}/join", headers=people["dot"][1]
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "kind"),
        ({"kind": "channel"}, "kind"),
        ({"kind": "direct"}, "username"),
        ({"kind": "direct", "username": 5}, "username"),
        ({"kind": "group"}, "name"),
        ({"kind": "group", "name": "x", "members": "ben"}, "members"),
        ({"kind": "room", "name": "x", "visibility": "everyone"}, "visibility"),
        ({"kind": "room", "name": "x", "member_limit": 5000000}, "member_limit"),
    ],
)
def test_create_bad_input(client, people, body, field):
    response = client.post("/api/v1/conversations", json=body, headers=people["ann"][1])
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_list_with_unread_and_last_message(client, people):
    group = make_group(client, people)
    for text in ("one", "two"):
        client.post(
            f"/api/v1/conversations/{group['id']}/messages",
            json={"body": text},
            headers=people["ann"][1],
        )
    [item] = client.get("/api/v1/conversations", headers=people["ben"][1]).get_json()[
        "conversations"
    ]
    assert item["unread_count"] == 2
    assert item["last_message"]["body"] == "two"
    last_id = item["last_message"]["id"]
    read = client.post(
        f"/api/v1/conversations/{group['id']}/read",
        json={"message_id": last_id},
        headers=people["ben"][1],
    )
    assert read.get_json() == {"last_read_message_id": last_id}
    [item] = client.get("/api/v1/conversations", headers=people["ben"][1]).get_json()[
        "conversations"
    ]
    assert item["unread_count"] == 0


def test_send_shape_and_idempotency(client, people):
    group = make_group(client, people)
    url = f"/api/v1/conversations/{group['id']}/messages"
    first = client.post(url, json={"body": "hi", "client_id": "abc"}, headers=people["ann"][1])
    second = client.post(url, json={"body": "hi", "client_id": "abc"}, headers=people["ann"][1])
    assert first.status_code == second.status_code == 201
    message = first.get_json()["message"]
    assert set(message) >= {
        "id",
        "conversation_id",
        "sender",
        "body",
        "created_at",
        "edited_at",
        "reply_to",
        "client_id",
    }
    assert message["sender"]["username"] == "ann"
    assert second.get_json()["message"]["id"] == message["id"]
    history = client.get(url, headers=people["ben"][1]).get_json()["messages"]
    assert [m["body"] for m in history if m["kind"] == "text"] == ["hi"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"body": ""}, 400, "body"),
        ({"body": "x" * 4001}, 400, "body"),
        ({"body": ["list"]}, 400, "body"),
        ({"body": "ok", "reply_to": "nope"}, 400, "reply_to"),
        ({"body": "ok", "client_id": {"a": 1}}, 400, "client_id"),
    ],
)
def test_send_bad_input(client, people, body, status, field):
    group = make_group(client, people)
    response = client.post(
        f"/api/v1/conversations/{group['id']}/messages", json=body, headers=people["ann"][1]
    )
    assert response.status_code == status
    assert response.get_json()["error"]["field"] == field


def test_outsiders_cannot_learn_a_private_conversation_exists(client, people):
    group = make_group(client, people)
    outsider = people["dot"][1]
    cid = group["id"]
    message_id = client.post(
        f"/api/v1/conversations/{cid}/messages", json={"body": "secret"}, headers=people["ann"][1]
    ).get_json()["message"]["id"]
    attempts = [
        ("get", "/api/v1/conversations/{cid}", None),
        ("get", "/api/v1/conversations/{cid}/messages", None),
        ("post", "/api/v1/conversations/{cid}/messages", {"body": "hi"}),
        ("get", "/api/v1/conversations/{cid}/members", None),
        ("post", "/api/v1/conversations/{cid}/join", None),
        ("post", "/api/v1/conversations/{cid}/read", {"message_id": message_id}),
        ("patch", "/api/v1/messages/{mid}", {"body": "x"}),
        ("delete", "/api/v1/messages/{mid}", None),
        ("post", "/api/v1/messages/{mid}/reactions", {"emoji": "👍"}),
    ]
    for method, template, body in attempts:
        url = template.format(cid=cid, mid=message_id)
        response = getattr(client, method)(url, json=body or {}, headers=outsider)
        assert response.status_code == 404, (method, url, response.get_json())
        nowhere = template.format(cid=999_999, mid=999_998)
        missing = getattr(client, method)(nowhere, json=body or {}, headers=outsider)
        assert missing.status_code == 404
        assert response.get_json() == missing.get_json()
    found = client.get("/api/v1/search?q=secret", headers=outsider).get_json()
    assert found["results"] == []


def test_member_management(client, people):
    group = make_group(client, people)
    base = f"/api/v1/conversations/{group['id']}"
    owner, ben, cal = people["ann"][1], people["ben"][1], people["cal"][1]
    assert client.post(base + "/members", json={"username": "dot"}, headers=ben).status_code == 403
    assert (
        client.post(base + "/members", json={"username": "dot"}, headers=owner).status_code == 201
    )
    assert (
        client.post(base + "/members/ben/role", json={"role": "admin"}, headers=owner).status_code
        == 200
    )
    muted = client.post(base + "/members/cal/mute", json={"minutes": 5}, headers=ben)
    assert muted.get_json()["member"]["muted_until"]
    refused = client.post(base + "/messages", json={"body": "hello?"}, headers=cal)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "muted"
    assert (
        client.post(base + "/members/ann/mute", json={"minutes": 5}, headers=ben).status_code == 403
    )
    assert (
        client.post(base + "/members/cal/mute", json={"minutes": -1}, headers=ben).status_code
        == 400
    )
    assert client.delete(base + "/members/cal", headers=ben).status_code == 204
    assert client.get(base, headers=cal).status_code == 404
    members = client.get(base + "/members", headers=owner).get_json()["members"]
    assert sorted(m["user"]["username"] for m in members) == ["ann", "ben", "dot"]
    renamed = client.patch(base, json={"name": "Duo+"}, headers=ben)
    assert renamed.get_json()["conversation"]["name"] == "Duo+"
    assert client.delete(base, headers=ben).status_code == 403
    assert client.delete(base, headers=owner).status_code == 204
    assert client.get(base, headers=owner).status_code == 404


def test_edit_delete_react(client, people):
    group = make_group(client, people)
    sent = client.post(
        f"/api/v1/conversations/{group['id']}/messages",
        json={"body": "draft"},
        headers=people["ben"][1],
    ).get_json()["message"]
    url = f"/api/v1/messages/{sent['id']}"
    assert client.patch(url, json={"body": "x"}, headers=people["cal"][1]).status_code == 403
    edited = client.patch(url, json={"body": "final"}, headers=people["ben"][1]).get_json()[
        "message"
    ]
    assert edited["edited_at"]
    reacted = client.post(url + "/reactions", json={"emoji": "🎉"}, headers=people["cal"][1])
    assert reacted.get_json()["message"]["reactions"][0]["count"] == 1
    assert client.delete(url, headers=people["ann"][1]).status_code == 204  # the owner moderates
    history = client.get(f"/api/v1/conversations/{group['id']}/messages", headers=people["ben"][1])
    [gone] = [m for m in history.get_json()["messages"] if m["id"] == sent["id"]]
    assert gone["deleted"] is True
    assert gone["body"] == ""


def test_attachment_upload_send_and_download(client, people):
    group = make_group(client, people)
    upload = client.post(
        f"/api/v1/conversations/{group['id']}/attachments",
        data={"file": (io.BytesIO(PNG), "cat.png")},
        content_type="multipart/form-data",
        headers=people["ann"][1],
    )
    assert upload.status_code == 201
    attachment = upload.get_json()["attachment"]
    assert attachment["content_type"] == "image/png"
    sent = client.post(
        f"/api/v1/conversations/{group['id']}/messages",
        json={"body": "", "attachment_id": attachment["id"]},
        headers=people["ann"][1],
    )
    assert sent.get_json()["message"]["attachment"]["id"] == attachment["id"]
    fake = client.post(
        f"/api/v1/conversations/{group['id']}/attachments",
        data={"file": (io.BytesIO(b"MZ\x90\x00binary"), "pic.png")},
        content_type="multipart/form-data",
        headers=people["ann"][1],
    )
    assert fake.status_code == 400
    assert fake.get_json()["error"]["code"] == "unsupported_type"
    missing = client.post(
        f"/api/v1/conversations/{group['id']}/attachments", data={}, headers=people["ann"][1]
    )
    assert missing.status_code == 400


def test_oversized_attachment_is_413(client, people, app):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    group = make_group(client, people)
    response = client.post(
        f"/api/v1/conversations/{group['id']}/attachments",
        data={"file": (io.BytesIO(b"a" * 200_000), "big.txt")},
        content_type="multipart/form-data",
        headers=people["ann"][1],
    )
    assert response.status_code == 413


def test_history_pagination_parameters(client, people):
    group = make_group(client, people)
    url = f"/api/v1/conversations/{group['id']}/messages"
    for n in range(5):
        client.post(url, json={"body": f"m{n}"}, headers=people["ann"][1])
    page = client.get(url + "?limit=2", headers=people["ben"][1]).get_json()["messages"]
    assert [m["body"] for m in page] == ["m4", "m3"]
    older = client.get(
        f"{url}?limit=2&before={page[-1]['id']}", headers=people["ben"][1]
    ).get_json()
    assert [m["body"] for m in older["messages"]] == ["m2", "m1"]
    for bad in ("limit=0", "limit=101", "before=abc"):
        assert client.get(f"{url}?{bad}", headers=people["ben"][1]).status_code == 400


def test_group_picture(client, people):
    group = make_group(client, people)
    url = f"/api/v1/conversations/{group['id']}/image"
    assert client.get(url, headers=people["ben"][1]).status_code == 404
    refused = client.post(
        url,
        data={"image": (io.BytesIO(PNG), "g.png")},
        content_type="multipart/form-data",
        headers=people["ben"][1],
    )
    assert refused.status_code == 403
    bad = client.post(
        url,
        data={"image": (io.BytesIO(b"<svg/>"), "g.png")},
        content_type="multipart/form-data",
        headers=people["ann"][1],
    )
    assert bad.get_json()["error"]["code"] == "unsupported_type"
    done = client.post(
        url,
        data={"image": (io.BytesIO(PNG), "g.png")},
        content_type="multipart/form-data",
        headers=people["ann"][1],
    )
    assert done.get_json()["conversation"]["image_url"] == url
    picture = client.get(url, headers=people["ben"][1])
    assert picture.status_code == 200
    assert picture.mimetype == "image/png"
    assert client.get(url, headers=people["dot"][1]).status_code == 404


def test_uploads_over_the_general_body_limit_are_accepted_up_to_theirs(client, people, app):
    group = make_group(client, people)
    big = b"line of text\n" * 120_000  # about 1.5 MB, over the 1 MiB limit of other routes
    response = client.post(
        f"/api/v1/conversations/{group['id']}/attachments",
        data={"file": (io.BytesIO(big), "notes.txt")},
        content_type="multipart/form-data",
        headers=people["ann"][1],
    )
    assert response.status_code == 201
    assert response.get_json()["attachment"]["size"] == len(big)


def test_room_reads_go_to_the_reader_only(client, people):
    from services import message_reading

    room = client.post(
        "/api/v1/conversations", json={"kind": "room", "name": "Big room"}, headers=people["ann"][1]
    ).get_json()["conversation"]
    client.post(f"/api/v1/conversations/{room['id']}/join", headers=people["ben"][1])
    sent = client.post(
        f"/api/v1/conversations/{room['id']}/messages",
        json={"body": "hi"},
        headers=people["ann"][1],
    ).get_json()["message"]
    from extensions import db
    from models.stream import StreamEvent

    before = db.session.query(StreamEvent).filter_by(name="message:read").count()
    client.post(
        f"/api/v1/conversations/{room['id']}/read",
        json={"message_id": sent["id"]},
        headers=people["ben"][1],
    )
    [event] = db.session.query(StreamEvent).filter_by(name="message:read").all()[before:]
    assert event.channel == f"user:{people['ben'][0].id}"
    assert message_reading.seen_by(people["ann"][0], room["id"], sent["id"]) == []


def test_a_public_room_is_read_before_joining_a_private_one_never(client, people):
    """Anyone signed in pages back through a public room's messages; a private room
    answers 404 exactly as a room that does not exist; writing still needs joining."""
    ben = people["ben"][1]
    dot = people["dot"][1]
    rooms = {}
    for visibility in ("public", "private"):
        rooms[visibility] = client.post(
            "/api/v1/conversations",
            json={"kind": "room", "name": f"Kitchen {visibility}", "visibility": visibility},
            headers=ben,
        ).get_json()["conversation"]["id"]
        for text in ("first", "second", "third"):
            sent = client.post(
                f"/api/v1/conversations/{rooms[visibility]}/messages",
                json={"body": f"{visibility} {text}"},
                headers=ben,
            )
            assert sent.status_code == 201
    public = f"/api/v1/conversations/{rooms['public']}/messages"
    page = client.get(public + "?limit=2", headers=dot)
    assert page.status_code == 200
    newest = page.get_json()["messages"]
    assert [m["body"] for m in newest] == ["public third", "public second"]
    older = client.get(f"{public}?limit=2&before={newest[-1]['id']}", headers=dot).get_json()
    assert [m["body"] for m in older["messages"]] == ["public first"]
    hidden = client.get(f"/api/v1/conversations/{rooms['private']}/messages", headers=dot)
    missing = client.get("/api/v1/conversations/999999/messages", headers=dot)
    assert hidden.status_code == 404
    assert hidden.get_json() == missing.get_json()
    assert client.post(public, json={"body": "hi"}, headers=dot).status_code == 403
