"""Garbage in, contract out. Every Socket.IO event the server registers is fed arbitrary
JSON (None, booleans, huge integers, NaN and infinities, long strings, nested lists and
objects, wrong types for each known field) over a real connection to one real server
process: each answer must be an ack of the contract's shape, never a crash, a silence or
a dropped connection, and afterwards the server serves, new connections work and the
other people in the same conversation and party still get their messages. HTTP JSON
endpoints get malformed, mistyped and oversized bodies and must answer the contract's
error shape with a 4xx."""

from __future__ import annotations

import http.client
import inspect
import json
import math
import re
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from config import RATE_LIMIT_SETTINGS
from extensions import socketio as flask_socketio
from tests.conftest import make_app, start_migrated_server
from tests.support.clients import Account, SocketClient, create_group, create_party, register
from tests.support.processes import ServerProcess
from tests.support.sign_in import form_signed_in

pytestmark = pytest.mark.server

# The codes docs/protocol.md lists for socket acks, plus those of the services' errors
# (a field-specific refusal such as `queue_empty` or `muted` is still the right shape).
INTERNAL = "internal_error"
MAX_PACKET = 64 * 1024
RESERVED_NAMES = ("connect", "disconnect", "connect_error", "*", "message", "json")


def registered_events() -> list[str]:
    """The client events the server handles, read from the handlers it registered."""
    import app  # noqa: F401  (importing the app registers every handler)

    names = [name for name, _handler, _ns in flask_socketio.handlers]
    return sorted({n for n in names if n not in ("connect", "disconnect", "*")})


EVENTS = registered_events()

# Known fields of each event (docs/protocol.md); an event added later and not listed here
# is fuzzed with every field name below.
FIELDS: dict[str, tuple[str, ...]] = {
    "time:ping": (),
    "presence:set": ("status",),
    "message:send": ("conversation_id", "body", "client_id", "reply_to", "attachment_id"),
    "message:edit": ("message_id", "body"),
    "message:delete": ("message_id",),
    "message:react": ("message_id", "emoji"),
    "message:read": ("conversation_id", "message_id"),
    "typing:start": ("conversation_id",),
    "typing:stop": ("conversation_id",),
    "party:join": ("party_id",),
    "party:leave": ("party_id",),
    "party:play": ("party_id", "position"),
    "party:pause": ("party_id", "position"),
    "party:seek": ("party_id", "position"),
    "party:rate": ("party_id", "rate"),
    "party:next": ("party_id",),
    "party:heartbeat": ("party_id", "position", "playing", "buffering"),
    "party:duration": ("party_id", "media_url", "duration"),
    "party:media_end": ("party_id", "version"),
    "party:message": ("party_id", "body", "video_time", "client_id"),
    "party:reaction": ("party_id", "emoji", "video_time"),
    "party:typing": ("party_id", "typing"),
    "party:role": ("party_id", "user_id", "role"),
}
ALL_FIELDS = tuple(sorted({name for fields in FIELDS.values() for name in fields}))

# -- the values -----------------------------------------------------------------------
EDGE_INTEGERS = [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from(EDGE_INTEGERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "\u202e", "👍", "<script>", "%s%n", "' OR 1=1 --"]),
    st.builds(lambda piece, n: (piece or "x") * n, st.text(max_size=3), st.integers(100, 4500)),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def encoded_size(value: Any) -> int:
    return len(json.dumps(value).encode())


