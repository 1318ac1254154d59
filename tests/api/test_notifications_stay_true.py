"""Notifications that would otherwise go on saying something false: the messages of a
conversation that has been read, and what someone did before a block parted the two."""

from __future__ import annotations

import json

from services import messages

VIDEO = "https://media.example/v.mp4"


def notifications_of(client, headers) -> dict:
    return client.get("/api/v1/notifications", headers=headers).get_json()


def of_kind(listed: dict, kind: str) -> list[dict]:
    return [
        notification for notification in listed["notifications"] if notification["kind"] == kind
    ]


def mentioning(client, sender: dict, member: str, body: str) -> int:
    """A new group of the sender's with `member` in it, and a message there; its id."""
    group = client.post(
        "/api/v1/conversations",
        json={"kind": "group", "name": "Plans", "members": [member]},
        headers=sender,
    ).get_json()["conversation"]["id"]
    client.post(f"/api/v1/conversations/{group}/messages", json={"body": body}, headers=sender)
    return group


def test_reading_a_conversation_reads_its_messages_notification(app, client, user_factory, bearer):
    ann, ben = bearer(user_factory("ann")), bearer(user_factory("ben"))
    direct = client.post(
        "/api/v1/conversations", json={"kind": "direct", "username": "ann"}, headers=ben
    ).get_json()["conversation"]["id"]
    url = f"/api/v1/conversations/{direct}/messages"
    first = client.post(url, json={"body": "one"}, headers=ben).get_json()["message"]["id"]
    messages._notify_if_unread(app, first)  # what the away-delay's timer runs
    assert notifications_of(client, ann)["unread_count"] == 1
    read = client.post(
        f"/api/v1/conversations/{direct}/read", json={"message_id": first}, headers=ann
    )
    assert read.status_code == 200
    assert notifications_of(client, ann)["unread_count"] == 0
    second = client.post(url, json={"body": "two"}, headers=ben).get_json()["message"]["id"]
    messages._notify_if_unread(app, second)
    listed = notifications_of(client, ann)
    assert listed["unread_count"] == 1
    assert [(n["count"], n["read"]) for n in listed["notifications"]] == [(1, False), (1, True)]


def test_a_block_takes_what_the_other_did_out_of_ones_notifications(client, user_factory, bearer):
    ann, ben = bearer(user_factory("ann")), bearer(user_factory("ben"))
    cat = bearer(user_factory("cat"))
    for follower in (ben, cat):
        client.post("/api/v1/users/ann/follow", headers=follower)
    party = client.post(
        "/api/v1/parties",
        json={"title": "Ben's night", "media_url": VIDEO, "visibility": "private"},
        headers=ben,
    ).get_json()["party"]
    invited = client.post(
        f"/api/v1/parties/{party['id']}/invites", json={"username": "ann"}, headers=ben
    )
    assert invited.status_code == 201
    mentioning(client, ben, "ann", "@ann look")
    before = notifications_of(client, ann)
    assert {n["kind"] for n in before["notifications"]} >= {
        "follow",
        "party_invite",
        "mention",
        "conversation_invite",
    }

    assert client.post("/api/v1/users/ben/block", headers=ann).status_code == 200
    after = notifications_of(client, ann)
    assert [n["kind"] for n in after["notifications"]] == ["follow"]
    [follow] = after["notifications"]
    assert (follow["actor"]["username"], follow["count"]) == ("cat", 1)
    assert after["unread_count"] == 1


def test_a_mention_quotes_nothing_once_its_reader_is_out_of_the_group(client, user_factory, bearer):
    ann, ben = bearer(user_factory("ann")), bearer(user_factory("ben"))
    group = mentioning(client, ann, "ben", "@ben the code is 1234")
    cursor = client.get("/api/v1/events", headers=ben).get_json()["cursor"]
    [mention] = of_kind(notifications_of(client, ben), "mention")
    assert "1234" in mention["subject"]["text"]

    removed = client.delete(f"/api/v1/conversations/{group}/members/ben", headers=ann)
    assert removed.status_code < 300
    [mention] = of_kind(notifications_of(client, ben), "mention")
    assert "text" not in mention["subject"]
    assert mention["subject"]["gone"] is True
    told = client.get(
        "/api/v1/events", query_string={"cursor": cursor, "timeout": 0}, headers=ben
    ).get_json()["events"]
    redrawn = [e["data"] for e in told if e["event"] == "notification:updated"]
    assert [data["id"] for data in redrawn if data["kind"] == "mention"] == [mention["id"]]
    assert "1234" not in json.dumps(told)
