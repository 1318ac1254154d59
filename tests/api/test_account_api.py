"""The account's own controls over JSON: delete it, download its data, list and revoke
its browser sign-ins and tokens; tokens that expire, refused on every transport."""

from __future__ import annotations

import time
from datetime import timedelta

import gevent
import pytest
from flask import g
from sqlalchemy import select

from extensions import db, socketio
from models.clock import utcnow
from models.user import ApiToken, User
from realtime import user_caches
from services import accounts, api_tokens, conversations
from tests.conftest import PASSWORD, csrf_token, log_in, make_app
from tests.support.messages import sent_message


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


def token_for(client, username: str, **extra) -> str:
    response = client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def browser_of(app, username: str):
    """A signed-in browser of its own (the CSRF token cached in `g` is per client)."""
    browser = app.test_client()
    g.pop("csrf_token", None)
    assert log_in(browser, username).status_code == 302
    return browser


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def expire(raw: str) -> None:
    """Move a token's expiry into the past, as if its time had passed. The site never
    moves an expiry, so the copy of the token this process keeps (`token_in_force`) still
    has the one it was issued with: it is forgotten, as the passing of time would end it."""
    token = api_tokens.token_record(raw)
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    user_caches.forget_all()


# -- deleting ------------------------------------------------------------------------
def test_delete_me_needs_the_password(client, user_factory):
    user_factory("ann")
    token = token_for(client, "ann")
    wrong = client.delete("/api/v1/me", json={"password": "not it at all"}, headers=bearer(token))
    assert wrong.status_code == 400
    assert error_of(wrong)["code"] == "wrong_password"
    missing = client.delete("/api/v1/me", json={}, headers=bearer(token))
    assert missing.status_code == 400
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_delete_me_ends_every_credential_and_keeps_messages_for_others(client, user_factory):
    ann, bob = user_factory("ann"), user_factory("bob")
    direct = conversations.open_direct(ann, "bob")
    sent = sent_message(ann, direct.id, "keep this for bob")
    token = token_for(client, "ann")
    other = token_for(client, "ann")

    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(token))
    assert response.status_code == 204

    for raw in (token, other):
        refused = client.get("/api/v1/me", headers=bearer(raw))
        assert refused.status_code == 401
    again = client.post("/api/v1/auth/token", json={"username": "ann", "password": PASSWORD})
    assert again.status_code == 401
    page = client.get(
        f"/api/v1/conversations/{direct.id}/messages", headers=bearer(token_for(client, "bob"))
    ).get_json()
    (message,) = [m for m in page["messages"] if m["id"] == sent.id]
    assert message["body"] == "keep this for bob"
    assert message["sender"]["deleted"] is True
    assert message["sender"]["display_name"] == "Deleted account"
    assert "ann" not in message["sender"]["username"]
    # Nobody writes to a deleted account.
    refused = client.post(
        f"/api/v1/conversations/{direct.id}/messages",
        json={"body": "are you there?"},
        headers=bearer(token_for(client, "bob")),
    )
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "account_deleted"
    # The name is free again.
    fresh = client.post("/api/v1/auth/register", json={"username": "ann", "password": PASSWORD})
    assert fresh.status_code == 201
    assert bob.id != fresh.get_json()["user"]["id"]


def test_delete_me_by_cookie_needs_csrf(client, user_factory):
    user_factory("ann")
    assert log_in(client, "ann").status_code == 302
    refused = client.delete("/api/v1/me", json={"password": PASSWORD})
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "csrf_failed"
    done = client.delete(
        "/api/v1/me", json={"password": PASSWORD}, headers={"X-CSRFToken": csrf_token(client)}
    )
    assert done.status_code == 204
    assert client.get("/api/v1/me").status_code == 401


