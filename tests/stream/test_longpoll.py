"""Plain long-polling against a real server."""

from __future__ import annotations

import threading
import time

import pytest

from realtime.cursor import decode
from tests.support.clients import SocketClient, SSEReader, create_party, long_poll, register

pytestmark = pytest.mark.server


def test_without_cursor_answers_at_once_with_the_current_cursor(shared_server):
    account = register(shared_server.url)
    started = time.monotonic()
    response = long_poll(account, None, timeout=20)
    assert time.monotonic() - started < 2
    body = response.json()
    assert body["events"] == []
    assert body["cursor"].startswith("c")


def test_waiting_request_wakes_when_an_event_arrives(shared_server):
    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    threading.Timer(0.5, account.echo, args=("wake up",)).start()
    started = time.monotonic()
    body = long_poll(account, cursor, timeout=20).json()
    waited = time.monotonic() - started
    assert 0.4 < waited < 5
    [event] = [e for e in body["events"] if e["event"] == "stream:echo"]
    assert event["data"]["text"] == "wake up"
    assert event["id"] == event["data"]["cursor"]
    # The answer's cursor is at that event (it may also carry a stamp of known state).
    assert decode(body["cursor"]) == decode(event["id"])


def test_times_out_with_an_empty_list(shared_server):
    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    started = time.monotonic()
    body = long_poll(account, cursor, timeout=1).json()
    assert 0.9 < time.monotonic() - started < 4
    assert [e for e in body["events"] if e["event"] != "presence"] == []
    assert decode(body["cursor"]) == decode(cursor)


def test_waiting_events_are_answered_at_once(shared_server):
    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    account.echo("one")
    account.echo("two")
    started = time.monotonic()
    body = long_poll(account, cursor, timeout=20).json()
    assert time.monotonic() - started < 2
    assert [e["data"]["text"] for e in body["events"]] == ["one", "two"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"timeout": "31"}, "timeout"),
        ({"timeout": "-1"}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_parameters_are_400(shared_server, params, field):
    import requests

    account = register(shared_server.url)
    response = requests.get(
        shared_server.url + "/api/v1/events", params=params, headers=account.headers, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_needs_authentication(shared_server):
    import requests

    assert requests.get(shared_server.url + "/api/v1/events", timeout=5).status_code == 401


def test_cursor_from_the_future_gets_resync(shared_server):
    account = register(shared_server.url)
    body = long_poll(account, "czzzzzz", timeout=5).json()
    assert [e["event"] for e in body["events"]] == ["resync"]
    assert body["events"][0]["data"]["reason"] == "cursor_unknown"
    assert body["cursor"] != "czzzzzz"


def test_a_long_poller_in_a_party_gets_its_state_once_and_then_each_change(shared_server):
    """A poll with a cursor is a resume, which sends the party's state: the next poll,
    carrying the cursor it was given, must wait instead of getting the same state again."""
    import requests

    host, viewer = register(shared_server.url), register(shared_server.url)
    party = create_party(shared_server.url, host, title="Polled")
    joined = requests.post(
        shared_server.url + "/api/v1/parties/join",
        json={"code": party["code"]},
        headers=viewer.headers,
        timeout=10,
    )
    assert joined.status_code == 200, joined.text

    def states(body):
        return [e["data"] for e in body["events"] if e["event"] == "party:state"]

    cursor = long_poll(viewer, None).json()["cursor"]
    first = long_poll(viewer, cursor, timeout=5).json()
    assert [s["party_id"] for s in states(first)] == [party["id"]]

    started = time.monotonic()
    quiet = long_poll(viewer, first["cursor"], timeout=1).json()
    assert time.monotonic() - started > 0.9, "answered at once: the same state again"
    assert states(quiet) == []

    socket = SocketClient(shared_server.url).connect(auth={"token": host.token})
    try:
        socket.call("party:join", {"party_id": party["id"]})
        assert socket.call("party:seek", {"party_id": party["id"], "position": 42.0})["ok"]
    finally:
        socket.close()
    # The seek happened between polls: the next poll carries it, once.
    changed = long_poll(viewer, quiet["cursor"], timeout=5).json()
    assert [(s["position"], s["version"]) for s in states(changed)] == [(42.0, 1)]
    started = time.monotonic()
    after = long_poll(viewer, changed["cursor"], timeout=1).json()
    assert time.monotonic() - started > 0.9
    assert states(after) == []


def test_a_long_poll_cursor_resumes_on_server_sent_events(shared_server):
    """The long-poll's cursor carries a stamp; it is still a cursor for every transport."""
    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    account.echo("before")
    polled = long_poll(account, cursor, timeout=5).json()
    assert "." in polled["cursor"]
    account.echo("after")
    stream = SSEReader(
        shared_server.url + "/api/v1/events/stream", account.headers, {"cursor": polled["cursor"]}
    )
    try:
        [event] = stream.received.wait_count("stream:echo", 1)
    finally:
        stream.close()
    assert event["text"] == "after"


def test_a_revoked_token_can_neither_poll_nor_stream(shared_server):
    """The event routes check a token with their own one-statement read: a revoked token
    is refused there as everywhere, and the token it was is no one's."""
    import requests

    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    assert long_poll(account, cursor).status_code == 200
    revoked = requests.delete(
        shared_server.url + "/api/v1/auth/token", headers=account.headers, timeout=10
    )
    assert revoked.status_code in (200, 204), revoked.text
    refused = long_poll(account, cursor)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    streamed = requests.get(
        shared_server.url + "/api/v1/events/stream", headers=account.headers, timeout=10
    )
    assert streamed.status_code == 401
