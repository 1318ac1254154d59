"""Files follow their message: a file is served only while the message that carries it
stands, to the members of its conversation; an upload not sent yet is its uploader's
alone. Everyone else gets the same 404 as for a file that never existed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from extensions import db
from models.conversation import Attachment
from models.user import Role
from services import attachments, uploads

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def people(user_factory, bearer):
    users = {
        "ann": user_factory("ann"),
        "ben": user_factory("ben"),
        "cal": user_factory("cal"),
        "moe": user_factory("moe", role=Role.MODERATOR),
    }
    return {name: bearer(user) for name, user in users.items()}


@pytest.fixture
def group(client, people) -> int:
    """Ann's group, with Ben and Cal in it."""
    response = client.post(
        "/api/v1/conversations",
        json={"kind": "group", "name": "Trio", "members": ["ben", "cal"]},
        headers=people["ann"],
    )
    assert response.status_code == 201
    return response.get_json()["conversation"]["id"]


def upload(client, headers, conversation_id: int) -> dict:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        data={"file": (io.BytesIO(PNG), "cat.png")},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 201
    return response.get_json()["attachment"]


def send_file(client, headers, conversation_id: int) -> tuple[dict, dict]:
    """(the message, its attachment) sent by the holder of `headers`."""
    attachment = upload(client, headers, conversation_id)
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"body": "look", "attachment_id": attachment["id"]},
        headers=headers,
    )
    assert response.status_code == 201
    return response.get_json()["message"], attachment


def stored_file(attachment_id: int) -> Path:
    found = db.session.get(Attachment, attachment_id)
    return uploads.folder(attachments.FILES) / found.stored_name


def assert_gone(response) -> None:
    """The site's ordinary 404 page: nothing of the file, no hint that it was there."""
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert PNG not in response.data


@pytest.mark.parametrize(
    ("deleter", "request_for"),
    [
        ("ben", lambda message: ("DELETE", f"/api/v1/messages/{message['id']}")),
        ("ann", lambda message: ("DELETE", f"/api/v1/messages/{message['id']}")),
        ("moe", lambda message: ("DELETE", f"/api/v1/admin/messages/{message['id']}")),
    ],
    ids=["author", "group-owner", "moderator"],
)
def test_a_deleted_messages_file_is_served_to_nobody(client, people, group, deleter, request_for):
    message, attachment = send_file(client, people["ben"], group)
    path = stored_file(attachment["id"])
    assert client.get(attachment["url"], headers=people["cal"]).status_code == 200
    method, url = request_for(message)
    assert client.open(url, method=method, headers=people[deleter]).status_code == 204
    for name in ("ann", "ben", "cal"):
        assert_gone(client.get(attachment["url"], headers=people[name]))
    assert not path.exists()
    assert db.session.get(Attachment, attachment["id"]) is None


def test_removal_through_a_report_takes_the_file(client, people, group):
    message, attachment = send_file(client, people["ben"], group)
    client.post(
        "/api/v1/reports",
        json={"subject_type": "message", "subject_id": message["id"], "reason": "not ok"},
        headers=people["cal"],
    )
    [report] = client.get("/api/v1/admin/reports", headers=people["moe"]).get_json()["reports"]
    resolved = client.post(
        f"/api/v1/admin/reports/{report['id']}/resolve",
        json={"action": "remove"},
        headers=people["moe"],
    )
    assert resolved.status_code == 200
    assert_gone(client.get(attachment["url"], headers=people["cal"]))
    assert_gone(client.get(attachment["url"], headers=people["ben"]))


def test_an_unsent_upload_is_its_uploaders_alone(client, people, group):
    mine = upload(client, people["ann"], group)
    bens = upload(client, people["ben"], group)
    assert bens["id"] == mine["id"] + 1  # ids are easy to guess
    assert client.get(mine["url"], headers=people["ann"]).status_code == 200
    for name in ("ben", "cal"):
        assert_gone(client.get(mine["url"], headers=people[name]))
    assert_gone(client.get(bens["url"], headers=people["ann"]))
    sent = client.post(
        f"/api/v1/conversations/{group}/messages",
        json={"body": "", "attachment_id": mine["id"]},
        headers=people["ann"],
    )
    assert sent.status_code == 201
    assert client.get(mine["url"], headers=people["cal"]).status_code == 200


def test_a_file_is_revalidated_so_a_deleted_one_stops_showing(client, people, group):
    _message, attachment = send_file(client, people["ben"], group)
    served = client.get(attachment["url"], headers=people["cal"])
    assert served.headers["Cache-Control"] == "private, no-cache"
    assert served.headers["ETag"]