# -- the download ----------------------------------------------------------------------
def test_export_is_rate_limited(tmp_path):
    app = make_app(tmp_path, ACCOUNT_EXPORT_RATE_LIMIT="2 per hour")
    with app.app_context():
        accounts.register("ann", PASSWORD)
        client = app.test_client()
        token = token_for(client, "ann")
        first = client.get("/api/v1/me/export", headers=bearer(token))
        assert first.status_code == 200
        assert first.get_json()["profile"]["username"] == "ann"
        assert {"messages", "following", "followers", "parties", "notifications", "reports"} <= set(
            first.get_json()
        )
        client.get("/settings/export", headers=bearer(token))  # one budget, both doors
        limited = client.get("/api/v1/me/export", headers=bearer(token))
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        db.session.remove()


# -- sign-ins and tokens ---------------------------------------------------------------
def test_sessions_list_and_revoke_only_ones_own(app, client, user_factory):
    user_factory("ann")
    user_factory("bob")
    browser = browser_of(app, "ann")
    bobs_browser = browser_of(app, "bob")
    token = token_for(client, "ann")

    listed = client.get("/api/v1/me/sessions", headers=bearer(token)).get_json()["sessions"]
    assert len(listed) == 1
    assert set(listed[0]) == {"id", "user_agent", "created_at", "last_seen_at", "current"}
    bobs_id = bobs_browser.get("/api/v1/me/sessions").get_json()["sessions"][0]["id"]
    assert bobs_browser.get("/api/v1/me/sessions").get_json()["sessions"][0]["current"] is True

    stranger = client.delete(f"/api/v1/me/sessions/{bobs_id}", headers=bearer(token))
    assert stranger.status_code == 404
    assert error_of(stranger)["code"] == "not_found"
    assert bobs_browser.get("/api/v1/me").status_code == 200

    gone = client.delete(f"/api/v1/me/sessions/{listed[0]['id']}", headers=bearer(token))
    assert gone.status_code == 204
    assert browser.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me/sessions", headers=bearer(token)).get_json()["sessions"] == []


def test_tokens_list_and_revoke_only_ones_own(client, user_factory):
    user_factory("ann")
    user_factory("bob")
    mine = token_for(client, "ann")
    spare = token_for(client, "ann", expires_in=3600)
    bobs = token_for(client, "bob")

    listed = client.get("/api/v1/me/tokens", headers=bearer(mine)).get_json()["tokens"]
    assert len(listed) == 2
    assert {t["current"] for t in listed} == {True, False}
    spare_row = next(t for t in listed if not t["current"])
    assert spare_row["expires_at"] is not None
    assert set(spare_row) == {"id", "created_at", "last_used_at", "expires_at", "current"}
    bobs_id = client.get("/api/v1/me/tokens", headers=bearer(bobs)).get_json()["tokens"][0]["id"]

    assert client.delete(f"/api/v1/me/tokens/{bobs_id}", headers=bearer(mine)).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(bobs)).status_code == 200
    gone = client.delete(f"/api/v1/me/tokens/{spare_row['id']}", headers=bearer(mine))
    assert gone.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(spare)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(mine)).status_code == 200


# -- expiry ---------------------------------------------------------------------------
@pytest.mark.parametrize("expires_in", [0, 30, 10**9, "3600", 12.5, True, [60]])
def test_expires_in_is_validated(client, user_factory, expires_in):
    user_factory("ann")
    for url, body in (
        ("/api/v1/auth/token", {"username": "ann", "password": PASSWORD}),
        ("/api/v1/auth/register", {"username": "newbie", "password": PASSWORD}),
    ):
        response = client.post(url, json={**body, "expires_in": expires_in})
        assert response.status_code == 400, url
        assert error_of(response)["field"] == "expires_in"
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None


def test_expires_in_sets_the_expiry(client, user_factory):
    user_factory("ann")
    token_for(client, "ann", expires_in=3600)
    stored = db.session.scalars(select(ApiToken)).one()
    lifetime = stored.expires_at - stored.created_at
    assert timedelta(seconds=3590) < lifetime <= timedelta(seconds=3600)