def is_strict_json(value: Any) -> bool:
    """JSON as the standard has it: no Infinity or NaN."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


@dataclass
class World:
    server: ServerProcess
    host: Account
    attacker: Account
    bystander: Account
    conversation_id: int
    party_id: int
    attacker_message: int
    host_message: int
    attacker_socket: SocketClient
    bystander_socket: SocketClient

    def valid(self) -> dict[str, list[Any]]:
        """Plausible values for each field, so the fuzzing reaches past the first check."""
        return {
            "status": ["online", "away", "busy", "offline"],
            "conversation_id": [self.conversation_id],
            "message_id": [self.attacker_message, self.host_message],
            "reply_to": [self.host_message],
            "attachment_id": [1],
            "body": ["hello", "x" * 4001],
            "client_id": ["c-1", "c" * 200],
            "emoji": ["👍", "🔥"],
            "party_id": [self.party_id],
            "position": [0.0, 12.5, 1e9],
            "rate": [0.25, 1.0, 2.0, 3.0],
            "playing": [True, False],
            "buffering": [True, False],
            "typing": [True, False],
            "video_time": [0.0, 4.2],
            "user_id": [self.bystander.id, self.attacker.id, self.host.id],
            "role": ["co-host", "viewer", "host"],
        }


RELAXED = dict.fromkeys(RATE_LIMIT_SETTINGS, "100000 per minute")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    process = start_migrated_server(tmp_path_factory.mktemp("fuzzing"), **RELAXED)
    yield process
    process.stop()


def post(server: ServerProcess, account: Account, path: str, body: dict) -> dict:
    response = requests.post(server.url + path, json=body, headers=account.headers, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope="module")
def world(server) -> Iterator[World]:
    host, attacker, bystander = (register(server.url) for _ in range(3))
    conversation = create_group(server.url, host, attacker, bystander, name="Fuzz")
    host_message = post(
        server, host, f"/api/v1/conversations/{conversation}/messages", {"body": "host"}
    )["message"]["id"]
    attacker_message = post(
        server, attacker, f"/api/v1/conversations/{conversation}/messages", {"body": "mine"}
    )["message"]["id"]
    party = create_party(server.url, host, title="Fuzz")["id"]
    sockets = []
    for account in (attacker, bystander):
        client = SocketClient(server.url).connect(auth={"token": account.token})
        assert client.call("party:join", {"party_id": party})["ok"] is True
        sockets.append(client)
    yield World(
        server,
        host,
        attacker,
        bystander,
        conversation,
        party,
        attacker_message,
        host_message,
        *sockets,
    )
    for client in sockets:
        client.close()


def payloads(world: World, event: str):
    fields = FIELDS.get(event, ALL_FIELDS)
    valid = world.valid()
    known = st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(st.sampled_from(valid.get(name, [None])), json_values)
            for name in fields
        },
    )
    extra = st.dictionaries(st.text(max_size=12), json_values, max_size=3)
    objects = st.builds(lambda k, e: {**e, **k}, known, extra)
    single = st.one_of(objects, objects, objects, json_values)
    # Sometimes several arguments, as a hostile client may send.
    several = st.lists(json_values, min_size=2, max_size=3).map(tuple)
    return st.one_of(single.map(lambda value: (value,)), several, st.just(()))


def assert_contract_ack(event: str, args: tuple, ack: Any) -> None:
    where = f"{event} {args!r:.300}"
    assert isinstance(ack, dict), f"{where}: ack is not an object: {ack!r:.300}"
    if ack.get("ok") is True:
        return
    assert ack.get("ok") is False, f"{where}: {ack!r:.300}"
    error = ack.get("error")
    assert isinstance(error, dict), f"{where}: {ack!r:.300}"
    assert isinstance(error.get("code"), str), f"{where}: {ack!r:.300}"
    assert error["code"].replace("_", "").isalpha(), f"{where}: {ack!r:.300}"
    assert error["code"].islower(), f"{where}: {ack!r:.300}"
    assert isinstance(error.get("message"), str), f"{where}: {ack!r:.300}"
    assert error["code"] != INTERNAL, f"{where} crashed the handler: {ack!r:.300}"
    if "field" in error:
        assert isinstance(error["field"], str)


def send(world: World, event: str, args: tuple) -> Any:
    client = world.attacker_socket
    assert client.client.connected, "the fuzzing client was disconnected"
    return client.call(event, args, timeout=10)


def keep_attacker_in_party(world: World, event: str, ack: Any) -> None:
    """A fuzzed party:leave that worked takes the attacker out; bring them back so the
    other party events keep reaching past the membership check."""
    if event == "party:leave" and isinstance(ack, dict) and ack.get("ok"):
        rejoined = world.attacker_socket.call("party:join", {"party_id": world.party_id})
        assert rejoined["ok"] is True, rejoined


def test_every_handler_is_fuzzed():
    assert {"time:ping", "message:send", "party:join", "party:heartbeat"} <= set(EVENTS)
    missing = set(EVENTS) - set(FIELDS)
    # Not a failure: a new event is fuzzed with every known field. Shown for whoever
    # adds one, so they list its fields here.
    if missing:
        print(f"events without listed fields (fuzzed with all of them): {sorted(missing)}")


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("event", EVENTS)
@FUZZ
@given(data=st.data())
def test_each_socket_event_answers_garbage_with_a_contract_ack(world, event, data):
    args = data.draw(payloads(world, event).filter(lambda a: encoded_size(a) < MAX_PACKET // 2))
    ack = send(world, event, args)
    assert_contract_ack(event, args, ack)
    keep_attacker_in_party(world, event, ack)


event_names = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(RESERVED_NAMES),
    st.sampled_from([name.upper() for name in EVENTS] + [name + " " for name in EVENTS]),
)


@FUZZ
@given(
    name=event_names,
    # Under the packet limit: a larger packet closes the connection instead (tested below).
    args=st.lists(json_values, max_size=2)
    .map(tuple)
    .filter(lambda a: encoded_size(a) < MAX_PACKET // 2),
)
@example(name="no:such:event", args=({"x": 1},))
@example(name="no:such:event", args=(float("inf"),))
def test_unknown_and_reserved_event_names_get_an_error_ack(world, name, args):
    if name in EVENTS:
        return
    ack = send(world, name, args)
    assert_contract_ack(name, args, ack)
    assert ack["ok"] is False
    # Infinity and NaN are not JSON: such a packet is refused before its name is read.
    expected = "unknown_event" if is_strict_json(args) else "invalid"
    assert ack["error"]["code"] == expected, ack


def test_a_socket_that_sends_a_disconnect_event_is_still_revocable(server):
    """An event named like the handshake's own ("disconnect", "connect") must not detach
    a live socket from the server's books: it would keep receiving after its token is
    revoked or after it is removed from a conversation."""
    owner, member = register(server.url), register(server.url)
    conversation = post(
        server,
        owner,
        "/api/v1/conversations",
        {"kind": "group", "name": "Forged", "members": [member.username]},
    )["conversation"]["id"]
    client = SocketClient(server.url).connect(auth={"token": member.token})
    for name, args in (("disconnect", ({},)), ("connect", ({}, {"token": owner.token}))):
        ack = client.call(name, args, timeout=10)
        assert_contract_ack(name, args, ack)
        assert ack["ok"] is False
    assert client.call("time:ping", {})["ok"] is True
    response = requests.delete(
        f"{server.url}/api/v1/conversations/{conversation}/members/{member.username}",
        headers=owner.headers,
        timeout=10,
    )
    assert response.status_code == 204
    post(server, owner, f"/api/v1/conversations/{conversation}/messages", {"body": "secret"})
    member.echo("marker", base=server.url)
    client.received.wait_count("stream:echo", 1)
    assert "secret" not in [m["body"] for m in client.received.named("message:new")]
    revoked = requests.delete(server.url + "/api/v1/auth/token", headers=member.headers, timeout=10)
    assert revoked.status_code == 204
    assert client.disconnected.wait(2), "a revoked token's socket stayed open"


DEEP = 20_000
RAW_PACKETS = {
    # event packets (type 4, 2) with an ack id and a body no handler can take
    "[5]": "unknown_event",
    "true": "unknown_event",
    "[]": "unknown_event",
    "{}": "unknown_event",
    '"time:ping"': "unknown_event",
    "null": "unknown_event",
    '[["time:ping"]]': "unknown_event",
    '[{"name": "time:ping"}]': "unknown_event",
    '["connect", {"token": "tdm_x"}]': "unknown_event",
    '["disconnect"]': "unknown_event",
    '["*", "time:ping"]': "unknown_event",
    '["time:ping"': "invalid",
    '["time:ping"] []': "invalid",
    '["time:ping", NaN': "invalid",
    "[" * DEEP + "]" * DEEP: "invalid",
    '["time:ping", ' + "[" * DEEP + "]" * DEEP + "]": "invalid",
}


def test_raw_packets_that_cannot_be_read_get_an_error_ack(server):
    """Below the client library: EVENT packets written by hand, with bodies python-socketio
    itself cannot dispatch. Each gets an error ack, and the connection goes on."""
    import websocket

    account = register(server.url)
    ws = websocket.create_connection(
        server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket", timeout=10
    )
    try:
        assert ws.recv().startswith("0")
        ws.send("40" + json.dumps({"token": account.token}))
        assert ws.recv().startswith("40")
        for number, (body, code) in enumerate(RAW_PACKETS.items(), start=1):
            ws.send(f"42{number}{body}")
            ws.send(f'42{1000 + number}["time:ping", {{}}]')
            answers = {}
            while f"{1000 + number}" not in answers:
                frame = ws.recv()
                assert frame.startswith("43"), frame[:200]
                ack_id, _, payload = frame[2:].partition("[")
                answers[ack_id] = json.loads("[" + payload)[0]
            where = f"42{number}{body[:60]}"
            assert str(number) in answers, f"{where}: no ack"
            assert_contract_ack(where, (), answers[str(number)])
            assert answers[str(number)]["error"]["code"] == code, answers[str(number)]
            assert answers[f"{1000 + number}"]["ok"] is True
    finally:
        ws.close()


def test_a_packet_over_the_limit_closes_that_connection_only(world, server):
    heavy = register(server.url)
    client = SocketClient(server.url).connect(auth={"token": heavy.token})
    body = {"conversation_id": world.conversation_id, "body": "x" * (MAX_PACKET + 1024)}
    client.client.emit("message:send", body)
    assert client.disconnected.wait(5), "the oversized packet did not close its connection"
    assert world.attacker_socket.client.connected
    assert world.bystander_socket.client.connected
    assert world.bystander_socket.call("time:ping", {})["ok"] is True


# -- HTTP JSON endpoints ----------------------------------------------------------------
@pytest.fixture(scope="module")
def json_routes(tmp_path_factory) -> list[Rule]:
    """Every JSON API rule that changes state, read from the application."""
    app = make_app(tmp_path_factory.mktemp("routes"))
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and set(rule.methods or ()) & {"POST", "PATCH", "PUT"}
    ]
    assert len(rules) > 20
    return rules


@dataclass
class HttpWorld:
    server: ServerProcess
    owner: Account
    other: Account
    ids: dict[str, int]


@pytest.fixture(scope="module")
def http_world(server) -> HttpWorld:
    owner, other = register(server.url), register(server.url)
    # An admin reaches the moderation routes too, past their role check.
    with sqlite3.connect(server.workdir / "instance" / "test.db") as connection:
        connection.execute("UPDATE users SET role = 'admin' WHERE id = ?", (owner.id,))
    conversation = create_group(server.url, owner, other, name="Bodies")
    message = post(
        server, owner, f"/api/v1/conversations/{conversation}/messages", {"body": "hello"}
    )["message"]["id"]
    party = create_party(server.url, owner, title="Bodies")["id"]
    return HttpWorld(
        server,
        owner,
        other,
        {"conversation_id": conversation, "message_id": message, "party_id": party},
    )


def fill_value(name: str, world: HttpWorld, converter: Any = None) -> Any:
    options = getattr(converter, "items", None)
    if options:
        return sorted(options)[0]
    if name in world.ids:
        return world.ids[name]
    if name == "username":
        return world.other.username
    if name in ("code", "name"):
        return "abcdef"
    return 1


def fill(rule: Rule, world: HttpWorld) -> str:
    values = {
        name: fill_value(name, world, converter) for name, converter in rule._converters.items()
    }
    return rule.build(values, append_unknown=False)[1]


# The members the JSON routes read (docs/protocol.md), each filled with what is wrong.
HTTP_FIELDS = (
    "body",
    "text",
    "title",
    "name",
    "description",
    "username",
    "password",
    "code",
    "client_id",
    "reason",
    "note",
    "subject_type",
    "subject_id",
    "kind",
    "members",
    "role",
    "media_url",
    "video_url",
    "visibility",
    "audience",
    "emoji",
    "status",
    "token",
    "display_name",
    "bio",
    "query",
    "minutes",
    "message_id",
    "position",
    "version",
)
BAD_BODIES = {
    "malformed JSON": ('{"body": "unterminated', "application/json"),
    "JSON with trailing garbage": ('{"body": "x"} {}', "application/json"),
    "a JSON array": ('[{"body": "x"}]', "application/json"),
    "a JSON string": ('"body"', "application/json"),
    "JSON null": ("null", "application/json"),
    "NaN": ('{"body": NaN, "position": Infinity}', "application/json"),
    "deep nesting": ("[" * 50_000 + "]" * 50_000, "application/json"),
    "invalid UTF-8": (b'{"body": "\xff\xfe"}', "application/json"),
    "form instead of JSON": ("body=hello&title=x", "application/x-www-form-urlencoded"),
    "text/plain JSON": ('{"body": "x"}', "text/plain"),
    "no content type": ('{"body": "x"}', None),
    # Half of a UTF-16 pair is valid JSON and no character: in every field a route reads.
    "lone surrogates": (
        "{" + ", ".join(f'"{name}": "\\ud800"' for name in HTTP_FIELDS) + "}",
        "application/json",
    ),
    "lists and objects for every field": (
        json.dumps({name: [name] if n % 2 else {name: 1} for n, name in enumerate(HTTP_FIELDS)}),
        "application/json",
    ),
}


def assert_error_shape(response: requests.Response, where: str) -> dict:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code < 400:
        return {}
    assert response.headers["Content-Type"].startswith("application/json"), where
    body = response.json()
    error = body.get("error")
    assert isinstance(error, dict), f"{where}: {body}"
    assert isinstance(error.get("code"), str), f"{where}: {body}"
    assert isinstance(error.get("message"), str), f"{where}: {body}"
    return error


def destructive_last(rule: Rule) -> tuple[int, str]:
    ends = ("/leave", "/end", "/close", "/ban", "/start", "/role")
    return (1 if rule.rule.endswith(ends) else 0, rule.rule)


def test_json_endpoints_answer_bad_bodies_with_the_error_shape(json_routes, http_world):
    """Every state-changing JSON route, as a signed-in caller allowed to use it."""
    server = http_world.server
    reads_body: list[str] = []
    for rule in sorted(json_routes, key=destructive_last):
        url = server.url + fill(rule, http_world)
        for method in sorted(set(rule.methods or ()) & {"POST", "PATCH", "PUT"}):
            for what, (body, content_type) in BAD_BODIES.items():
                headers = dict(http_world.owner.headers)
                if rule.rule.startswith("/api/v1/auth/"):
                    headers = {}
                if content_type:
                    headers["Content-Type"] = content_type
                response = requests.request(method, url, data=body, headers=headers, timeout=30)
                error = assert_error_shape(response, f"{method} {rule.rule} with {what}")
                if what == "malformed JSON" and error.get("code") == "invalid":
                    reads_body.append(f"{method} {rule.rule}")
    assert len(reads_body) > 20, reads_body


def test_oversized_bodies_get_413_too_large(json_routes, http_world):
    server = http_world.server
    oversized = b'{"body": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    checked = 0
    for rule in sorted(json_routes, key=destructive_last):
        if "attachments" in rule.rule or rule.rule.endswith("/image"):
            continue  # uploads have their own, larger limit
        url = server.url + fill(rule, http_world)
        headers = {} if rule.rule.startswith("/api/v1/auth/") else dict(http_world.owner.headers)
        headers["Content-Type"] = "application/json"
        method = sorted(set(rule.methods or ()) & {"POST", "PATCH", "PUT"})[0]
        where = f"{method} {rule.rule}"
        malformed = requests.request(method, url, data=b"{", headers=headers, timeout=30)
        reads_body = assert_error_shape(malformed, where).get("code") == "invalid"
        response = requests.request(method, url, data=oversized, headers=headers, timeout=30)
        error = assert_error_shape(response, f"{where} with 1 MiB + 10 bytes")
        if reads_body:
            assert response.status_code == 413, f"{where}: {response.status_code} {error}"
            assert error["code"] == "too_large", error
            checked += 1
    assert checked > 20
    # A body that claims to be larger than the limit is refused before it is read.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("POST", "/api/v1/events/echo")
    for name, value in {
        **http_world.other.headers,
        "Content-Type": "application/json",
        "Content-Length": str(50 * 1024 * 1024),
    }.items():
        connection.putheader(name, value)
    connection.endheaders(b'{"text": "x"}')
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"]["code"] == "too_large"
    connection.close()


HUGE = 2**70


def test_ids_too_large_for_the_database_are_unknown_not_errors(tmp_path_factory, http_world):
    """A number past a database integer names nothing: 404 in a path, 400 in a body,
    never the database's own overflow error."""
    server, owner = http_world.server, http_world.owner
    app = make_app(tmp_path_factory.mktemp("id-routes"))
    with_ids = [
        rule
        for rule in app.url_map.iter_rules()
        if any(type(c).__name__ != "AnyConverter" for c in rule._converters.values())
        and any(name.endswith("_id") for name in rule.arguments)
    ]
    assert len(with_ids) > 30
    for rule in with_ids:
        values = {
            name: (HUGE if name.endswith("_id") else fill_value(name, http_world, converter))
            for name, converter in rule._converters.items()
        }
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
            response = requests.request(
                method, server.url + path, headers=owner.headers, timeout=10
            )
            assert response.status_code < 500, f"{method} {path}: {response.status_code}"
            if method == "GET" and rule.rule.startswith("/api/"):
                assert response.status_code in (404, 405), f"{method} {path}"
    conversation = http_world.ids["conversation_id"]
    bodies = [
        ("/api/v1/reports", {"subject_type": "message", "subject_id": HUGE, "reason": "x"}),
        ("/api/v1/reports", {"subject_type": "user", "subject_id": -HUGE, "reason": "x"}),
        (f"/api/v1/conversations/{conversation}/messages", {"body": "x", "reply_to": HUGE}),
        (f"/api/v1/conversations/{conversation}/messages", {"body": "x", "attachment_id": HUGE}),
        (f"/api/v1/conversations/{conversation}/read", {"message_id": HUGE}),
        ("/api/v1/notifications/read", {"ids": [HUGE]}),
        (f"/api/v1/parties/{http_world.ids['party_id']}/queue/order", {"item_ids": [HUGE]}),
    ]
    for path, body in bodies:
        response = requests.post(server.url + path, json=body, headers=owner.headers, timeout=10)
        error = assert_error_shape(response, f"POST {path} {body}")
        assert 400 <= response.status_code < 500, f"POST {path} {body}: {error}"


