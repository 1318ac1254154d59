"""Socket.IO against a real server: authentication, acks, limits, origins, resume."""

from __future__ import annotations

import re
import time

import orjson
import pytest
import requests
import socketio
import websocket

from tests.support.clients import PASSWORD, SocketClient, create_group, raw_connect, register
from tests.support.sign_in import CSRF_IN_FORM

pytestmark = pytest.mark.server

TRANSPORTS = ["websocket", "polling"]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "auth", [None, {}, {"token": "tdm_not_a_real_token"}, {"token": 42}, "token-as-string"]
)
def test_connect_without_valid_credentials_is_refused(shared_server, transport, auth):
    answer = raw_connect(shared_server.url, transport, auth)
    assert answer.startswith("44"), answer
    assert orjson.loads(answer[2:])["data"]["code"] == "unauthenticated"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_valid_token_is_accepted_by_the_raw_protocol(shared_server, transport):
    account = register(shared_server.url)
    answer = raw_connect(shared_server.url, transport, {"token": account.token})
    assert answer.startswith("40"), answer


def test_official_client_sees_the_refusal(shared_server):
    client = SocketClient(shared_server.url, "websocket")
    errors = []
    client.client.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(auth={"token": "tdm_forged"})
    assert not client.client.connected
    assert errors == [{"message": "That token is not valid.", "data": {"code": "unauthenticated"}}]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_token_connect_ping_and_live_event(shared_server, transport):
    account = register(shared_server.url)
    client = SocketClient(shared_server.url, transport).connect(auth={"token": account.token})
    ack = client.call("time:ping", {})
    assert ack["ok"] is True
    assert isinstance(ack["server_time"], float)
    sent = account.echo("hello")
    [event] = client.received.wait_count("stream:echo", 1)
    assert event == {**sent["data"], "cursor": sent["cursor"]}
    client.close()


def test_a_handshake_records_its_tokens_use_soon_after(shared_server):
    url = shared_server.url + "/api/v1"
    account = register(shared_server.url)
    credentials = {"username": account.username, "password": PASSWORD}
    lister = requests.post(url + "/auth/token", json=credentials, timeout=10).json()["token"]

    def last_used() -> str | None:
        response = requests.get(
            url + "/me/tokens", headers={"Authorization": f"Bearer {lister}"}, timeout=10
        )
        [socket_token] = [row for row in response.json()["tokens"] if not row["current"]]
        return socket_token["last_used_at"]

    assert last_used() is None
    client = SocketClient(shared_server.url).connect(auth={"token": account.token})
    deadline = time.monotonic() + 10
    while last_used() is None:
        assert time.monotonic() < deadline, "the handshake's use of its token was not recorded"
        time.sleep(0.05)
    client.close()


def test_invalid_cursor_is_refused(shared_server):
    account = register(shared_server.url)
    answer = raw_connect(shared_server.url, "websocket", {"token": account.token, "cursor": "?"})
    assert answer.startswith("44")
    assert orjson.loads(answer[2:])["data"]["code"] == "invalid_cursor"


def test_session_cookie_connects_a_browser_user(shared_server):
    account = register(shared_server.url)
    browser = requests.Session()
    page = browser.get(shared_server.url + "/login").text
    csrf = CSRF_IN_FORM.search(page).group(1)
    browser.post(
        shared_server.url + "/login",
        data={"username": account.username, "password": PASSWORD, "csrf_token": csrf},
    )
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    client = SocketClient(shared_server.url, "polling").connect(headers={"Cookie": cookie})
    account.echo("via cookie")
    assert client.received.wait_count("stream:echo", 1)[0]["text"] == "via cookie"

    # Logging out of that browser session closes its socket.
    page = browser.get(shared_server.url + "/logout").text
    csrf = CSRF_IN_FORM.search(page).group(1)
    browser.post(shared_server.url + "/logout", data={"csrf_token": csrf})
    assert client.disconnected.wait(5)


