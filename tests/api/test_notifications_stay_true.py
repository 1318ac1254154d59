"""Notifications that would otherwise go on saying something false: the messages of a
conversation that has been read, and what someone did before a block parted the two."""

from __future__ import annotations

from services import messages

VIDEO = "https://media.example/v.mp4"


def notifications_of(client, headers) -> dict:
    return client.get("/api/v1/notifications", headers=headers).get_json()


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
    group = client.post(
        "/api/v1/conversations",
        json={"kind": "group", "name": "Both", "members": ["ann"]},
        headers=ben,
    ).get_json()["conversation"]["id"]
    said = {"body": "@ann look"}
    client.post(f"/api/v1/conversations/{group}/messages", json=said, headers=ben)
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