# More digits than Python's int() converts (it raises past 4,300).
PAST_INT_DIGITS = "1" * 4400
NUMBERISH = [
    "²",
    "٣",
    "1e3",
    "-1",
    "0x1f",
    " 7",
    "9" * 30,
    str(2**63),
    PAST_INT_DIGITS,
    "\x00",
    "%",
    "",
]
STREAMS = frozenset({"static", "events.sse_stream", "events.html_stream"})


QUERY_PARAMETER = re.compile(r'(?:request\.args\.get(?:list)?|query_int)\(\s*"([a-z_]+)"')


def query_parameter_names(view: Any) -> list[str]:
    """The query parameters the module of a view reads (its helpers included; a page
    listed in pages reads `page` through `query_page`)."""
    source = Path(inspect.getsourcefile(view)).read_text()
    pages = {"page"} if "query_page(" in source else set()
    return sorted(set(QUERY_PARAMETER.findall(source)) | pages)


def test_query_parameters_never_crash_a_page_or_the_api(tmp_path_factory, http_world):
    """Numbers that are not numbers to int() ("²"), numbers past a database integer, and
    other odd text in every query parameter of every GET route: never a 500."""
    server = http_world.server
    browser = form_signed_in(server.url, http_world.owner.username)
    app = make_app(tmp_path_factory.mktemp("get-routes"))
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint not in STREAMS
    ]
    requests_to_send = []
    for rule in rules:
        path = server.url + fill(rule, http_world)
        names = query_parameter_names(app.view_functions[rule.endpoint])
        for value in NUMBERISH:
            requests_to_send.append((rule, path, dict.fromkeys(names or ["page"], value)))
        for name in names:
            for value in ("²", "9" * 30, PAST_INT_DIGITS):
                requests_to_send.append((rule, path, {name: value}))
    assert len(requests_to_send) > 500

    def send_one(item):
        rule, path, params = item
        if rule.rule.startswith("/api/"):
            response = requests.get(
                path, params=params, headers=http_world.owner.headers, timeout=30
            )
        else:
            response = browser.get(path, params=params, allow_redirects=False, timeout=30)
        return rule.rule, params, response.status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send_one, requests_to_send))
    crashed = sorted(
        {
            (rule, next(iter(params)) if len(params) == 1 else "every parameter")
            for rule, params, status in answers
            if status >= 500
        }
    )
    for rule, name in crashed:
        print(f"500 from {rule} with hostile {name}")
    assert not crashed, crashed


