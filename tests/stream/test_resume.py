"""Resuming from a cursor after a drop: every missed durable event, in order, once,
on each transport, across transports, and across a server restart."""

from __future__ import annotations

import pytest

from tests.support.clients import SocketClient, SSEReader, long_poll, register

pytestmark = pytest.mark.server


def texts(events) -> list[str]:
    return [data["text"] for data in events]


def sse_resume(server, account, cursor: str, count: int) -> list[dict]:
    reader = SSEReader(
        server.url + "/api/v1/events/stream", {**account.headers, "Last-Event-ID": cursor}
    )
    events = reader.received.wait_count("stream:echo", count)
    reader.close()
    return events


def socket_resume(server, account, cursor: str, count: int, transport="websocket") -> list[dict]:
    client = SocketClient(server.url, transport).connect(
        auth={"token": account.token, "cursor": cursor}
    )
    events = client.received.wait_count("stream:echo", count)
    client.close()
    return events


def poll_resume(server, account, cursor: str) -> list[dict]:
    body = long_poll(account, cursor, timeout=5, base=server.url).json()
    return [event["data"] for event in body["events"] if event["event"] == "stream:echo"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_socketio_resume_after_a_drop(shared_server, transport):
    account = register(shared_server.url)
    client = SocketClient(shared_server.url, transport).connect(auth={"token": account.token})
    account.echo("seen")
    [seen] = client.received.wait_count("stream:echo", 1)
    client.drop()
    for n in range(5):
        account.echo(f"missed {n}")

    resumed = SocketClient(shared_server.url, transport).connect(
        auth={"token": account.token, "cursor": seen["cursor"]}
    )
    account.echo("live")
    events = resumed.received.wait_count("stream:echo", 6)
    assert texts(events) == [f"missed {n}" for n in range(5)] + ["live"]
    cursors = [event["cursor"] for event in events]
    assert len(set(cursors)) == 6
    # Nothing more arrives: each event came exactly once.
    account.echo("marker")
    after = resumed.received.wait_count("stream:echo", 7)
    assert texts(after)[-1] == "marker"
    assert len(after) == 7
    resumed.close()


def test_sse_resume_with_last_event_id(shared_server):
    account = register(shared_server.url)
    reader = SSEReader(shared_server.url + "/api/v1/events/stream", account.headers)
    account.echo("seen")
    reader.received.wait_count("stream:echo", 1)
    last_id = reader.ids[-1]
    reader.close()
    for n in range(3):
        account.echo(f"missed {n}")
    events = sse_resume(shared_server, account, last_id, 3)
    assert texts(events) == ["missed 0", "missed 1", "missed 2"]


def test_long_poll_loop_misses_nothing(shared_server):
    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    received = []
    for round_ in range(3):
        for n in range(2):
            account.echo(f"{round_}.{n}")
        body = long_poll(account, cursor, timeout=5).json()
        received += [e["data"]["text"] for e in body["events"] if e["event"] == "stream:echo"]
        cursor = body["cursor"]
    assert received == ["0.0", "0.1", "1.0", "1.1", "2.0", "2.1"]


def test_one_cursor_resumes_on_every_transport(shared_server):
    """A client falling back from WebSocket to SSE or long-polling carries on."""
    account = register(shared_server.url)
    client = SocketClient(shared_server.url).connect(auth={"token": account.token})
    account.echo("over websocket")
    [seen] = client.received.wait_count("stream:echo", 1)
    client.drop()
    account.echo("after the drop")

    expected = ["after the drop"]
    assert texts(sse_resume(shared_server, account, seen["cursor"], 1)) == expected
    assert texts(poll_resume(shared_server, account, seen["cursor"])) == expected
    assert texts(socket_resume(shared_server, account, seen["cursor"], 1, "polling")) == expected


def test_resume_across_a_server_restart(server_factory):
    server = server_factory()
    account = register(server.url)
    client = SocketClient(server.url).connect(auth={"token": account.token})
    account.echo("before restart")
    [seen] = client.received.wait_count("stream:echo", 1)
    account.echo("missed before restart")
    server.stop()
    restarted = server_factory()  # a new process on the same database
    account.echo("after restart", base=restarted.url)

    resumed = SocketClient(restarted.url).connect(
        auth={"token": account.token, "cursor": seen["cursor"]}
    )
    events = resumed.received.wait_count("stream:echo", 2)
    assert texts(events) == ["missed before restart", "after restart"]
    assert texts(sse_resume(restarted, account, seen["cursor"], 2)) == texts(events)
    resumed.close()
