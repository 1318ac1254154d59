"""Watch parties over Socket.IO against a real server: joining, driving playback,
heartbeats, chat, reactions, handover, and late joiners and reconnects landing in sync."""

from __future__ import annotations

import contextlib
import sqlite3
import time

import pytest

from tests.support.clients import SocketClient, call_api, create_party, long_poll, register

pytestmark = pytest.mark.server


def connect(server, account, transport="websocket", cursor=None):
    auth = {"token": account.token, **({"cursor": cursor} if cursor else {})}
    return SocketClient(server.url, transport).connect(auth=auth)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_host_drives_everyone_follows(shared_server, transport):
    host, viewer = register(shared_server.url), register(shared_server.url)
    party = create_party(shared_server.url, host)
    host_socket = connect(shared_server, host, transport)
    assert host_socket.call("party:join", {"party_id": party["id"]})["role"] == "host"
    viewer_socket = connect(shared_server, viewer, transport)
    joined = viewer_socket.call("party:join", {"party_id": party["id"]})
    assert joined["ok"] is True
    assert set(joined) >= {"party", "state", "members", "role"}
    assert joined["role"] == "viewer"
    [arrival] = host_socket.received.wait_count("party:member_joined", 1)
    assert arrival["user"]["username"] == viewer.username

    refused = viewer_socket.call("party:play", {"party_id": party["id"]})
    assert refused["ok"] is False
    assert refused["error"]["code"] == "forbidden"

    played = host_socket.call("party:play", {"party_id": party["id"], "position": 12.0})
    assert played["ok"] is True
    for socket in (host_socket, viewer_socket):  # the sender too
        [state] = socket.received.wait_count("party:state", 1)
        assert (state["playing"], state["position"], state["version"]) == (True, 12.0, 1)
        assert "cursor" not in state
    host_socket.call("party:seek", {"party_id": party["id"], "position": 90.0})
    state = viewer_socket.received.wait_count("party:state", 2)[-1]
    assert (state["position"], state["version"]) == (90.0, 2)

    beat = viewer_socket.call(
        "party:heartbeat", {"party_id": party["id"], "position": 89.0, "playing": True}
    )
    assert beat["ok"] is True
    assert beat["drift"] < -0.9
    assert beat["state"]["version"] == 2
    [report] = host_socket.received.wait_count("party:drift", 1)
    assert report["user_id"] == viewer.id
    assert viewer_socket.received.named("party:drift") == []  # viewers do not see drift


def test_bad_payloads_get_error_acks(shared_server):
    host = register(shared_server.url)
    party = create_party(shared_server.url, host)
    socket = connect(shared_server, host)
    socket.call("party:join", {"party_id": party["id"]})
    for event, payload, code in (
        ("party:seek", {"party_id": party["id"]}, "invalid"),
        ("party:seek", {"party_id": party["id"], "position": "NaN"}, "invalid"),
        ("party:seek", {"party_id": party["id"], "position": -3}, "invalid"),
        ("party:play", {"party_id": "x"}, "not_found"),
        ("party:heartbeat", {"party_id": party["id"], "position": 1, "playing": "yes"}, "invalid"),
        ("party:message", {"party_id": party["id"], "body": "x" * 2000}, "too_long"),
        ("party:reaction", {"party_id": party["id"], "emoji": "<script>"}, "invalid"),
        ("party:rate", {"party_id": party["id"], "rate": 10}, "invalid"),
        ("party:next", {"party_id": party["id"]}, "queue_empty"),
        ("party:join", {"party_id": 10**9}, "not_found"),
        ("party:duration", {"party_id": party["id"], "duration": 0}, "invalid"),
        ("party:duration", {"party_id": party["id"], "duration": 90_000}, "invalid"),
        ("party:media_end", {"party_id": party["id"]}, "invalid"),
    ):
        ack = socket.call(event, payload)
        assert ack["ok"] is False, (event, payload, ack)
        assert ack["error"]["code"] == code, (event, payload, ack)
    assert socket.call("time:ping", {})["ok"] is True
    media = party["media"]["url"]
    ack = socket.call(
        "party:duration", {"party_id": party["id"], "media_url": media, "duration": 42}
    )
    assert ack["ok"] is True
    assert ack["state"]["duration"] == 42
    seen = ack["state"]["version"]
    early = socket.call("party:media_end", {"party_id": party["id"], "version": seen})
    assert early["state"] == ack["state"]  # not at the end: nothing changes