def test_an_expired_token_is_refused_on_every_transport(app, client, user_factory):
    user_factory("ann")
    raw = token_for(client, "ann", expires_in=60)
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    live = socketio.test_client(app, auth={"token": raw})
    assert live.is_connected()
    live.disconnect()

    expire(raw)

    for url in ("/api/v1/me", "/api/v1/events/stream", "/api/v1/events"):
        refused = client.get(url, headers=bearer(raw))
        assert refused.status_code == 401, url
        assert error_of(refused)["code"] == "unauthenticated", url
    socket = socketio.test_client(app, auth={"token": raw})
    assert not socket.is_connected()
    header = socketio.test_client(app, headers={"Authorization": f"Bearer {raw}"})
    assert not header.is_connected()


def test_the_sweep_closes_a_socket_whose_token_expired(app, client, user_factory):
    user_factory("ann")
    raw = token_for(client, "ann", expires_in=60)
    lasting = token_for(client, "ann")
    doomed = socketio.test_client(app, auth={"token": raw})
    kept = socketio.test_client(app, auth={"token": lasting})
    assert doomed.is_connected()
    assert kept.is_connected()
    try:
        expire(raw)
        assert api_tokens.expire_tokens() == 1
        assert not doomed.is_connected()
        assert kept.is_connected()
    finally:
        for socket in (doomed, kept):
            if socket.is_connected():
                socket.disconnect()


def expiring_soon(raw: str, seconds: float) -> float:
    """Shorten a token's life to `seconds` from now (shorter than a new one may be);
    the moment it ends, as a time.monotonic() reading."""
    token = api_tokens.token_record(raw)
    token.expires_at = utcnow() + timedelta(seconds=seconds)
    db.session.commit()
    user_caches.forget_all()  # as `expire` does
    return time.monotonic() + seconds


def test_a_socket_does_nothing_once_its_token_is_over(client, app, user_factory):
    """Exactly at its expiry, not at housekeeping's next sweep: the next event is refused
    and the connection closes, with the token not yet swept."""
    user_factory("ann")
    raw = token_for(client, "ann", expires_in=60)
    ends = expiring_soon(raw, 3)
    socket = socketio.test_client(app, auth={"token": raw})
    try:
        while True:
            ack = socket.emit("presence:set", {"status": "online"}, callback=True)
            if time.monotonic() < ends - 0.5:
                assert ack["ok"], ack  # still in force
            elif not ack["ok"]:
                break
            assert time.monotonic() < ends + 10, "still answered long after the expiry"
            gevent.sleep(0.4)  # well inside the event's rate limit
        assert ack["error"]["code"] == "unauthenticated"
        assert time.monotonic() >= ends - 0.05  # two clocks
        gevent.sleep(0)  # the close runs after the answer
        assert not socket.is_connected()
        assert db.session.scalars(select(ApiToken)).one().revoked_at is None
    finally:
        if socket.is_connected():
            socket.disconnect()


def test_an_event_stream_ends_when_its_token_does(client, user_factory):
    user_factory("ann")
    raw = token_for(client, "ann", expires_in=60)
    ends = expiring_soon(raw, 2)
    stream = client.get("/api/v1/events/stream", headers=bearer(raw), buffered=False)
    assert stream.status_code == 200
    with gevent.Timeout(12, AssertionError("the stream outlived its token")):
        frames = list(stream.response)  # it ends by itself: nothing else would end it
    assert time.monotonic() >= ends - 0.05  # two clocks
    assert frames[0].startswith(b"retry:")
    stream.close()


def test_a_long_poll_answers_when_its_token_ends(client, user_factory):
    user_factory("ann")
    raw = token_for(client, "ann", expires_in=60)
    cursor = client.get("/api/v1/events", headers=bearer(raw)).get_json()["cursor"]
    ends = expiring_soon(raw, 2)
    asked = {"cursor": cursor, "timeout": 25}
    with gevent.Timeout(12, AssertionError("the poll outlived its token")):
        answer = client.get("/api/v1/events", query_string=asked, headers=bearer(raw))
    assert answer.get_json()["events"] == []
    assert time.monotonic() >= ends - 0.05  # two clocks
    again = client.get("/api/v1/events", query_string=asked, headers=bearer(raw))
    assert again.status_code == 401
