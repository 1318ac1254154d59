"""Flooding: one account hammering HTTP routes and socket events gets 429s and
`rate_limited` acks with a time to wait, while other people on the same server carry on;
across two workers sharing Redis the limit is one limit, not one per worker."""

from __future__ import annotations

import itertools

import pytest
import requests

from tests.support.clients import Account, SocketClient, create_party, register

pytestmark = pytest.mark.server

LIMIT = 5
WINDOW = 60
SMALL_LIMITS = {
    "ECHO_RATE_LIMIT": f"{LIMIT} per minute",
    "SOCKET_EVENT_RATE_LIMIT": f"{LIMIT} per minute",
    "MESSAGE_RATE_LIMIT": f"{LIMIT} per minute",
    "PARTY_CHAT_RATE_LIMIT": f"{LIMIT} per minute",
}
_texts = itertools.count(1)


def echo(server_url: str, account: Account) -> requests.Response:
    return requests.post(
        server_url + "/api/v1/events/echo",
        json={"text": f"flood {next(_texts)}"},
        headers=account.headers,
        timeout=10,
    )


def assert_http_rate_limited(response: requests.Response) -> float:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert isinstance(error["message"], str)
    assert error["message"]
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= WINDOW
    return int(retry_after)


def assert_ack_rate_limited(ack: dict) -> float:
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == "rate_limited"
    assert isinstance(ack["error"]["message"], str)
    retry_after = ack["error"]["retry_after"]
    assert isinstance(retry_after, int | float)
    assert 0 < retry_after <= WINDOW
    return retry_after