@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("time:ping", "not an object", "invalid"),
        ("time:ping", [1, 2], "invalid"),
        ("presence:set", {}, "invalid"),
        ("presence:set", {"status": 5}, "invalid"),
        ("presence:set", {"status": "asleep"}, "invalid"),
        ("presence:set", {"status": "x" * 5000}, "too_long"),
        ("presence:set", {"status": "busy", "text": "x" * 81}, "too_long"),
        ("presence:set", {"status": "busy", "text": "a\u202eb"}, "invalid"),
        ("presence:set", {"status": "busy", "auto": True}, "invalid"),
        ("no:such:event", {}, "unknown_event"),
    ],
)
def test_bad_payloads_get_error_acks_and_the_socket_lives_on(shared_server, event, payload, code):
    account = register(shared_server.url)
    client = SocketClient(shared_server.url).connect(auth={"token": account.token})
    ack = client.call(event, payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert ack["error"]["message"]
    assert client.call("time:ping", {})["ok"] is True
    client.close()


def test_presence_set_is_acked_and_kept(shared_server):
    account = register(shared_server.url)
    client = SocketClient(shared_server.url).connect(auth={"token": account.token})
    before = requests.get(
        shared_server.url + "/api/v1/me/presence", headers=account.headers, timeout=5
    )
    assert before.json()["presence"]["status"] == "online"
    ack = client.call("presence:set", {"status": "busy"})
    assert ack["ok"] is True
    assert ack["presence"]["status"] == "busy"
    assert ack["presence"]["user_id"] == account.id
    after = requests.get(
        shared_server.url + "/api/v1/me/presence", headers=account.headers, timeout=5
    )
    assert after.json()["presence"]["status"] == "busy"


def test_oversized_packet_drops_only_its_sender(shared_server):
    sender, bystander = register(shared_server.url), register(shared_server.url)
    bad = SocketClient(shared_server.url).connect(auth={"token": sender.token})
    good = SocketClient(shared_server.url).connect(auth={"token": bystander.token})
    bad.client.emit("presence:set", {"status": "x" * 200_000})
    assert bad.disconnected.wait(5)
    assert good.call("time:ping", {})["ok"] is True
    bystander.echo("still here")
    assert good.received.wait_count("stream:echo", 1)[0]["text"] == "still here"
    assert requests.get(shared_server.url + "/healthz", timeout=5).status_code == 200


def test_socket_events_are_rate_limited_per_user(server_factory):
    server = server_factory(SOCKET_PING_RATE_LIMIT="5 per minute")
    flooder, other = register(server.url), register(server.url)
    client = SocketClient(server.url).connect(auth={"token": flooder.token})
    acks = [client.call("time:ping", {}) for _ in range(7)]
    assert [ack["ok"] for ack in acks] == [True] * 5 + [False] * 2
    assert acks[-1]["error"]["code"] == "rate_limited"
    assert acks[-1]["error"]["retry_after"] > 0
    calm = SocketClient(server.url).connect(auth={"token": other.token})
    assert calm.call("time:ping", {})["ok"] is True


@pytest.mark.parametrize("origin", ["http://evil.example", "null"])
def test_foreign_origin_is_refused_on_both_transports(shared_server, origin):
    account = register(shared_server.url)
    polling = requests.get(
        shared_server.url + "/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": origin},
        timeout=5,
    )
    assert polling.status_code == 400
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(
            shared_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
            origin=origin,
            header=[f"Authorization: Bearer {account.token}"],
            timeout=5,
        )


def test_same_origin_is_accepted(shared_server):
    response = requests.get(
        shared_server.url + "/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": shared_server.url},
        timeout=5,
    )
    assert response.status_code == 200


def test_token_revocation_disconnects_its_sockets(shared_server):
    account = register(shared_server.url)
    client = SocketClient(shared_server.url).connect(auth={"token": account.token})
    response = requests.delete(
        shared_server.url + "/api/v1/auth/token", headers=account.headers, timeout=5
    )
    assert response.status_code == 204
    assert client.disconnected.wait(5)
    assert raw_connect(shared_server.url, "polling", {"token": account.token}).startswith("44")


def test_a_socket_keeps_its_account_at_hand_until_the_account_changes(shared_server):
    """The account behind a socket is read once, and again whenever the bus says it
    changed: a mute, a lifted mute and a new display name hold from the next event."""
    base = shared_server.url
    moderator, troll, owner = register(base), register(base), register(base)
    shared_server.set_role(moderator.username, "moderator")
    created = requests.post(
        base + "/api/v1/conversations",
        json={"kind": "group", "name": "Cache", "members": [troll.username]},
        headers=owner.headers,
        timeout=10,
    )
    group = created.json()["conversation"]["id"]
    socket = SocketClient(base).connect(auth={"token": troll.token})

    def send(body):
        return socket.call("message:send", {"conversation_id": group, "body": body})

    def mute(minutes):
        response = requests.post(
            f"{base}/api/v1/admin/users/{troll.username}/mute",
            json={"minutes": minutes},
            headers=moderator.headers,
            timeout=10,
        )
        assert response.status_code == 200, response.text

    assert send("before")["ok"] is True
    mute(30)
    refused = send("while muted")
    assert refused["ok"] is False
    assert refused["error"]["code"] == "muted"
    mute(0)
    assert send("after")["ok"] is True
    renamed = requests.patch(
        base + "/api/v1/me", json={"display_name": "Renamed"}, headers=troll.headers, timeout=10
    )
    assert renamed.status_code == 200, renamed.text
    assert send("as someone new")["message"]["sender"]["display_name"] == "Renamed"
    socket.close()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_burst_of_sends_is_answered_and_stored_in_the_order_it_was_sent(
    request, server_factory, database
):
    """A client's events run one after another: the acknowledgements come back in the
    order of the sends, and the stored messages keep that order (on PostgreSQL a
    handler waits on the database's socket, where another one could overtake it)."""
    if database == "postgresql":
        server = server_factory(request.getfixturevalue("postgres").create_database())
    else:
        server = server_factory()
    owner, member = register(server.url), register(server.url)
    group = create_group(server.url, owner, member)
    ws = websocket.create_connection(
        server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket", timeout=10
    )
    try:
        ws.recv()  # the Engine.IO open packet
        ws.send("40" + orjson.dumps({"token": owner.token}).decode())
        assert ws.recv().startswith("40")
        count = 20
        for number in range(1, count + 1):
            payload = {"conversation_id": group, "body": f"burst {number}"}
            ws.send(f"42{number}" + orjson.dumps(["message:send", payload]).decode())
        acks = []
        while len(acks) < count:
            packet = ws.recv()
            if packet == "2":  # an Engine.IO ping
                ws.send("3")
            elif packet.startswith("43"):
                number, body = re.match(r"43(\d+)(.*)", packet).groups()
                acks.append((int(number), orjson.loads(body)[0]))
    finally:
        ws.close(timeout=0)
    assert [number for number, _ in acks] == list(range(1, count + 1))
    stored = [ack["message"] for _, ack in acks]
    assert [message["body"] for message in stored] == [f"burst {n}" for n in range(1, count + 1)]
    ids = [message["id"] for message in stored]
    assert ids == sorted(ids)
    assert len(set(ids)) == count
