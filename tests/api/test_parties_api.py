"""Watch parties over JSON, per the contract."""

from __future__ import annotations

import pytest

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def people(user_factory, bearer):
    return {name: bearer(user_factory(name)) for name in ("hana", "vic", "otto")}


def create(client, headers, **fields):
    body = {"title": "Night", "media_url": VIDEO, **fields}
    return client.post("/api/v1/parties", json=body, headers=headers)


def test_create_and_join_by_code(client, people):
    response = create(client, people["hana"], visibility="private", max_participants=3)
    assert response.status_code == 201
    party = response.get_json()["party"]
    assert {"id", "code", "title", "host", "visibility", "state"} <= set(party)
    assert len(party["code"]) == 6
    assert party["role"] == "host"
    seen = client.get(f"/api/v1/parties/{party['id']}", headers=people["vic"])
    assert seen.status_code == 404
    joined = client.post(
        "/api/v1/parties/join", json={"code": party["code"]}, headers=people["vic"]
    )
    assert joined.status_code == 200
    assert joined.get_json()["role"] == "viewer"
    assert joined.get_json()["party"]["id"] == party["id"]
    participants = client.get(f"/api/v1/parties/{party['id']}/participants", headers=people["vic"])
    assert [p["role"] for p in participants.get_json()["participants"]] == ["host", "viewer"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"media_url": "ftp://x/y.mp4"}, "media_url"),
        ({"visibility": "everyone"}, "visibility"),
        ({"max_participants": 1}, "max_participants"),
        ({"title": ""}, "title"),
    ],
)
def test_create_bad_input_is_400(client, people, fields, field):
    response = create(client, people["hana"], **fields)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_join_outcomes(client, people):
    assert (
        client.post(
            "/api/v1/parties/join", json={"code": "ZZZZZZ"}, headers=people["vic"]
        ).status_code
        == 404
    )
    assert (
        client.post("/api/v1/parties/join", json={"code": 5}, headers=people["vic"]).status_code
        == 400
    )
    full = create(client, people["hana"], max_participants=2).get_json()["party"]
    client.post("/api/v1/parties/join", json={"code": full["code"]}, headers=people["vic"])
    over = client.post("/api/v1/parties/join", json={"code": full["code"]}, headers=people["otto"])
    assert over.status_code == 409
    gated = create(client, people["hana"], requires_approval=True).get_json()["party"]
    pending = client.post(
        "/api/v1/parties/join", json={"code": gated["code"]}, headers=people["vic"]
    )
    assert pending.status_code == 202
    assert pending.get_json()["status"] == "pending"
    friends = create(client, people["hana"], visibility="friends").get_json()["party"]
    refused = client.post(
        "/api/v1/parties/join", json={"code": friends["code"]}, headers=people["otto"]
    )
    assert refused.status_code == 403


def test_a_refused_request_is_not_asked_again_at_once(client, people):
    gated = create(client, people["hana"], requires_approval=True).get_json()["party"]
    client.post("/api/v1/parties/join", json={"code": gated["code"]}, headers=people["vic"])
    decided = client.post(
        f"/api/v1/parties/{gated['id']}/requests/vic/refuse", headers=people["hana"]
    )
    assert decided.status_code == 200
    again = client.post("/api/v1/parties/join", json={"code": gated["code"]}, headers=people["vic"])
    assert again.status_code == 403
    assert again.get_json()["error"]["code"] == "refused"
    assert "ask again after" in again.get_json()["error"]["message"]
    waiting = client.get(f"/api/v1/parties/{gated['id']}/requests", headers=people["hana"])
    assert waiting.get_json()["requests"] == []


def test_a_party_its_host_left_alone_goes_to_whoever_comes_in(client, people):
    party = create(client, people["hana"]).get_json()["party"]
    left = client.post(f"/api/v1/parties/{party['id']}/leave", headers=people["hana"])
    assert left.status_code < 300
    joined = client.post(
        "/api/v1/parties/join", json={"code": party["code"]}, headers=people["vic"]
    )
    assert joined.get_json()["role"] == "host"
    shown = client.get(f"/api/v1/parties/{party['id']}", headers=people["vic"]).get_json()["party"]
    assert shown["host"]["username"] == "vic"
    assert shown["state"]["host_id"] == shown["host"]["id"]


def test_leave_end_and_list(client, people):
    party = create(client, people["hana"]).get_json()["party"]
    listed = client.get("/api/v1/parties?status=live", headers=people["vic"]).get_json()
    assert [p["id"] for p in listed["parties"]] == [party["id"]]
    assert (
        client.post(f"/api/v1/parties/{party['id']}/end", headers=people["vic"]).status_code == 403
    )
    ended = client.post(f"/api/v1/parties/{party['id']}/end", headers=people["hana"])
    assert ended.get_json()["party"]["status"] == "ended"
    assert (
        client.get("/api/v1/parties?status=live", headers=people["vic"]).get_json()["parties"] == []
    )
    recent = client.get("/api/v1/parties?status=ended", headers=people["vic"]).get_json()["parties"]
    assert [p["id"] for p in recent] == [party["id"]]
    assert client.get("/api/v1/parties?status=soon", headers=people["vic"]).status_code == 400


def test_chat_and_queue_over_http(client, people):
    party = create(client, people["hana"]).get_json()["party"]
    client.post("/api/v1/parties/join", json={"code": party["code"]}, headers=people["vic"])
    sent = client.post(
        f"/api/v1/parties/{party['id']}/messages",
        json={"body": "at the twist", "video_time": 61.5},
        headers=people["vic"],
    )
    assert sent.status_code == 201
    assert sent.get_json()["message"]["video_time"] == 61.5
    history = client.get(f"/api/v1/parties/{party['id']}/messages", headers=people["hana"])
    assert [m["body"] for m in history.get_json()["messages"]] == ["at the twist"]
    added = client.post(
        f"/api/v1/parties/{party['id']}/queue",
        json={"media_url": VIDEO + "?2"},
        headers=people["hana"],
    )
    assert added.status_code == 201
    refused = client.post(
        f"/api/v1/parties/{party['id']}/queue",
        json={"media_url": VIDEO + "?3"},
        headers=people["vic"],
    )
    assert refused.status_code == 403
    outsider = client.get(f"/api/v1/parties/{party['id']}/messages", headers=people["otto"])
    assert outsider.status_code == 403
