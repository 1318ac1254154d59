"""Two workers and a real redis-server are one site: delivery on every transport,
presence, a killed worker, and Redis going away, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time

import pytest
import redis
import requests

from realtime import cursor as cursors
from realtime.presence_store import RedisPresenceStore
from tests.support.clients import (
    SocketClient,
    SSEReader,
    create_group,
    create_party,
    long_poll,
    register,
)
from tests.support.cluster import FAST_PRESENCE, wait_until

pytestmark = pytest.mark.server


def presence_on(server, account) -> str:
    response = requests.get(server.url + "/api/v1/me/presence", headers=account.headers, timeout=5)
    return response.json()["presence"]["status"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_socketio_delivery_across_workers(cluster, transport):
    a, b = cluster
    account = register(a.url)
    client = SocketClient(a.url, transport).connect(auth={"token": account.token})
    sent = account.echo("from b", base=b.url)
    [event] = client.received.wait_count("stream:echo", 1)
    assert event["cursor"] == sent["cursor"]
    client.close()


def test_sse_and_long_poll_delivery_across_workers(cluster):
    a, b = cluster
    account = register(a.url)
    reader = SSEReader(a.url + "/api/v1/events/stream", account.headers)
    cursor = long_poll(account, None, base=a.url).json()["cursor"]
    account.echo("from b", base=b.url)
    assert reader.received.wait_count("stream:echo", 1)[0]["text"] == "from b"
    body = long_poll(account, cursor, timeout=5, base=a.url).json()
    assert [e["data"]["text"] for e in body["events"]] == ["from b"]
    reader.close()


def test_order_across_workers_is_the_cursor_order(cluster):
    a, b = cluster
    account = register(a.url)
    reader = SSEReader(a.url + "/api/v1/events/stream", account.headers)
    for n in range(20):
        account.echo(str(n), base=(a, b)[n % 2].url)
    events = reader.received.wait_count("stream:echo", 20)
    assert [event["text"] for event in events] == [str(n) for n in range(20)]
    reader.close()


def leases_of(redis_server, account) -> int:
    """How many workers hold a presence lease of `account`."""
    with redis.Redis.from_url(redis_server.url) as client:
        return client.zcard(RedisPresenceStore.PREFIX + str(account.id))


def test_presence_spans_workers(cluster, redis_server):
    a, b = cluster
    account = register(a.url)
    assert presence_on(b, account) == "offline"
    on_a = SocketClient(a.url).connect(auth={"token": account.token})
    wait_until(lambda: presence_on(b, account) == "online", 5)
    on_b = SocketClient(b.url).connect(auth={"token": account.token})
    assert leases_of(redis_server, account) == 2
    on_a.drop()
    wait_until(lambda: leases_of(redis_server, account) == 1, 10)  # worker a let go
    assert presence_on(a, account) == "online"  # still connected through worker b
    on_b.drop()
    wait_until(lambda: presence_on(a, account) == "offline", 5)


def test_users_of_a_killed_worker_go_offline(cluster):
    a, b = cluster
    account = register(a.url)
    SocketClient(a.url).connect(auth={"token": account.token})
    wait_until(lambda: presence_on(b, account) == "online", 5)
    a.kill()
    assert presence_on(b, account) == "online"  # nobody said goodbye
    took = wait_until(lambda: presence_on(b, account) == "offline", 30)
    print(f"offline {took:.1f} s after SIGKILL (lease {FAST_PRESENCE['PRESENCE_TTL_SECONDS']} s)")


def test_redis_outage_and_recovery(cluster, redis_server):
    a, b = cluster
    account = register(a.url)
    client = SocketClient(a.url).connect(auth={"token": account.token})
    reader = SSEReader(a.url + "/api/v1/events/stream", account.headers)
    account.echo("before", base=b.url)
    client.received.wait_count("stream:echo", 1)

    redis_server.stop()
    # Pages and writes go on; readiness says what is missing.
    assert requests.get(b.url + "/", timeout=5).status_code == 200
    during = account.echo("during the outage", base=b.url)
    ready = requests.get(b.url + "/readyz", timeout=5)
    assert ready.status_code == 503
    assert ready.json()["status"] == "degraded"

    redis_server.restart()
    # Worker a reads what it missed from the log once Redis is back...
    events = client.received.wait_count("stream:echo", 2, timeout=15)
    assert events[1]["cursor"] == during["cursor"]
    assert (
        reader.received.wait_count("stream:echo", 2, timeout=15)[1]["text"] == "during the outage"
    )
    # ...and live cross-worker delivery goes on by itself.
    wait_until(lambda: requests.get(b.url + "/readyz", timeout=5).status_code == 200, 10)
    account.echo("after", base=b.url)
    texts = [e["text"] for e in client.received.wait_count("stream:echo", 3, timeout=10)]
    assert texts == ["before", "during the outage", "after"]
    reader.close()
    client.close()


def _send(server, account, conversation_id, body):
    response = requests.post(
        f"{server.url}/api/v1/conversations/{conversation_id}/messages",
        json={"body": body},
        headers=account.headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["message"]


def test_messages_from_two_workers_arrive_in_cursor_order(cluster):
    """Every transport gets both workers' messages once each, in the order of their
    cursors (the order every resume replays), and each sender's in the order sent.
    Message ids may differ from that order when two commits meet on PostgreSQL."""
    import threading

    a, b = cluster
    left, right, reader = register(a.url), register(a.url), register(a.url)
    conversation = create_group(a.url, left, right, reader)
    watcher = SocketClient(b.url).connect(auth={"token": reader.token})
    sse = SSEReader(a.url + "/api/v1/events/stream", reader.headers)

    def burst(server, account, tag):
        for n in range(10):
            _send(server, account, conversation, f"{tag}{n}")

    threads = [
        threading.Thread(target=burst, args=(a, left, "a")),
        threading.Thread(target=burst, args=(b, right, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for received in (watcher.received, sse.received):
        events = received.wait_count("message:new", 20)
        positions = [cursors.decode(event["cursor"]) for event in events]
        assert positions == sorted(positions)
        assert len({event["id"] for event in events}) == 20
        for tag in ("a", "b"):  # each sender's own order is kept too
            mine = [e["body"] for e in events if e["body"].startswith(tag)]
            assert mine == [f"{tag}{n}" for n in range(10)]
    watcher.close()
    sse.close()


def test_removed_member_stops_receiving_on_every_worker(cluster):
    a, b = cluster
    owner, member = register(a.url), register(a.url)
    conversation = create_group(a.url, owner, member)
    on_a = SocketClient(a.url).connect(auth={"token": member.token})
    on_b = SSEReader(b.url + "/api/v1/events/stream", member.headers)
    _send(b, owner, conversation, "before")
    on_a.received.wait_count("message:new", 1)
    on_b.received.wait_count("message:new", 1)
    response = requests.delete(
        f"{b.url}/api/v1/conversations/{conversation}/members/{member.username}",
        headers=owner.headers,
        timeout=10,
    )
    assert response.status_code == 204
    _send(a, owner, conversation, "after")
    member.echo("marker", base=b.url)
    for received in (on_a.received, on_b.received):
        received.wait_count("stream:echo", 1)
        assert [m["body"] for m in received.named("message:new")] == ["before"]
    on_a.close()
    on_b.close()


def test_party_state_reaches_viewers_on_the_other_worker(cluster):
    a, b = cluster
    host, viewer = register(a.url), register(a.url)
    party_id = create_party(a.url, host, title="Across")["id"]
    host_socket = SocketClient(a.url).connect(auth={"token": host.token})
    viewer_socket = SocketClient(b.url).connect(auth={"token": viewer.token})
    host_socket.call("party:join", {"party_id": party_id})
    assert viewer_socket.call("party:join", {"party_id": party_id})["ok"] is True
    host_socket.call("party:seek", {"party_id": party_id, "position": 42.0})
    [state] = viewer_socket.received.wait_count("party:state", 1)
    assert (state["position"], state["version"]) == (42.0, 1)
    host_socket.close()
    viewer_socket.close()


def test_a_ban_closes_every_connection_on_every_worker_within_two_seconds(cluster):
    a, b = cluster
    moderator, troll = register(a.url), register(a.url)
    a.set_role(moderator.username, "moderator")
    sockets = [SocketClient(server.url).connect(auth={"token": troll.token}) for server in (a, b)]
    streams = [SSEReader(server.url + "/api/v1/events/stream", troll.headers) for server in (a, b)]
    troll.echo("alive")
    for stream in streams:
        stream.received.wait_count("stream:echo", 1)
    for server in (a, b):  # each worker keeps the token
        assert long_poll(troll, None, base=server.url).status_code == 200
    started = time.monotonic()
    response = requests.post(
        f"{b.url}/api/v1/admin/users/{troll.username}/ban",
        json={"reason": "spam"},
        headers=moderator.headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    for socket in sockets:
        assert socket.disconnected.wait(2)
    for stream in streams:
        assert stream.ended.wait(2)
    took = time.monotonic() - started
    print(f"ban closed 2 sockets and 2 streams on 2 workers in {took * 1000:.0f} ms")
    for server in (a, b):
        assert long_poll(troll, None, base=server.url).status_code == 401
    refused = requests.post(
        a.url + "/api/v1/auth/token",
        json={"username": troll.username, "password": "correct horse battery"},
        timeout=10,
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "banned"


def test_watching_a_party_spans_workers(cluster):
    a, b = cluster
    host, guest = register(a.url), register(a.url)
    party = create_party(a.url, host)
    join = {"party_id": party["id"]}
    on_a = SocketClient(a.url).connect(auth={"token": host.token})
    assert on_a.call("party:join", join)["watching"] == [host.id]
    on_b = SocketClient(b.url).connect(auth={"token": guest.token})
    assert on_b.call("party:join", join)["watching"] == sorted([host.id, guest.id])
    on_a.received.wait_for(  # announced by worker b, heard on worker a
        lambda events: any(
            e == "party:member_count" and d["user_id"] == guest.id and d["count"] == 2
            for e, d in events
        )
    )

    a.kill()  # the host's page dies with its worker, without a goodbye
    started = time.monotonic()
    on_b.received.wait_for(
        lambda events: any(
            e == "party:member_count" and d["user_id"] == host.id and not d["watching"]
            for e, d in events
        ),
        timeout=15,
    )
    print(f"not watching {time.monotonic() - started:.1f} s after SIGKILL")
    assert on_b.call("party:join", join)["watching"] == [guest.id]
