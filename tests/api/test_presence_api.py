"""`POST /api/v1/me/presence`: one's status and text for clients without a socket."""

from __future__ import annotations

import pytest

from realtime.bus import bus
from services import accounts, api_tokens
from tests.conftest import csrf_token, log_in, make_app


@pytest.fixture
def ann(user_factory, bearer):
    person = user_factory("ann")
    bus.presence.store.renew([person.id], ttl=20)
    return person, bearer(person)


def test_sets_status_and_text_with_a_token(client, ann):
    person, headers = ann
    response = client.post(
        "/api/v1/me/presence", json={"status": "busy", "text": "Editing"}, headers=headers
    )
    assert response.status_code == 200
    shown = response.get_json()["presence"]
    assert (shown["user_id"], shown["status"], shown["text"]) == (person.id, "busy", "Editing")
    assert shown["auto"] is False
    kept = client.get("/api/v1/me/presence", headers=headers).get_json()["presence"]
    assert (kept["status"], kept["text"]) == ("busy", "Editing")


def test_automatic_away_does_not_override_busy(client, ann):
    _, headers = ann
    client.post("/api/v1/me/presence", json={"status": "busy"}, headers=headers)
    idle = client.post(
        "/api/v1/me/presence", json={"status": "away", "auto": True}, headers=headers
    )
    assert idle.status_code == 200
    assert idle.get_json()["presence"]["status"] == "busy"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "status", "invalid"),
        ({"status": "asleep"}, "status", "invalid"),
        ({"status": None}, "status", "invalid"),
        ({"status": "busy", "text": "x" * 81}, "text", "too_long"),
        ({"status": "busy", "text": ["x"]}, "text", "invalid"),
        ({"status": "busy", "text": "a\u200bb"}, "text", "invalid"),
        ({"status": "busy", "auto": "sometimes"}, "auto", "invalid"),
        (["busy"], "body", "invalid"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, ann, body, field, code):
    _, headers = ann
    response = client.post("/api/v1/me/presence", json=body, headers=headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]
    still = client.get("/api/v1/me/presence", headers=headers).get_json()["presence"]
    assert (still["status"], still["text"]) == ("online", "")


def test_a_body_that_is_not_json_is_400(client, ann):
    _, headers = ann
    response = client.post(
        "/api/v1/me/presence", data="status=busy", headers=headers, content_type="text/plain"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "body"


def test_without_a_sign_in_it_is_401(client):
    anonymous = {"X-CSRFToken": csrf_token(client)}
    response = client.post("/api/v1/me/presence", json={"status": "busy"}, headers=anonymous)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    forged = {"Authorization": "Bearer not-a-token"}
    response = client.post("/api/v1/me/presence", json={"status": "busy"}, headers=forged)
    assert response.status_code == 401


def test_a_session_cookie_needs_the_csrf_token(client, user_factory):
    user_factory("cat")
    assert log_in(client, "cat").status_code == 302
    refused = client.post("/api/v1/me/presence", json={"status": "busy"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    allowed = client.post(
        "/api/v1/me/presence", json={"status": "busy"}, headers={"X-CSRFToken": csrf_token(client)}
    )
    assert allowed.status_code == 200
    assert allowed.get_json()["presence"]["status"] == "busy"


def token(name: str) -> str:
    return api_tokens.issue_token(accounts.register(name, "long password"))


def test_status_changes_are_rate_limited_per_user(tmp_path):
    app = make_app(tmp_path, SOCKET_EVENT_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        ann, ben = ({"Authorization": f"Bearer {token(name)}"} for name in ("ann", "ben"))
    codes = [
        client.post("/api/v1/me/presence", json={"status": s}, headers=ann).status_code
        for s in ("busy", "away", "online", "busy")
    ]
    assert codes == [200, 200, 200, 429]
    limited = client.post("/api/v1/me/presence", json={"status": "busy"}, headers=ann)
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert (
        client.post("/api/v1/me/presence", json={"status": "busy"}, headers=ben).status_code == 200
    )