def test_float_edge_values_never_reach_storage_as_non_numbers(world):
    """NaN and infinities, accepted by Python's JSON reader, must not be stored as a
    position or a time: the party's state stays finite."""
    host_socket = SocketClient(world.server.url).connect(auth={"token": world.host.token})
    joined = host_socket.call("party:join", {"party_id": world.party_id})
    assert joined["ok"] is True
    for value in (math.nan, math.inf, -math.inf, 1e308 * 10):
        for event in ("party:seek", "party:play", "party:pause"):
            ack = host_socket.call(event, {"party_id": world.party_id, "position": value})
            assert_contract_ack(event, (value,), ack)
        ack = host_socket.call("party:rate", {"party_id": world.party_id, "rate": value})
        assert_contract_ack("party:rate", (value,), ack)
    state = host_socket.call("party:join", {"party_id": world.party_id})["state"]
    for key in ("position", "rate", "at"):
        assert math.isfinite(state[key]), state
    shown = requests.get(
        f"{world.server.url}/api/v1/parties/{world.party_id}",
        headers=world.host.headers,
        timeout=10,
    )
    assert shown.status_code == 200
    assert "NaN" not in shown.text
    assert "Infinity" not in shown.text
    host_socket.close()


def test_after_the_fuzzing_the_server_is_healthy_and_others_are_served(world, server):
    assert requests.get(server.url + "/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(server.url + "/readyz", timeout=5).status_code == 200
    fresh = SocketClient(server.url).connect(auth={"token": register(server.url).token})
    assert fresh.call("time:ping", {})["ok"] is True
    fresh.close()

    # The bystander hears the host in the conversation and in the party, and the fuzzing
    # client was never dropped.
    bystander = world.bystander_socket
    assert bystander.client.connected
    assert world.attacker_socket.client.connected
    stamp = f"still here {time.monotonic()}"
    post(
        server,
        world.host,
        f"/api/v1/conversations/{world.conversation_id}/messages",
        {"body": stamp},
    )
    post(server, world.host, f"/api/v1/parties/{world.party_id}/messages", {"body": stamp})
    bystander.received.wait_for(
        lambda events: any(e == "message:new" and d.get("body") == stamp for e, d in events)
    )
    bystander.received.wait_for(
        lambda events: any(e == "party:message" and d.get("body") == stamp for e, d in events)
    )
    # The attacker's own ordinary use still works too.
    ack = world.attacker_socket.call(
        "message:send", {"conversation_id": world.conversation_id, "body": "back to normal"}
    )
    assert ack["ok"] is True, ack
    log = server.log()
    for trace in ("Traceback", "Unhandled error", "Socket event", "handler error"):
        assert trace not in log, log[-5000:]