def group(server_url: str, owner: Account, *members: Account) -> int:
    response = requests.post(
        server_url + "/api/v1/conversations",
        json={"kind": "group", "name": "Flood", "members": [m.username for m in members]},
        headers=owner.headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["conversation"]["id"]


@pytest.fixture
def server(server_factory):
    return server_factory(**SMALL_LIMITS)


def test_http_flood_gets_429_with_retry_after_while_others_carry_on(server):
    flooder, bystander = register(server.url), register(server.url)
    answers = [echo(server.url, flooder) for _ in range(LIMIT + 3)]
    assert [a.status_code for a in answers[:LIMIT]] == [201] * LIMIT
    for refused in answers[LIMIT:]:
        assert_http_rate_limited(refused)
    # The other account on the same server, same IP, is not touched by it...
    assert [echo(server.url, bystander).status_code for _ in range(LIMIT)] == [201] * LIMIT
    # ...and the flooder is limited on that route only: reading goes on.
    me = requests.get(server.url + "/api/v1/me", headers=flooder.headers, timeout=10)
    assert me.status_code == 200


def test_socket_flood_gets_rate_limited_acks_while_others_carry_on(server):
    flooder, bystander = register(server.url), register(server.url)
    conversation = group(server.url, flooder, bystander)
    noisy = SocketClient(server.url).connect(auth={"token": flooder.token})
    calm = SocketClient(server.url).connect(auth={"token": bystander.token})

    acks = [noisy.call("presence:set", {"status": "busy"}) for _ in range(LIMIT + 2)]
    assert all(ack["ok"] for ack in acks[:LIMIT]), acks
    for refused in acks[LIMIT:]:
        assert_ack_rate_limited(refused)
    assert calm.call("presence:set", {"status": "away"})["ok"] is True

    sent = [
        noisy.call("message:send", {"conversation_id": conversation, "body": f"spam {n}"})
        for n in range(LIMIT + 3)
    ]
    assert all(ack["ok"] for ack in sent[:LIMIT]), sent
    for refused in sent[LIMIT:]:
        assert_ack_rate_limited(refused)
    reply = calm.call("message:send", {"conversation_id": conversation, "body": "still here"})
    assert reply["ok"] is True, reply

    # The flooder is refused, not disconnected, and still hears the conversation; the
    # bystander got exactly the messages that were accepted.
    assert noisy.client.connected
    heard = noisy.received.wait_for(
        lambda events: any(e == "message:new" and d["body"] == "still here" for e, d in events)
    )
    assert heard
    bodies = [m["body"] for m in calm.received.wait_count("message:new", LIMIT + 1)]
    assert bodies == [f"spam {n}" for n in range(LIMIT)] + ["still here"]
    noisy.close()
    calm.close()


def test_a_message_limit_spent_over_one_transport_holds_on_the_other(server):
    flooder, bystander = register(server.url), register(server.url)
    conversation = group(server.url, flooder, bystander)
    socket = SocketClient(server.url).connect(auth={"token": flooder.token})
    url = f"{server.url}/api/v1/conversations/{conversation}/messages"
    for n in range(LIMIT):
        ack = socket.call("message:send", {"conversation_id": conversation, "body": f"s{n}"})
        assert ack["ok"] is True, ack
    over_http = requests.post(url, json={"body": "one more"}, headers=flooder.headers, timeout=10)
    assert_http_rate_limited(over_http)

    other = register(server.url)
    conversation = group(server.url, other, bystander)
    url = f"{server.url}/api/v1/conversations/{conversation}/messages"
    for n in range(LIMIT):
        posted = requests.post(url, json={"body": f"h{n}"}, headers=other.headers, timeout=10)
        assert posted.status_code == 201, posted.text
    socket = SocketClient(server.url).connect(auth={"token": other.token})
    ack = socket.call("message:send", {"conversation_id": conversation, "body": "one more"})
    assert_ack_rate_limited(ack)
    socket.close()


def test_party_chat_spent_over_the_socket_holds_over_http(server):
    host, chatter = register(server.url), register(server.url)
    party_id = create_party(server.url, host, title="Flood")["id"]
    socket = SocketClient(server.url).connect(auth={"token": chatter.token})
    listener = SocketClient(server.url).connect(auth={"token": host.token})
    assert socket.call("party:join", {"party_id": party_id})["ok"] is True
    assert listener.call("party:join", {"party_id": party_id})["ok"] is True
    for n in range(LIMIT):
        ack = socket.call("party:message", {"party_id": party_id, "body": f"chat {n}"})
        assert ack["ok"] is True, ack
    assert_ack_rate_limited(socket.call("party:message", {"party_id": party_id, "body": "x"}))
    over_http = requests.post(
        f"{server.url}/api/v1/parties/{party_id}/messages",
        json={"body": "through the side door"},
        headers=chatter.headers,
        timeout=10,
    )
    assert_http_rate_limited(over_http)
    # The host's chat goes on, and everyone heard only what was accepted.
    assert listener.call("party:message", {"party_id": party_id, "body": "host"})["ok"] is True
    bodies = [m["body"] for m in socket.received.wait_count("party:message", LIMIT + 1)]
    assert bodies == [f"chat {n}" for n in range(LIMIT)] + ["host"]
    socket.close()
    listener.close()


@pytest.fixture
def cluster(server_factory, redis_server):
    return [server_factory(redis_url=redis_server.url, **SMALL_LIMITS) for _ in range(2)]


def test_the_limit_holds_across_workers_sharing_redis(cluster):
    a, b = cluster
    flooder, bystander = register(a.url), register(b.url)

    answers = [echo((a, b)[n % 2].url, flooder) for n in range(2 * LIMIT + 2)]
    accepted = [r for r in answers if r.status_code == 201]
    assert len(accepted) == LIMIT, [r.status_code for r in answers]
    for refused in answers[LIMIT:]:
        assert_http_rate_limited(refused)
    # Both workers refuse the flooder now; the other account goes through on both.
    for worker in (a, b):
        assert_http_rate_limited(echo(worker.url, flooder))
        assert echo(worker.url, bystander).status_code == 201

    sockets = [SocketClient(w.url).connect(auth={"token": flooder.token}) for w in (a, b)]
    acks = [sockets[n % 2].call("presence:set", {"status": "busy"}) for n in range(2 * LIMIT)]
    assert sum(1 for ack in acks if ack["ok"]) == LIMIT, acks
    for refused in acks[LIMIT:]:
        assert_ack_rate_limited(refused)
    calm = [SocketClient(w.url).connect(auth={"token": bystander.token}) for w in (a, b)]
    for client in calm:
        assert client.call("presence:set", {"status": "away"})["ok"] is True
    for client in sockets + calm:
        assert client.client.connected
        client.close()
