"""One allowance per action, whatever the door: an action's budget spent through the JSON
API, a page form or a socket event is spent for the other doors too (429 with
Retry-After over HTTP, a `rate_limited` ack over the socket). Re-entering a party one is
already in over the socket (a reconnect) draws only on the socket's own allowance; and
the invite-code page, where private parties' codes could be guessed, is limited."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask, g

from extensions import db, socketio
from models.user import User
from services import accounts, api_tokens, conversations, parties, party_membership
from tests.conftest import csrf_token, log_in, running
from tests.support.messages import sent_message

LIMIT = 3
VIDEO = "https://media.example/film.mp4"
SMALL_LIMITS = {
    "PARTY_JOIN_RATE_LIMIT": f"{LIMIT} per hour",
    "PARTY_REACTION_RATE_LIMIT": f"{LIMIT} per minute",
    "SOCIAL_WRITE_RATE_LIMIT": f"{LIMIT} per minute",
    "TYPING_RATE_LIMIT": f"{LIMIT} per minute",
    "CONVERSATION_WRITE_RATE_LIMIT": f"{LIMIT} per minute",
    "PARTY_WRITE_RATE_LIMIT": f"{LIMIT} per minute",
    "PARTY_CODE_LOOKUP_RATE_LIMIT": f"{LIMIT} per minute",
    "SOCKET_EVENT_RATE_LIMIT": f"{LIMIT} per minute",
}
_names = itertools.count(1)


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    with running(tmp_path, **SMALL_LIMITS) as application:
        yield application


class Person:
    """One account with all three doors open: the JSON API (bearer token), the pages (a
    signed-in browser session) and a socket."""

    def __init__(self, app: Flask) -> None:
        self.user: User = accounts.register(f"door{next(_names)}", "correct horse battery")
        self.username = self.user.username
        self.user_id = self.user.id
        token = api_tokens.issue_token(self.user)
        self.api = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.browser = app.test_client()
        g.pop("csrf_token", None)
        assert log_in(self.browser, self.username).status_code == 302
        self.socket = socketio.test_client(app, auth={"token": token})
        assert self.socket.is_connected()

    def call(self, method: str, url: str, json: dict | None = None):
        return self.api.open(url, method=method, json=json or {}, headers=self.headers)

    def form(self, url: str, **data: str):
        g.pop("csrf_token", None)
        token = csrf_token(self.browser)
        return self.browser.post(url, data={"csrf_token": token, **data})

    def emit(self, event: str, **payload: object) -> dict:
        return self.socket.emit(event, payload, callback=True)

    def close(self) -> None:
        if self.socket.is_connected():
            self.socket.disconnect()


@pytest.fixture
def people(app) -> Iterator[Callable[[], Person]]:
    made: list[Person] = []

    def make() -> Person:
        made.append(Person(app))
        return made[-1]

    yield make
    for person in made:
        person.close()


def assert_http_refused(response) -> None:
    assert response.status_code == 429, (response.status_code, response.get_data(as_text=True))
    assert int(response.headers["Retry-After"]) > 0


def assert_ack_refused(ack: dict) -> None:
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == "rate_limited", ack
    assert ack["error"]["retry_after"] > 0


def assert_http_allowed(response) -> None:
    assert response.status_code < 400, (response.status_code, response.get_data(as_text=True))


def assert_ack_allowed(ack: dict) -> None:
    assert ack["ok"] is True, ack


# -- joining parties ----------------------------------------------------------------------
@dataclass(frozen=True)
class Room:
    id: int
    code: str


def new_party(host: Person, title: str) -> Room:
    party = parties.create(host.user, {"title": title, "media_url": VIDEO})
    return Room(party.id, party.code)


def join_over(person: Person, door: str, party: Room) -> None:
    """Join `party` through one door; assert it went through."""
    if door == "api":
        assert_http_allowed(person.call("POST", "/api/v1/parties/join", {"code": party.code}))
    elif door == "code form":
        assert_http_allowed(person.form(f"/join/{party.code}"))
    elif door == "party form":
        assert_http_allowed(person.form(f"/parties/{party.id}/join"))
    else:
        assert_ack_allowed(person.emit("party:join", party_id=party.id))


def refused_over(person: Person, door: str, party: Room) -> None:
    if door == "api":
        assert_http_refused(person.call("POST", "/api/v1/parties/join", {"code": party.code}))
    elif door == "code form":
        assert_http_refused(person.form(f"/join/{party.code}"))
    elif door == "party form":
        assert_http_refused(person.form(f"/parties/{party.id}/join"))
    else:
        assert_ack_refused(person.emit("party:join", party_id=party.id))


JOIN_DOORS = ("api", "code form", "party form", "socket")


@pytest.mark.parametrize("spent_over", JOIN_DOORS)
def test_party_joins_spent_through_one_door_are_spent_for_all(app, people, spent_over):
    host, guest = people(), people()
    rooms = [new_party(host, f"Room {n}") for n in range(LIMIT + 1)]
    for party in rooms[:LIMIT]:
        join_over(guest, spent_over, party)

    for door in JOIN_DOORS:
        refused_over(guest, door, rooms[LIMIT])
    assert not party_membership.is_participant(db.session.get(User, guest.user_id), rooms[LIMIT].id)
    # Someone else's allowance is their own.
    join_over(people(), "socket", rooms[LIMIT])


def test_coming_back_to_a_party_over_the_socket_spends_no_join(app, people):
    """Reconnecting clients send `party:join` for parties they are in: that is not a
    new join, so it works with the join allowance spent, and does not spend it."""
    host, guest = people(), people()
    rooms = [new_party(host, f"Room {n}") for n in range(LIMIT + 1)]
    join_over(guest, "api", rooms[0])
    for _ in range(LIMIT + 2):
        assert_ack_allowed(guest.emit("party:join", party_id=rooms[0].id))
    for party in rooms[1:LIMIT]:
        join_over(guest, "socket", party)
    refused_over(guest, "socket", rooms[LIMIT])
    assert_ack_allowed(guest.emit("party:join", party_id=rooms[1].id))


# -- reactions ------------------------------------------------------------------------------
def react_over(person: Person, door: str, party_id: int):
    if door == "page":
        return person.form(f"/parties/{party_id}/reactions", emoji="🎉")
    return person.emit("party:reaction", party_id=party_id, emoji="🎉")


@pytest.mark.parametrize(("spent_over", "then"), [("socket", "page"), ("page", "socket")])
def test_party_reactions_are_one_allowance(app, people, spent_over, then):
    host, guest = people(), people()
    party = new_party(host, "Cheers")
    join_over(guest, "socket", party)
    for _ in range(LIMIT):
        answer = react_over(guest, spent_over, party.id)
        (assert_ack_allowed if spent_over == "socket" else assert_http_allowed)(answer)

    refused = react_over(guest, then, party.id)
    (assert_ack_refused if then == "socket" else assert_http_refused)(refused)
    assert_ack_allowed(react_over(host, "socket", party.id))


# -- following --------------------------------------------------------------------------------
@pytest.mark.parametrize(("spent_over", "then"), [("api", "page"), ("page", "api")])
def test_follows_and_unfollows_are_one_allowance(app, people, spent_over, then):
    fan, star = people(), people()

    def act(door: str, action: str):
        if door == "api":
            method = "POST" if action == "follow" else "DELETE"
            return fan.call(method, f"/api/v1/users/{star.username}/follow")
        return fan.form(f"/u/{star.username}/{action}")

    for action in ("follow", "unfollow", "follow")[:LIMIT]:
        assert_http_allowed(act(spent_over, action))
    assert_http_refused(act(then, "unfollow"))
    assert_http_refused(act(then, "block"))


# -- one's status -----------------------------------------------------------------------------
@pytest.mark.parametrize("spent_over", ["api", "page", "socket"])
def test_status_changes_are_one_allowance(app, people, spent_over):
    person, other = people(), people()

    def choose(door: str, status: str):
        if door == "api":
            return person.call("POST", "/api/v1/me/presence", {"status": status})
        if door == "page":
            return person.form("/settings/status", status=status, next="/")
        return person.emit("presence:set", status=status)

    allowed = assert_ack_allowed if spent_over == "socket" else assert_http_allowed
    for status in ("busy", "away", "online")[:LIMIT]:
        allowed(choose(spent_over, status))
    for door in ("api", "page", "socket"):
        (assert_ack_refused if door == "socket" else assert_http_refused)(choose(door, "busy"))
    assert_ack_allowed(other.emit("presence:set", status="busy"))


# -- typing -----------------------------------------------------------------------------------
def test_typing_is_one_allowance_on_every_door_and_in_parties_too(app, people):
    talker, friend = people(), people()
    group = conversations.create_group(talker.user, "Chat", [friend.username])
    party = parties.create(talker.user, {"title": "Party", "media_url": VIDEO})
    for _ in range(LIMIT):
        assert_ack_allowed(talker.emit("typing:start", conversation_id=group.id))

    assert_ack_refused(talker.emit("typing:stop", conversation_id=group.id))
    assert_http_refused(talker.form(f"/conversations/{group.id}/typing"))
    assert_ack_refused(talker.emit("party:typing", party_id=party.id, typing=True))
    assert_ack_allowed(friend.emit("typing:start", conversation_id=group.id))


# -- editing messages ----------------------------------------------------------------------
@pytest.mark.parametrize("spent_over", ["api", "page", "socket"])
def test_message_edits_are_one_allowance(app, people, spent_over):
    writer, friend = people(), people()
    group = conversations.create_group(writer.user, "Notes", [friend.username])
    message = sent_message(writer.user, group.id, "draft")

    def edit(door: str, body: str):
        if door == "api":
            return writer.call("PATCH", f"/api/v1/messages/{message.id}", {"body": body})
        if door == "page":
            url = f"/conversations/{group.id}/messages/{message.id}/edit"
            return writer.form(url, body=body)
        return writer.emit("message:edit", message_id=message.id, body=body)

    for n in range(LIMIT):
        answer = edit(spent_over, f"take {n}")
        (assert_ack_allowed if spent_over == "socket" else assert_http_allowed)(answer)
    for door in ("api", "page", "socket"):
        refused = edit(door, "one more")
        (assert_ack_refused if door == "socket" else assert_http_refused)(refused)


# -- guessing invite codes ------------------------------------------------------------------
def test_the_invite_code_page_is_rate_limited(app, people):
    guesser, host = people(), people()
    secret = parties.create(
        host.user, {"title": "Secret", "media_url": VIDEO, "visibility": "private"}
    )
    guesses = [guesser.browser.get(f"/join/{code}") for code in ("AAAAAA", "BBBBBB", "CCCCCC")]
    assert [answer.status_code for answer in guesses] == [404] * LIMIT
    assert_http_refused(guesser.browser.get(f"/join/{secret.code}"))
    # The host still opens their own invite page.
    assert host.browser.get(f"/join/{secret.code}").status_code == 200