def test_chat_reactions_and_typing(shared_server):
    host, viewer = register(shared_server.url), register(shared_server.url)
    party = create_party(shared_server.url, host)
    host_socket = connect(shared_server, host)
    viewer_socket = connect(shared_server, viewer)
    host_socket.call("party:join", {"party_id": party["id"]})
    viewer_socket.call("party:join", {"party_id": party["id"]})
    sent = viewer_socket.call(
        "party:message", {"party_id": party["id"], "body": "here!", "video_time": 33.3}
    )
    assert sent["message"]["video_time"] == 33.3
    [message] = host_socket.received.wait_count("party:message", 1)
    assert (message["body"], message["video_time"]) == ("here!", 33.3)
    assert message["cursor"]
    assert viewer_socket.call("party:reaction", {"party_id": party["id"], "emoji": "🎉"})["ok"]
    [reaction] = host_socket.received.wait_count("party:reaction", 1)
    assert reaction["emoji"] == "🎉"
    viewer_socket.call("party:typing", {"party_id": party["id"], "typing": True})
    typing = host_socket.received.wait_count("party:typing", 2, timeout=8)
    assert [t["typing"] for t in typing] == [True, False]


def test_late_joiner_and_reconnect_land_in_sync(shared_server):
    host, late = register(shared_server.url), register(shared_server.url)
    party = create_party(shared_server.url, host)
    host_socket = connect(shared_server, host)
    host_socket.call("party:join", {"party_id": party["id"]})
    before_play = time.monotonic()
    host_socket.call("party:play", {"party_id": party["id"], "position": 100.0})
    time.sleep(0.5)  # the party plays on for a while before the late joiner comes
    late_socket = connect(shared_server, late)
    joined = late_socket.call("party:join", {"party_id": party["id"]})
    state, now = joined["state"], late_socket.call("time:ping", {})["server_time"]
    played = time.monotonic() - before_play  # however slow the machine was meanwhile
    expected = state["position"] + (now - state["at"]) * state["rate"]
    assert state["playing"] is True
    assert 100.4 < expected < 100 + played + 0.1
    # Drop, miss a seek, come back with the cursor: the state arrives right after resume.
    host_socket.call("party:message", {"party_id": party["id"], "body": "marker"})
    [marker] = late_socket.received.wait_count("party:message", 1)
    late_socket.drop()
    host_socket.call("party:seek", {"party_id": party["id"], "position": 500.0})
    back = connect(shared_server, late, cursor=marker["cursor"])
    [resumed] = back.received.wait_count("party:state", 1)
    assert resumed["position"] == 500.0
    assert resumed["version"] == 2


def test_host_leaving_hands_over(shared_server):
    host, cohost, viewer = (register(shared_server.url) for _ in range(3))
    party = create_party(shared_server.url, host)
    sockets = {}
    for account in (host, cohost, viewer):
        sockets[account.username] = connect(shared_server, account)
        sockets[account.username].call("party:join", {"party_id": party["id"]})
    made = sockets[host.username].call(
        "party:role", {"party_id": party["id"], "user_id": cohost.id, "role": "co-host"}
    )
    assert made["participant"]["role"] == "co-host"
    sockets[host.username].call("party:leave", {"party_id": party["id"]})
    [changed] = sockets[viewer.username].received.wait_count("party:host_changed", 1)
    assert changed == {"party_id": party["id"], "host_id": cohost.id, "cursor": changed["cursor"]}
    assert sockets[cohost.username].call("party:pause", {"party_id": party["id"]})["ok"] is True


def test_a_state_no_worker_announced_reaches_open_sockets_and_the_next_poll(live_server):
    """A change of playback written beside the server (a command, a worker whose publish
    failed) is found by the server's check within a second or so: sockets get it live,
    and a long-poll that carries an older state gets it once."""
    base = live_server.url
    host, viewer = register(base), register(base)
    party = create_party(base, host, title="Written beside")
    call_api(viewer, "POST", "/parties/join", json={"code": party["code"]})
    socket = connect(live_server, viewer)
    assert socket.call("party:join", {"party_id": party["id"]})["ok"] is True
    cursor = long_poll(viewer, None).json()["cursor"]
    polled = long_poll(viewer, cursor, timeout=5).json()
    assert [e["data"]["position"] for e in polled["events"] if e["event"] == "party:state"] == [0.0]

    database = live_server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as connection, connection:
        connection.execute(
            "UPDATE parties SET position = 77.0, at = ?, version = version + 1 WHERE id = ?",
            (time.time(), party["id"]),
        )
    [state] = socket.received.wait_count("party:state", 1, timeout=10)
    assert (state["party_id"], state["position"], state["version"]) == (party["id"], 77.0, 1)

    changed = long_poll(viewer, polled["cursor"]).json()
    assert [e["data"]["position"] for e in changed["events"] if e["event"] == "party:state"] == [
        77.0
    ]
    quiet = long_poll(viewer, changed["cursor"]).json()
    assert [e for e in quiet["events"] if e["event"] == "party:state"] == []
    socket.close()
